# The « Cloud au centre » assistant. Two commands do everything on a fresh machine:
#   make run    — install, train when needed, start the assistant (and every registered service)
#   make test   — install, `make check`, train when needed, then every test that needs the running
#                 assistant, against ONE Rasa test stack started once (ops/teststack.py); it prints
#                 its own duration and the duration of each step.
#   make check  — lint, `rasa data validate`, type check and every hermetic test: no model, no server.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
# Rasa's command line with the fixes of rasa_patches/ applied first.
RASA := $(PY) -m rasa_patches
TIMED := ops/timed.sh
SUBMAKE := $(MAKE) --no-print-directory
export PYTHONDONTWRITEBYTECODE := 1

# Parts (webchat/, console/, tchap/, deploy/…) register themselves in their make.mk:
#   INSTALL_TARGETS += <part>-install   what `make install` sets up (venvs, npm, Debian packages)
#   CHECK_TARGETS   += check-<part>     its hermetic tests and type check (run by `make check`)
#   TEST_TARGETS    += test-<part>      its tests that need servers (run by `make test`, given the stack)
#   PAGE_TEST_TARGETS += test-<part>    the same, for tests serving the chat page at the stack's CORS origin
#   OWN_TEST_TARGETS += test-<part>     the same, for tests that mostly wait for servers of their own (a
#                                       production cluster, a Synapse)
#   RUN_SERVICES    += <part>/serve.sh  started by `make run`
INSTALL_TARGETS :=
CHECK_TARGETS :=
TEST_TARGETS := test-core
PAGE_TEST_TARGETS :=
OWN_TEST_TARGETS :=
RUN_SERVICES :=
include $(sort $(wildcard */make.mk))

.PHONY: help install venv train train-force run stop shell check check-steps test test-steps test-with-stack lint validate lane-main lane-page lane-own timed-check timed-train \
        typecheck facts facts-reviewed check-core test-core test-stories test-e2e eval eval-gate tune ablation lock clean

help:
	@echo "make run    démarre l'assistant (installe et entraîne si besoin) ; make stop l'arrête"
	@echo "make test   installe, vérifie, entraîne si besoin et lance tous les tests (affiche leur durée)"
	@echo "make check  vérifications rapides sans modèle : lint, données, types, tests hermétiques"
	@echo "make train | make eval | make tune | make shell | make lint | make ablation"
	@echo "make bench-quick (≈ 2 min) | make bench : coût d'un tour, démarrage, mémoire, rapportés à un Rasa ordinaire"

install: venv $(INSTALL_TARGETS)

# The Rasa venv: runtime packages and development tools (ops/install.sh is the one installer).
venv:
	@ops/install.sh venv $(VENV) requirements.txt requirements-dev.txt

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

# --- tiers ------------------------------------------------------------------------------------------

# As in RasaHQ/rasa-demo: lint, validate, type check, hermetic tests; no model needed. The steps are
# independent: two at a time (one per core), each one's output shown whole when it ends; the longest
# start first (the hermetic test suites), the short ones fill the gaps at the end.
check:
	@$(SUBMAKE) -j2 --output-sync=target check-steps

check-steps: check-core $(CHECK_TARGETS) lint validate typecheck facts

# Everything. The Rasa test stack loads its model while the conversation tests load theirs (one core
# each); then the evaluation parses through that stack (EVAL_RASA_URL) and every part's tests run against it.
test:
	@mkdir -p results && : > results/timings.txt
	@status=0; TIMINGS_FILE=$(CURDIR)/results/timings.txt $(TIMED) "make test (total)" $(SUBMAKE) test-steps \
	  || status=$$?; echo "--- durées (results/timings.txt) ---"; cat results/timings.txt; \
	  if [ $$status = 0 ]; then echo "Tous les tests sont passés."; fi; exit $$status

# The venvs, npm folders and Debian packages are independent: installed side by side. `make check` needs
# no model: the training (mostly one core) runs beside its two jobs (one jobserver of 3 shared by both).
test-steps:
	@$(TIMED) "installation" $(SUBMAKE) -j4 --output-sync=target install
	@$(TIMED) "make check et entraînement, côte à côte" $(SUBMAKE) -j3 --output-sync=target timed-check timed-train
	@$(TIMED) "pile de test et tests avec la pile" $(PY) ops/teststack.py run \
	  --meanwhile "$(TIMED) 'tests de conversation (pendant le chargement de la pile)' $(SUBMAKE) test-stories" \
	  -- $(SUBMAKE) test-with-stack

