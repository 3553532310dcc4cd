# Tchap (Matrix) bridge — see docs/tchap.md.
#   make check-tchap  formatting and configuration (no server)
#   make test-tchap   bridge tests against a real Synapse homeserver and the Rasa test stack
#   make run          also starts tchap/serve.sh (which does nothing until the bridge is configured)
INSTALL_TARGETS += tchap-venv
CHECK_TARGETS += check-tchap
OWN_TEST_TARGETS += test-tchap
RUN_SERVICES += tchap/serve.sh

.PHONY: tchap-venv check-tchap test-tchap

tchap-venv:
	@tchap/install.sh --dev

check-tchap: tchap-venv venv
	$(VENV)/bin/mypy --python-executable .venv-tchap/bin/python tchap/matrix_bridge
	PYTHONPATH=tchap .venv-tchap/bin/python -m pytest -q -p no:cacheprovider -m "not stack" tchap/tests

test-tchap: train tchap-venv
	PYTHONPATH=tchap .venv-tchap/bin/python -m pytest -q -p no:cacheprovider -m stack tchap/tests
