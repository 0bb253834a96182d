# jobsmith: `make demo`, `make test`, `make bench`.
# Everything a fresh Debian machine with Python 3.11 needs is installed from here.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := .deps
STATSD_VERSION := 0.9.0
export JAVA_HOME ?= /usr/lib/jvm/java-17-openjdk-amd64
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export JOBSMITH_STATSD_DAEMON := $(CURDIR)/$(DEPS)/node_modules/statsd/stats.js

.PHONY: demo test bench lint typecheck goldens setup system-deps clean

setup: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Groovy 2.4 (the version Jenkins runs), what the real Job DSL engine in
# ../shared/jobdsl needs beside it, and the reference statsd daemon.
DEBIAN_PACKAGES := groovy openjdk-17-jre-headless openssl libxstream-java libaccess-modifier-checker-java
system-deps: $(DEPS)/.debian $(DEPS)/node_modules/statsd/stats.js

$(DEPS)/.debian: Makefile
	mkdir -p $(DEPS)
	missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	[ -z "$$missing" ] || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }
	groovy --version
	touch $@

$(DEPS)/node_modules/statsd/stats.js:
	mkdir -p $(DEPS)
	npm install --silent --no-audit --no-fund --prefix $(DEPS) statsd@$(STATSD_VERSION)

demo: setup
	$(BIN)/jobsmith validate examples/jobs
	$(BIN)/jobsmith generate examples/jobs -o build/demo
	@echo; echo "== generated files"; find build/demo -type f | sort
	@echo; echo "== build/demo/dsl/jobsmith.json (the seed data: a folder or job a line; head)"; head -c 1500 build/demo/dsl/jobsmith.json; echo
	@echo; echo "== next runs"; $(BIN)/jobsmith schedule examples/jobs --hours 6 || true
	@echo; echo "== what a mistake in a spec looks like (exit status 2, nothing written)"
	@mkdir -p build/demo-mistakes && printf 'shedule: H 2 * * *\ncommand: ./run.sh\ntimeout: soon\n' > build/demo-mistakes/report.yaml
	-$(BIN)/jobsmith validate build/demo-mistakes
	@echo; echo "== the wrapper: a failing step, retried"
	$(BIN)/jobsmith run --job demo/flaky --retries 2 --backoff 1s -- sh -c 'echo working; exit 75' || echo "exit status $$?"

lint: setup
	$(BIN)/ruff check jobsmith tests bench
	$(BIN)/mypy

test: setup system-deps lint
	$(BIN)/pytest -q

goldens: setup
	JOBSMITH_REGENERATE_GOLDENS=1 $(BIN)/pytest -q tests/generator tests/spec

bench: setup system-deps
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DEPS) build .pytest_cache .mypy_cache .ruff_cache
