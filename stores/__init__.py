"""Custom Rasa stores (referenced by module path from endpoints.yml)."""
