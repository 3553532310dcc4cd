"""`python -m rasa_patches ARGS…`: Rasa's command line (`rasa ARGS…`) with the fixes applied first.

    python -m rasa_patches run --enable-api --model models …   the Rasa server
    python -m rasa_patches run actions --actions actions       the action server

For the API server, the token comes from RASA_AUTH_TOKEN (and the JWT secret from RASA_JWT_SECRET)
inside this process, never from the command line that `ps` shows; a missing, short or well-known
token stops the start with a French message (rasa_patches/api_secrets.py).
"""

import os
import sys
from typing import List, Optional

import rasa_patches
from rasa_patches.api_secrets import server_arguments


def main(argv: Optional[List[str]] = None) -> None:
    """Check the secrets, apply every fix, then hand ARGS to Rasa's own entry point."""
    arguments = server_arguments(sys.argv[1:] if argv is None else argv, os.environ)
    rasa_patches.apply_all()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
