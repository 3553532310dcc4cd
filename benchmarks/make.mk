# Benchmarks (benchmarks/, docs/benchmarks.md): not part of make test, they print figures.
#   make bench-quick  our assistant and a plain Rasa 3.6 bot (rasa init) side by side, one conversation
#                     at a time: cost per turn, cold start, memory as ratios (about 2 minutes)
#   make bench        the same side by side, then the load test of the production profile (one and two
#                     instances); writes docs/benchmarks.md (BENCH_SOAK_SECONDS=3600 adds an hour of load)
.PHONY: bench bench-quick bench-venv

bench-venv:
	@benchmarks/ensure-venv.sh

bench-quick: train bench-venv
	@.venv-bench/bin/python benchmarks/sidebyside.py

bench: train prod-packages bench-venv
	@benchmarks/run.sh
