# Web chat page and widget (webchat/, docs/webchat.md): `make run` serves it on :8080;
# `make test-webchat` runs its browser tests against the Rasa test stack (or one of its own).
RUN_SERVICES += webchat/serve.sh
INSTALL_TARGETS += webchat-install
CHECK_TARGETS += check-webchat
PAGE_TEST_TARGETS += test-webchat

.PHONY: webchat-install check-webchat test-webchat

webchat-install:
	@webchat/install.sh --tests

WEBCHAT_PYTEST := .venv-webchat/bin/python -m pytest -q -p no:cacheprovider -c webchat/pytest.ini

check-webchat: webchat-install
	$(WEBCHAT_PYTEST) -m "not stack" webchat/tests

test-webchat: train webchat-install
	$(WEBCHAT_PYTEST) -m stack webchat/tests
