"""The inbox of messages to classify, read from the index (groups.py)."""
