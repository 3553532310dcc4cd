"""The conversation list (filters read from the index, listing.py) and the transcript's lines
(transcript.py)."""
