# Production profile (issue 7, docs/production.md): PostgreSQL + Redis + several Rasa instances
# behind nginx and its tests with real stores (its load test, make bench, is in benchmarks/make.mk).
.PHONY: run-prod stop-prod prod-packages test-prod bench-deploy

INSTALL_TARGETS += prod-packages
OWN_TEST_TARGETS += test-prod

prod-packages:
	@deploy/prod.sh packages

run-prod: train prod-packages
	@deploy/run-prod.sh $(RUN_SERVICES)

stop-prod:
	@deploy/prod.sh stop

# Tests marked `prod`: real PostgreSQL, Redis, Rasa instances and nginx, started by the tests on free
# ports in temporary dirs (their own multi-instance topology, not the shared test stack).
test-prod: train prod-packages
	$(PY) -m pytest -q -m prod tests/prod

# Retraining for an everyday change and putting models in service (both profiles), measured: longest
# wait of a probe, memory after three deploys against a fresh Rasa, PUT /model for comparison
# (benchmarks/deploy.py; figures in docs/console.md). Not part of make test.
bench-deploy: train prod-packages
	$(PY) benchmarks/deploy.py --prod
