# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
# Test processes: one per core (pytest-xdist); TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench system clean production

$(STAMP): pyproject.toml setup.cfg $(wildcard hooks/*/pyproject.toml) example_host/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' -r example_host/requirements.txt
	touch $@

system:
	bash scripts/bootstrap-system.sh

test: $(STAMP) system
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# `make run SUNSET=1`: the bundled stand-in answers like OpenAI today, without the Assistants API.
run: $(STAMP)
	SUNSET=$(SUNSET) $(PY) -m example_host

# PostgreSQL, Redis, gunicorn (2 processes), 2 Celery workers and beat on this machine (README
# "Production"); Ctrl-C stops them all.
production: $(STAMP) system
	$(PY) scripts/production.py

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts bench-results
