# mcuforge: `make demo` and `make test` install what is missing first (toolchain/setup.sh).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo demo-learn test test-fast bench doctor

setup:
	@bash toolchain/setup.sh

# The main job: a real, trained keyword-spotting model (MLPerf Tiny DS-CNN, float) compiled and
# checked on the default simulated board; the zoo's DS-CNN where shared/ is not beside the clone.
KWS := ../shared/models/mlperf-tiny/kws_ref_model_float32.tflite
DEMO_MODEL ?= $(if $(wildcard $(KWS)),$(KWS),models/dscnn.py:make)
DEMO_TARGET ?= qemu-cortex-m55

demo: setup
	@$(VENV)/bin/mcuforge run $(DEMO_MODEL) --target $(DEMO_TARGET) --inputs 3

test: setup
	@$(PY) -m pytest -q -n 2

# pure Python and the host target, no simulator (tests/conftest.py: FAST)
test-fast: setup
	@$(PY) -m pytest -q -n 2 -m fast tests

# every table, or some: make bench TABLES="int8 host"
bench: setup
	@$(PY) bench/run.py $(TABLES)

doctor: setup
	@$(VENV)/bin/mcuforge doctor

# On-device learning: a keyword spotter pretrained on the host on ten keywords learns an eleventh
# ("learn") on the simulated board from 20 spoken samples (and 100 old ones replayed), beside
# PyTorch doing the same (models/keywords.py; espeak-ng voices, made once, ~2 minutes).
demo-learn: setup
	@$(VENV)/bin/mcuforge train models/keywords.py:pretrained --data models/keywords.py:learn --trainable last:2 \
		--target $(DEMO_TARGET) --steps 80 --batch 6 --lr 0.02
