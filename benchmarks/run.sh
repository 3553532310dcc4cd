#!/usr/bin/env bash
# `make bench`: the load test (benchmarks/bench.py) in its own venv; writes docs/benchmarks.md.
# Not part of `make test`: it takes several minutes and the whole machine.
set -euo pipefail
cd "$(dirname "$0")/.."
benchmarks/ensure-venv.sh
deploy/prod.sh packages
exec .venv-bench/bin/python benchmarks/bench.py "$@"
