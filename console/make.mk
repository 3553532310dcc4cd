# Support console (console/): installs its own venv and assets, runs on :8081 with `make run`.
# The action server pauses conversations on handoff only when this is true (the console takes over).
export HANDOFF_ENABLED := true
RUN_SERVICES += console/serve.sh
# Statistics counting and the nightly purge of old conversations (RGPD, docs/donnees-personnelles.md).
RUN_SERVICES += console/retention.sh
TEST_TARGETS += test-console

.PHONY: console-install test-console test-console-unit test-console-browser bench-statistics

console-install:
	@console/install.sh

# Route/auth/data tests (fast, no server), then the real-browser tests against a Rasa stack of their own.
test-console: console-install train test-console-unit test-console-browser

# The statistics and retention tests run on SQLite and on a real PostgreSQL (deploy/prod.sh pg-start).
test-console-unit: console-install prod-packages
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests --ignore=tests/browser

test-console-browser: console-install train
	@console/tests/browser/ensure-chromium.sh
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests/browser

# Statistics on 100 000 generated conversations, SQLite and PostgreSQL (figures in docs/console.md).
bench-statistics: console-install prod-packages
	nice -n 10 .venv-console/bin/python benchmarks/console_statistics.py
