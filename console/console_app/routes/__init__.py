"""The console's pages, one module per area; each exposes `routes`, a list of Starlette routes.

    accounts       log in, log out, home
    conversations  list, transcript, review, tags
    takeover       live queue, take, reply, hand back
    inbox          misunderstood messages → training examples
    answers        FAQ answers (admin)
    models         training and deployment (admin)
    audit          audit log (admin)

Shared request helpers (session, CSRF, rendering) are in `common`; SQL is in `..queries`.
"""
