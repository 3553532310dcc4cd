"""Tchap (Matrix) bridge of the « Cloud au centre » assistant.

A separate process: it syncs with the homeserver through matrix-nio and talks to Rasa through
Rasa's built-in `callback` channel (see docs/tchap.md for why).
"""
