# Tchap (Matrix) bridge — see docs/tchap.md.
#   make test-tchap   bridge tests against a real Synapse homeserver and the real assistant
#   make run          also starts tchap/serve.sh (which does nothing until the bridge is configured)
TEST_TARGETS += test-tchap
RUN_SERVICES += tchap/serve.sh

.PHONY: tchap-venv test-tchap

tchap-venv:
	@tchap/install.sh
	@tchap/install.sh synapse

test-tchap: train tchap-venv
	PYTHONPATH=tchap .venv-tchap/bin/python -m pytest -q -p no:cacheprovider tchap/tests
