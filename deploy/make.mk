# Production profile (issue 7, docs/production.md): PostgreSQL + Redis + several Rasa instances
# behind nginx, its tests with real stores, and the load test (make bench, not part of make test).
.PHONY: run-prod stop-prod prod-packages test-prod bench bench-venv

TEST_TARGETS += test-prod

prod-packages:
	@deploy/install-packages.sh

run-prod: train prod-packages
	@deploy/run-prod.sh $(RUN_SERVICES)

stop-prod:
	@deploy/prod.sh stop

# Real PostgreSQL and Redis, started by the tests on free ports in temporary dirs.
test-prod: train prod-packages
	$(PY) -m pytest -q tests/prod

bench-venv:
	@benchmarks/ensure-venv.sh

bench: train prod-packages bench-venv
	@benchmarks/run.sh
