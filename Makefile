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

.PHONY: demo test bench lint typecheck goldens setup system-deps dist clean

setup: $(VENV)/.installed

PIP := $(BIN)/pip install --quiet --disable-pip-version-check

# Debian packages, installed when missing (as root, or through sudo). A fresh Debian 12
# has python3 but neither venv (python3-venv: ensurepip) nor npm, Groovy or a JRE.
APT_GET = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
define apt_install
{ echo "installing Debian packages:$(1)"; \
  { [ -z "$(SUDO)" ] || command -v $(firstword $(SUDO)) >/dev/null; } || { echo "not root and no sudo: install$(1) yourself" >&2; exit 1; }; \
  $(APT_GET) update -qq && $(APT_GET) install -y -qq$(1) >/dev/null; }
endef

$(DEPS)/.python-venv:
	mkdir -p $(DEPS)
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || $(call apt_install, python3-venv)
	touch $@

# What `make demo` needs: jobsmith and its runtime dependencies only.
$(VENV)/.runtime: setup.cfg pyproject.toml | $(DEPS)/.python-venv
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

# What the tests need on top: pytest, hypothesis, ruff, mypy, ...
$(VENV)/.installed: $(VENV)/.runtime
	$(PIP) -e '.[test]'
	touch $@

# Groovy 2.4 (the version Jenkins runs), what the real Job DSL engine in
# ../shared/jobdsl needs beside it, headless Chromium (and a font) for the forecast page
# tests, the reference statsd daemon, and git (`jobsmith try` clones a spec's checkout).
# Each package with the command that shows it is there; the libraries by dpkg.
# npm: any npm on PATH will do (NodeSource's nodejs brings its own).
DEBIAN_COMMANDS := groovy=groovy java=openjdk-17-jre-headless openssl=openssl npm=npm chromium=chromium git=git systemd-analyze=systemd
DEBIAN_PACKAGES := libxstream-java libaccess-modifier-checker-java fonts-dejavu-core
system-deps: $(DEPS)/.debian $(DEPS)/node_modules/statsd/stats.js

$(DEPS)/.debian: Makefile
	mkdir -p $(DEPS)
	missing=$$(for c in $(DEBIAN_COMMANDS); do command -v $${c%%=*} >/dev/null || echo $${c#*=}; done; \
	    for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	[ -z "$$missing" ] || $(call apt_install, $$(echo $$missing))
	groovy --version
	touch $@

$(DEPS)/node_modules/statsd/stats.js: | $(DEPS)/.debian
	mkdir -p $(DEPS)
	npm install --silent --no-audit --no-fund --prefix $(DEPS) statsd@$(STATSD_VERSION)

demo: $(VENV)/.runtime
	@echo "== 1. validate the example specs (examples/jobs)"
	@$(BIN)/jobsmith validate examples/jobs
	@echo; echo "== 2. their next runs, with every H resolved as Jenkins resolves it"
	@$(BIN)/jobsmith schedule examples/jobs --hours 6
	@mkdir -p build && $(BIN)/jobsmith schedule examples/jobs --agents 'linux db=1' --agents 'linux web=3' --agents 'linux highmem=1:2' --agents 'linux reports=1' --format html -o build/forecast.html 2>/dev/null && echo "   the forecast page (queue waits, folded runs, agents needed): build/forecast.html"
	@echo; echo "== 3. try a job here, exactly as its generated pipeline would run it"
	@$(BIN)/jobsmith try disk-space --specs examples/jobs -p MIN_FREE_MB=1
	@echo; echo "== 4. generate the Job DSL and pipelines the seed job applies"
	@$(BIN)/jobsmith generate examples/jobs -o build/demo
	@find build/demo -type f | sort | head -8; echo "   ..."
	@echo; echo "== build/demo/pipelines/disk-space.groovy"
	@cat build/demo/pipelines/disk-space.groovy
	@echo; echo "== 5. a spec with mistakes: every problem at once, exit status 2, nothing written"
	@mkdir -p build/demo-mistakes && printf 'shedule: H 2 * * *\ncommand: ./run.sh\ntimeout: soon\n' > build/demo-mistakes/report.yaml
	@$(BIN)/jobsmith validate build/demo-mistakes || echo "(jobsmith validate exited with status $$?)"
	@echo
	@echo "Next:"
	@echo "  . .venv/bin/activate                 # puts jobsmith on your PATH"
	@echo "  the five-minute tour in README.md    # write, validate, try and generate a first job"
	@echo "  docs/deploy.md                       # from an empty Jenkins to the first scheduled job"
	@echo "  make test                            # the whole test suite (installs Groovy and statsd)"

lint: setup
	$(BIN)/ruff check jobsmith tests bench
	$(BIN)/mypy

test: setup system-deps lint
	$(BIN)/pytest -q

goldens: setup
	JOBSMITH_REGENERATE_GOLDENS=1 $(BIN)/pytest -q tests/generator tests/spec tests/cli/test_usage_goldens.py

bench: setup system-deps
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

# The wheel that the seed and the agents install (docs/deploy.md, "Installing jobsmith"):
# publish it where they can fetch it, then name that URL in JOBSMITH_PIP_SPEC.
DIST ?= dist
dist: $(VENV)/.runtime
	rm -rf $(DIST)
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir $(DIST) .
	@ls $(DIST)/*.whl

clean:
	rm -rf $(VENV) $(DEPS) dist build .pytest_cache .mypy_cache .ruff_cache
