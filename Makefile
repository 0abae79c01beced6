# `make run` starts Chainboard, `make test` runs the tests, `make bench` the benchmarks.
# Each creates .venv with the machine's python3 on first use and re-installs when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,onnx]'
	# torch only for the PyTorch export's tests (its module, its training loop, a 2-process torchrun): ~25 s from
	# this machine's CPU wheel. Keep the pin: an unpinned torch from PyPI is a multi-GB CUDA build.
	$(PY) -m pip install --quiet 'torch==2.13.0'
	@echo "Building the compiled training kernels once (about a minute on a new machine; training never waits for them)"
	$(PY) -m engine.training.build_kernels --dtypes float64
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_eager.py
	$(PY) benchmarks/bench_train.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui_latency.py

clean:
	rm -rf $(VENV) .pytest_cache