timed-check:
	+@$(TIMED) "make check" $(SUBMAKE) --output-sync=target check-steps
timed-train:
	+@$(TIMED) "entraînement" $(SUBMAKE) train

# Every registered part against the stack handed over in TEST_STACK_*, in three lanes side by side (the
# tests mostly wait: for a handoff to time out, a training, a deploy, a server to start). The parts whose
# tests serve the person's chat page at the stack's one CORS origin (PAGE_TEST_TARGETS) run one after the
# other in their lane, those that start servers of their own (OWN_TEST_TARGETS) in theirs, the others
# (TEST_TARGETS) in the main one. A failing part does not stop the others: all failures are listed at the
# end. Each lane's output is shown whole when the lane ends.
test-with-stack: export EVAL_RASA_URL = $(TEST_STACK_URL)
test-with-stack: export EVAL_RASA_TOKEN = $(TEST_STACK_TOKEN)
test-with-stack:
	@mkdir -p results && rm -f results/failed-parts
	@$(SUBMAKE) -j3 --output-sync=target lane-main lane-page lane-own; \
	  if [ -s results/failed-parts ]; then echo "ÉCHEC :$$(cat results/failed-parts)" >&2; exit 1; fi

LANE_main = eval-gate $(TEST_TARGETS)
LANE_page = $(PAGE_TEST_TARGETS)
LANE_own = $(OWN_TEST_TARGETS)
# (+: the parts' makes share the jobserver, run by ops/timed.sh.)
lane-main lane-page lane-own: lane-%:
	+@for target in $(LANE_$*); do \
	  $(TIMED) "$$target" $(SUBMAKE) $$target || printf ' %s' "$$target" >> results/failed-parts; done

# --- the assistant's own checks and tests (tests/) ------------------------------------------------

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/yamllint --strict -c .yamllint.yml config.yml endpoints.yml credentials.yml domain data tests/stories eval

validate: venv
	$(RASA) data validate --domain domain --data data --config config.yml

# mypy (requirements-dev.txt, settings in mypy.ini) on the Rasa venv's code; the console and the Tchap
# bridge are checked by check-console and check-tchap against their own venvs.
typecheck: venv
	$(VENV)/bin/mypy actions channels components stores rasa_patches ops/teststack.py ops/deploy_probe.py ops/preflight.py accessibility

# The texts were reviewed against actions/data/doctrine-cloud-faits.md; when the shared fact base
# (../shared/knowledge) differs, list the sections that changed and the texts resting on them (docs/maintainer.md).
facts: venv
	@$(PY) -m actions.fact_base

# After reviewing those texts: record the shared fact base as the reviewed one.
facts-reviewed: venv
	@$(PY) -m actions.fact_base --accept

# Every test under tests/ that needs neither the running assistant (marker `stack`) nor the production
# cluster (marker `prod`): actions, data, stores, patches, channels at their HTTP boundary, deploy files.
check-core: venv
	$(PY) -m pytest -q -m "not stack and not prod" tests

# Every test under tests/ that talks to the running assistant (end to end, Mattermost channel…).
test-core: train
	$(PY) -m pytest -q -m stack tests

test-stories: train
	$(RASA) test core --model models --stories tests/stories --fail-on-prediction-errors --out results/stories

test-e2e: train
	$(PY) -m pytest -q tests/e2e

# Dev, test and blind sets side by side, with the TF-IDF baseline (eval/README.md).
eval: train
	$(PY) eval/evaluate.py

# Choose the FAQ confidence thresholds on the dev set only (writes actions/data/faq_thresholds.yml).
tune: train
	$(PY) eval/evaluate.py --tune

# What each NLU component adds (trains 9 models; writes docs/ablation.md).
ablation: venv
	$(PY) eval/ablation.py

# make test fails below these floors (FAQ accuracy, off-topic rejection, conversations right) on the blind
# sets (goals: 95 %+, 90 %+ of conversations), written by someone who never read data/ (eval/blind/README.md).
# With EVAL_RASA_URL set it parses and converses through that running Rasa instead of starting one; make test
# does so.
eval-gate: train
	$(PY) eval/evaluate.py --gate blind --min-faq-accuracy 0.93 --min-oos-rejection 0.93 --min-conversations 0.85

# Pin the Rasa venv: runtime packages in requirements.txt, development tools in requirements-dev.txt.
lock: venv
	$(PY) ops/lock.py

clean:
	rm -rf results .pytest_cache
