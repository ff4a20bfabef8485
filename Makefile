# zoo: every target installs what it needs into .venv first (once; again only when
# pyproject.toml changes). Quick start: `make bench` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ZOO    := $(VENV)/bin/zoo

# Offline data: use ../shared/data when it exists, unless ZOO_DATA_DIR is already set.
ifeq ($(origin ZOO_DATA_DIR), undefined)
  ifneq ($(wildcard ../shared/data),)
    export ZOO_DATA_DIR := $(abspath ../shared/data)
  endif
endif
# No TensorFlow C++ log chatter (see zoo/__init__.py); set it to 0-2 to see those lines.
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: install test bench reference report microbench lint format clean fid-classifier weights browser standard audit

install: $(STAMP) ## create .venv and install zoo with its dev tools

$(STAMP): pyproject.toml
	@echo ">> installing zoo into $(VENV) (one-off; re-runs when pyproject.toml changes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Two pytest workers (pytest-xdist), each test file on one of them (its module fixtures shared):
# most tests keep one core busy. `make test PYTEST_ARGS="-n 0 -k racing"` runs in-process.
PYTEST_ARGS ?= -n 2 --dist loadfile
test: install browser ## run the test suite (smoke profile, small subsets of the real data)
	$(PY) -m pytest $(PYTEST_ARGS)

# Two worker processes of one thread each: small models do not keep two cores busy from one
# process (1.33x measured). The reference is made the same way, so its numbers match exactly.
QUICK := $(ZOO) bench --profile quick --jobs 2
bench: install ## train the quick profile into runs/quick/ and check it reproduces reports/quick/
	$(QUICK) --out runs/quick
	$(ZOO) compare reports/quick runs/quick

reference: install ## re-make the committed reference, reports/quick/ (then commit it)
	rm -rf reports/quick
	$(QUICK) --out reports/quick
	$(MAKE) report

standard: install ## the headline report, reports/standard/ (full data; ~9-12 h on 2 cores, 8.7 h measured; resumes)
	$(ZOO) bench --profile standard --jobs 2 --out reports/standard
	$(PY) -m zoo.report.browser reports/standard/index.html --screenshot reports/standard/screenshot.png --sections reports/standard/screenshots

audit: install ## re-run a seeded sample of reports/standard/ and check its numbers (~15 min)
	$(ZOO) audit reports/standard --trials $(or $(TRIALS),6) --seed $(or $(SEED),0)

microbench: install ## pytest-benchmark microbenchmarks (benchmarks/), saved under .benchmarks/
	$(PY) -m pytest benchmarks --benchmark-only --benchmark-autosave $(ARGS)

report: install browser ## regenerate reports/quick/ (README.md, index.html, its screenshot) from its records
	$(ZOO) report reports/quick
	$(PY) -m zoo.report.browser reports/quick/index.html --screenshot reports/quick/screenshot.png --sections reports/quick/screenshots

# Headless Chromium for the HTML report's render tests: use one that is installed; else
# install Debian's package where that is allowed (root, or CI with password-less sudo);
# else say so, and those tests skip (under CI=true they fail instead).
BROWSERS := chromium chromium-browser google-chrome
browser: ## find or install headless Chromium (the HTML report's render tests)
	@for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif [ -n "$$CI" ] && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo ">> no Chromium, and no root to install it: the HTML render tests will be skipped" \
	  "(sudo apt-get install chromium, or make browser as root, to run them)"; exit 0; fi; \
	echo ">> installing Debian's chromium (HTML report tests)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	  --no-install-recommends chromium >/dev/null

fid-classifier: install ## retrain the GAN metrics' Fashion-MNIST classifier (zoo/weights; ~8 min)
	$(PY) -m zoo.tools.fid_classifier

weights: install ## retrain the pretrained models and rewrite their cards (zoo/weights/pretrained; ~2.5 h on a 2-core CPU)
	$(PY) -m zoo.tools.weights make --out runs/weights
	$(PY) -m zoo.tools.weights verify

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check zoo tests benchmarks
	$(VENV)/bin/ruff format --check zoo tests benchmarks

format: install ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix zoo tests benchmarks
	$(VENV)/bin/ruff format zoo tests benchmarks

clean: ## remove the virtual environment and caches (not the reports)
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .benchmarks
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
