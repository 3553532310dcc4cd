# Web chat page and widget (webchat/, docs/webchat.md): `make run` serves it on :8080,
# `make test-webchat` runs its browser tests against a stack of its own on free ports.
RUN_SERVICES += webchat/serve.sh
TEST_TARGETS += test-webchat

.PHONY: webchat-install test-webchat

webchat-install:
	@webchat/install.sh --tests

test-webchat: train webchat-install
	@webchat/test.sh
