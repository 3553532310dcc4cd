# Mattermost channel (channels/mattermost.py, docs/mattermost.md). No Mattermost server can be installed
# here: the channel is tested at its HTTP boundary against a fake Mattermost API (tests/channels/).
TEST_TARGETS += test-mattermost
.PHONY: test-mattermost test-mattermost-unit test-mattermost-stack

test-mattermost: test-mattermost-unit test-mattermost-stack

# Hermetic: the blueprint in a Sanic app + a stub assistant + the fake Mattermost API.
test-mattermost-unit: venv
	$(PY) -m pytest -q tests/channels/test_mattermost_channel.py

# The real Rasa stack on free ports, fed with Mattermost payloads, answering into the fake Mattermost API.
test-mattermost-stack: train
	$(PY) -m pytest -q tests/channels/test_mattermost_stack.py
