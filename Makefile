# mcuforge: `make demo` and `make test` install what is missing first (toolchain/setup.sh).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench doctor

setup:
	@bash toolchain/setup.sh

demo: setup
	@$(VENV)/bin/mcuforge demo

test: setup
	@$(PY) -m pytest -q -n 2

bench: setup
	@$(PY) bench/run.py

doctor: setup
	@$(VENV)/bin/mcuforge doctor
