# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make run    creates .venv, installs the runtime, compiles the default settings once (cached),
#               starts the app on http://localhost:8501
#   make test   installs the dev tools, lints, runs the whole suite (real-browser tests included)
#               on every core (pytest-xdist), then prints the 15 slowest tests and its time
#   make check  lint and the unit tests only (no Keras, browser, AppTest or app server): the inner loop

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
PYTEST_ARGS ?=
# pytest-xdist workers: one per core; all browser tests share one (tests/conftest.py).
WORKERS ?= auto
# When make started: `make test` and `make check` print their time, installs and lint included.
START := $(shell date +%s)
ELAPSED = t=$$(( $$(date +%s) - $(START) )); \
	echo "make $@: $$((t / 60)) min $$((t % 60)) s (installs and lint included)"
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint bench chromium clean

# The requirements are installed with uv (pinned, from PyPI, into the venv by its own pip):
# it fetches and unpacks wheels in parallel. A fresh venv with the dev requirements, and lint,
# took 12 s here, against 36.5 s with pip.
UV_VERSION := 0.13.9
INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# Byte-compiled on every core after the install (uv does not compile; pip would on one core),
# except what nothing imports: the packages' own tests, pip and setuptools (6.6 s instead of
# 11.6 s here). Like pip, it skips a file that does not compile.
BYTE_COMPILE = $(BIN)/python -m compileall -qq -j 0 -x '/(tests|pip|setuptools)/' $(VENV)/lib || true

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(INSTALL) -r requirements.txt
	$(BYTE_COMPILE)
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(INSTALL) -r requirements-dev.txt
	$(BYTE_COMPILE)
	touch $(VENV)/.runtime $@

# The default settings' programs, compiled into the persistent cache once per install or code
# change: even a new installation's first start serves its first visitor without compiling.
$(VENV)/.prepared: $(VENV)/.runtime $(shell find adadelta -name '*.py')
	$(BIN)/python -m adadelta.ui.launch --prepare
	touch $@

run: $(VENV)/.runtime $(VENV)/.prepared
	$(BIN)/python -m adadelta.ui.launch --server.port $(PORT) --server.headless true

# Browser tests drive Debian's Chromium; Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# The venv and Chromium install side by side (pip and apt each keep about one core busy).
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint chromium
	$(BIN)/python -m pytest -n $(WORKERS) --durations=15 $(PYTEST_ARGS); \
		status=$$?; $(ELAPSED); exit $$status

check: lint
	$(BIN)/python -m pytest -m unit -n $(WORKERS) --durations=15 $(PYTEST_ARGS); \
		status=$$?; $(ELAPSED); exit $$status

bench: $(VENV)/.dev
	$(BIN)/python -m bench

# A classroom against the app (not part of `make test`): simulated students over Streamlit's
# websocket, p50/p95 per visit, errors, peak RSS. Starts the app on a free loopback port, or
# targets a running one: make load URL=http://127.0.0.1:8080 WATCH_PID=<pid printed by serve>.
# More options: make load LOAD_ARGS="--sessions 10 --rounds 1" (python -m bench.load --help).
.PHONY: load serve nginx
URL ?=
WATCH_PID ?=
LOAD_ARGS ?=
load: $(VENV)/.runtime $(VENV)/.prepared
	$(BIN)/python -m bench.load $(if $(URL),--url $(URL)) \
		$(if $(WATCH_PID),--watch-pid $(WATCH_PID)) $(LOAD_ARGS)

# N replicas of the app behind nginx with sticky sessions, in the foreground (Ctrl-C stops it).
REPLICAS ?= 2
SERVE_PORT ?= 8080
SERVE_HOST ?= 0.0.0.0
serve: $(VENV)/.runtime $(VENV)/.prepared nginx
	$(BIN)/python deploy/serve.py --replicas $(REPLICAS) --port $(SERVE_PORT) --host $(SERVE_HOST)

# Debian's nginx, only the binary is used (deploy/serve.py runs it with its own config).
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .cache tests/artifacts
