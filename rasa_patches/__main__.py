"""`python -m rasa_patches ARGS…`: Rasa's command line (`rasa ARGS…`) with the fixes applied first.

    python -m rasa_patches run --enable-api --model models …   the Rasa server
    python -m rasa_patches run actions --actions actions       the action server
"""

import sys
from typing import List, Optional

import rasa_patches


def main(argv: Optional[List[str]] = None) -> None:
    """Apply every fix, then hand ARGS to Rasa's own entry point (same options, same exit codes)."""
    rasa_patches.apply_all()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
