"""Custom Rasa NLU components, loaded by the Rasa process from config.yml (not by the action server)."""
