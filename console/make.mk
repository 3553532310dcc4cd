# Support console (console/): installs its own venv and assets, runs on :8081 with `make run`.
# The action server pauses conversations on handoff only when this is true (the console takes over).
export HANDOFF_ENABLED := true
RUN_SERVICES += console/serve.sh
INSTALL_TARGETS += console-install
CHECK_TARGETS += check-console
TEST_TARGETS += test-console

.PHONY: console-install check-console test-console

# Runtime and test tools (console/serve.sh installs the runtime alone).
console-install:
	@console/install.sh --dev

# Type check against the console's venv, then routes, authentication, CSRF, data writes: every test
# outside tests/browser (no server, no browser).
check-console: console-install venv
	$(VENV)/bin/mypy --python-executable .venv-console/bin/python console/console_app
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests --ignore=tests/browser

# tests/browser: real Chromium (Playwright's event loop stays up for the session, so never in the same
# session as the tests above), a real console server and, for most, the Rasa test stack (TEST_STACK_*,
# or one of its own).
test-console: console-install train
	cd console && ../.venv-console/bin/python -m pytest -q -p no:cacheprovider tests/browser
