"""The console's pages, one module per area; each exposes `routes`, a list of Starlette routes.

    accounts       log in, log out, home
    conversations  list, transcript, review, tags
    takeover       live queue, take, reply, hand back
    inbox          misunderstood messages → training examples
    insights       NLU insights: questions confused on the held-out sets, questions with few examples
    answers        FAQ answers (admin)
    models         training and deployment (admin)
    audit          audit log (admin)
    users          accounts (admin) and each user's own account page
    assistant      « Parler à l'assistant »: try the live assistant, intent and confidence per message
    statistics     usage statistics, the conversations behind a figure, CSV exports
    privacy        personal data (admin): retention, purge now, erasing a conversation
    sheets         orientation sheets: find one by its reference, produce its PDF again (audited)

Shared request helpers (session, CSRF, rendering) are in `common`; SQL is in `..queries`.
"""
