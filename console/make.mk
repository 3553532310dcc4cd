# Support console (console/): installs its own venv and assets, runs on :8081 with `make run`.
# The action server pauses conversations on handoff only when this is true (the console takes over).
export HANDOFF_ENABLED := true
RUN_SERVICES += console/serve.sh
# Statistics counting and the nightly purge of old conversations (RGPD, docs/donnees-personnelles.md).
RUN_SERVICES += console/retention.sh
INSTALL_TARGETS += console-install
# In two halves of about 1.5 min each, which make check runs side by side.
CHECK_TARGETS += check-console-data check-console
# The stores' and workbench's tests need no chat page: in the main lane, beside the browser tests.
TEST_TARGETS += test-console-stores
PAGE_TEST_TARGETS += test-console
# A model trained, checked and put in service on a Rasa stack of its own (3 min). It serves no chat page, but
# runs in that lane after the other browser tests: its training would load the machine while the takeover
# tests wait on their timers (in the lane of the parts with servers of their own, a person's page missed the
# console's message twice in a row).
PAGE_TEST_TARGETS += test-console-deploy

.PHONY: console-install check-console check-console-data test-console-stores test-console test-console-deploy bench-statistics bench-console-pages

# Runtime and test tools (console/serve.sh installs the runtime alone).
console-install:
	@console/install.sh --dev

# Type check against the console's venv, then routes, authentication, CSRF, data writes, statistics and
# retention on SQLite: every test outside tests/browser that needs no server (marker `prod`: PostgreSQL; marker
# `workbench`: the Git copies of the whole data, hermetic but slow, run by test-console-stores).
# check-console-data: the training data, answers, inbox, training and insights (the workbench's side), the
# other: everything else.
CONSOLE_DATA_TESTS := test_inbox.py test_answers.py test_answer_safety.py test_training.py test_insights.py \
  test_training_data_editing.py test_workbench.py
CONSOLE_CHECK = cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider -m "not prod and not workbench"
check-console: console-install venv
	$(VENV)/bin/mypy --python-executable .venv-console/bin/python console/console_app
	$(CONSOLE_CHECK) tests --ignore=tests/browser $(addprefix --ignore=tests/,$(CONSOLE_DATA_TESTS))
check-console-data: console-install
	$(CONSOLE_CHECK) $(addprefix tests/,$(CONSOLE_DATA_TESTS))

# The statistics and retention tests again on a real PostgreSQL (deploy/prod.sh pg-start, prod packages) and the
# workbench's tests (no server of the stack's needed).
test-console-stores: console-install prod-packages
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider -m "prod or workbench" tests --ignore=tests/browser

# tests/browser: real Chromium (Playwright's event loop stays up for the session, so never in the
# same session as the tests above), a real console server and, for most, the Rasa test stack
# (TEST_STACK_*, or one of its own); test-console-deploy, the one that puts models in service, on a stack of
# its own.
test-console: console-install train
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests/browser \
	  --ignore=tests/browser/test_deploy_browser.py

test-console-deploy: console-install train
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests/browser/test_deploy_browser.py

# Statistics on 100 000 generated conversations, SQLite and PostgreSQL (figures in docs/console.md).
bench-statistics: console-install prod-packages
	nice -n 10 .venv-console/bin/python benchmarks/console_statistics.py

# List, inbox, transcript and queue on 100 000 conversations (SQLite; --stores sqlite,postgresql for both).
bench-console-pages: console-install
	nice -n 10 .venv-console/bin/python benchmarks/console_pages.py
