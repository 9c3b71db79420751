# Everything a fresh machine needs: `make demo`, `make test`, `make bench`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: setup demo test bench clean readme

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -e '.[dev,measure,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tracefit demo --out demo

test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
	command -v java >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2  # two workers (pytest-xdist): ~3.4 instead of ~5 min on 2 cores

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) demo bench/out *.egg-info

readme: $(STAMP)
	$(BIN)/python -m tracefit.reference README.md
