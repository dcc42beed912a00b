# WISSENsAllmende Jena — ckanext-jena. Two commands do all set-up on a fresh machine:
#   make run    the portal with demo content at http://127.0.0.1:5000 (foreground, gunicorn)
#   make test   the whole test suite against a project-owned PostgreSQL and Redis (leaves the work
#               tree as it was: the browser tests' screenshots go to the git-ignored build/screenshots/):
#               the project's tests on CKAN 2.12.0 (lane 1) beside the same tests on CKAN 2.11.6
#               and then CKAN 2.12's own search tests (lane 2), plus the 2.11 -> 2.12 upgrade test
#               once (scripts/run-tests.sh, docs/testing.md; JENA_TESTED_CKAN_VERSIONS=2.12.0: one version)
#   make screenshots   renews the README's pictures in docs/screenshots/ from the browser tests
#   make test CKAN_VERSION=2.11.6   (and make run CKAN_VERSION=2.11.6) the same on the previous CKAN
#               only, in its own virtualenv (.venv-2.11.6) and databases (ckan_test_2_11_6, ckan_jena_2_11_6)
SHELL := /bin/bash
DEFAULT_CKAN_VERSION := $(shell sed -nE 's/^ckan\[requirements\]==([^ ]+).*/\1/p' requirements.txt)
CKAN_VERSION ?= $(DEFAULT_CKAN_VERSION)
ifeq ($(CKAN_VERSION),$(DEFAULT_CKAN_VERSION))
VENV ?= $(CURDIR)/.venv
DB_SUFFIX :=
else
VENV ?= $(CURDIR)/.venv-$(CKAN_VERSION)
DB_SUFFIX := _$(subst .,_,$(CKAN_VERSION))
endif
# the scripts read the version and the virtualenv from the environment (scripts/env.sh)
export CKAN_VERSION
export JENA_VENV := $(VENV)
RUN_DB := ckan_jena$(DB_SUFFIX)
TEST_DB := ckan_test$(DB_SUFFIX)
ifneq ($(DB_SUFFIX),)
# ckan.ini names ckan_jena; the portal on another CKAN uses its own database (CKAN reads this over the ini)
export CKAN_SQLALCHEMY_URL := $(shell scripts/setup.sh db-url $(RUN_DB))
endif
CKAN := $(VENV)/bin/ckan
SETUP := scripts/setup.sh
PYTEST_ARGS ?=
BENCH_N ?= 10000

.PHONY: run run-dev test screenshots stop deps venv services init-run init-test demo bench-search bench-dcat bench-harvest bench-explainer bench-data bench-load clean-local help

help:
	@echo "make run | make run-dev | make test | make screenshots | make stop | make bench-search [BENCH_N=100000] | make bench-dcat [BENCH_N=10000] | make bench-harvest [HARVEST_N=1000 HARVEST_ROUNDS=3] | make bench-explainer [EXPLAINER_N=200] | make bench-data [DATA_ROWS=100000 DATA_ROUNDS=3] | make bench-load [LOAD_SECONDS=60 LOAD_CLIENTS='20 50']"

deps:
	@$(SETUP) deps

venv: deps
	@$(SETUP) venv

services: deps
	@$(SETUP) services

init-run: venv services
	@$(SETUP) database $(RUN_DB)
	@$(SETUP) ckan-ini
	@$(SETUP) init ckan.ini
	@scripts/sysadmin.sh ckan.ini

demo: init-run
	@$(CKAN) -c ckan.ini jena demo load

run: demo
	@echo "==> WISSENsAllmende Jena: http://127.0.0.1:5000  (Ctrl-C stops the web server and its workers; 'make stop' stops PostgreSQL and Redis)"
	@scripts/run-portal.sh

# CKAN's development server, reloading changed code (one request at a time: never in front of visitors)
run-dev: demo
	@scripts/run-portal.sh --dev

init-test: venv services
	@$(SETUP) database $(TEST_DB)
	@$(SETUP) init test.ini $(TEST_DB)

test: init-test
	@scripts/run-tests.sh $(PYTEST_ARGS)

# the README's pictures (docs/screenshots/), renewed on purpose; commit them if they should change
screenshots: init-test
	@scripts/screenshots.sh

bench-search: init-test
	@$(SETUP) database ckan_bench
	@CKAN_SQLALCHEMY_URL=$$($(SETUP) db-url ckan_bench) $(VENV)/bin/python benchmarks/bench_search.py --n $(BENCH_N)

bench-dcat: init-test
	@$(SETUP) database ckan_bench_dcat
	@CKAN_SQLALCHEMY_URL=$$($(SETUP) db-url ckan_bench_dcat) $(VENV)/bin/python benchmarks/bench_dcat.py --n $(BENCH_N)

HARVEST_N ?= 1000
HARVEST_ROUNDS ?= 3
# the first import through the Redis queues with 1, 2 and 4 fetch consumers ('' skips it)
HARVEST_CONSUMERS ?= 1 2 4
# HARVEST_MEMORY_N=20000: jena_dcat's peak memory at 20,000 records against 2,000
HARVEST_MEMORY_N ?=
bench-harvest: init-test
	@$(SETUP) database ckan_bench_harvest
	@CKAN_SQLALCHEMY_URL=$$($(SETUP) db-url ckan_bench_harvest) $(VENV)/bin/python benchmarks/bench_harvest.py --n $(HARVEST_N) --rounds $(HARVEST_ROUNDS) --consumers "$(HARVEST_CONSUMERS)" $(if $(HARVEST_MEMORY_N),--memory-n $(HARVEST_MEMORY_N))

EXPLAINER_N ?= 200
bench-explainer: init-test
	@$(SETUP) database ckan_bench_explainer
	@CKAN_SQLALCHEMY_URL=$$($(SETUP) db-url ckan_bench_explainer) $(VENV)/bin/python benchmarks/bench_explainer.py --n $(EXPLAINER_N)

DATA_ROWS ?= 100000
DATA_ROUNDS ?= 3
bench-data: init-test
	@$(SETUP) database ckan_bench_data
	@CKAN_SQLALCHEMY_URL=$$($(SETUP) db-url ckan_bench_data) $(VENV)/bin/python benchmarks/bench_data.py --rows $(DATA_ROWS) --rounds $(DATA_ROUNDS)

# today's portal (gunicorn, port 5101, database ckan_load) against the baseline commit 2c7ca83
# (`ckan run` in a git worktree under /tmp, port 5102, database ckan_load_base), side by side
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 20 50
bench-load: venv services
	@LOAD_SECONDS=$(LOAD_SECONDS) LOAD_CLIENTS="$(LOAD_CLIENTS)" $(VENV)/bin/python benchmarks/bench_load.py

stop:
	@$(SETUP) stop

# Removes the local services' data (databases, uploads). The virtualenv is kept.
clean-local: stop
	rm -rf .local ckan.ini
