"""Custom actions of the « Cloud au centre » assistant (served by `rasa run actions`)."""
