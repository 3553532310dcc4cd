"""Shared by every test under tests/: the run's Rasa test stack (fixture `rasa_stack`, ops/teststack.py).

Tests that use it are marked `stack` and need a trained model; tests that use the production
cluster (tests/prod) are marked `prod`. `make check` runs the others, with no model and no server.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

pytest_plugins = ["teststack"]
