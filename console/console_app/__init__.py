"""Support console of the « Cloud au centre » assistant (successor of Rasa X for the support team)."""
