# The « Cloud au centre » assistant. Two commands do everything on a fresh machine:
#   make run    — install, train when needed, start the assistant (and every registered service)
#   make test   — install, train when needed, run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONDONTWRITEBYTECODE := 1

# Parts (webchat/, console/, tchap/, channels/, deploy/…) register themselves in their make.mk:
#   TEST_TARGETS += test-<part>      RUN_SERVICES += <part>/serve.sh
TEST_TARGETS :=
RUN_SERVICES :=
include $(sort $(wildcard */make.mk))

.PHONY: help venv train train-force run stop test test-core lint validate test-actions test-stories \
        eval eval-gate tune ablation test-e2e shell lock clean

help:
	@echo "make run    démarre l'assistant (installe et entraîne si besoin) ; make stop l'arrête"
	@echo "make test   lance toute la suite de tests (installe et entraîne si besoin)"
	@echo "make train | make eval | make tune | make shell | make lint | make ablation"

venv:
	@ops/ensure-venv.sh

train: venv
	@ops/train-if-needed.sh

train-force: venv
	@ops/train-if-needed.sh --force

run: train
	@ops/run.sh $(RUN_SERVICES)

# Stop what `make run` started, from another terminal.
stop:
	@ops/stop.sh

shell: train
	@. ops/env.sh && $(RASA) shell --model models --endpoints endpoints.yml

# Order as in RasaHQ/rasa-demo: lint → validate → action tests → train → conversation tests.
test: test-core $(TEST_TARGETS)
	@echo "Tous les tests sont passés."

test-core: lint validate test-actions train test-stories eval-gate test-e2e

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/yamllint --strict -c .yamllint.yml config.yml endpoints.yml credentials.yml domain data tests/stories eval

validate: venv
	$(RASA) data validate --domain domain --data data --config config.yml

test-actions: venv
	$(PY) -m pytest -q tests/actions tests/data tests/stores tests/rasa_patches tests/channels/test_input_validation.py \
		tests/channels/test_conversation_ownership.py tests/ops

test-stories: train
	$(RASA) test core --model models --stories tests/stories --fail-on-prediction-errors --out results/stories

# Dev, test and blind sets side by side, with the TF-IDF baseline (eval/README.md).
eval: train
	$(PY) eval/evaluate.py

# Choose the FAQ confidence thresholds on the dev set only (writes actions/data/faq_thresholds.yml).
tune: train
	$(PY) eval/evaluate.py --tune

# What each NLU component adds (trains 4 models; writes docs/ablation.md).
ablation: venv
	$(PY) eval/ablation.py

# make test fails below these floors (FAQ accuracy, off-topic rejection) on the blind set (goal: 95 %+).
eval-gate: train
	$(PY) eval/evaluate.py --gate blind --min-faq-accuracy 0.93 --min-oos-rejection 0.93

test-e2e: train
	$(PY) -m pytest -q tests/e2e

lock: venv
	@{ grep "^#" requirements.txt; $(VENV)/bin/pip freeze --exclude-editable; } > requirements.txt.new && mv requirements.txt.new requirements.txt

clean:
	rm -rf results .pytest_cache
