"""Custom Rasa input channels (registered in credentials.yml by module path)."""
