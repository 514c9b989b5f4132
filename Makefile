# Short targets; everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-fast demo lab lint format sample browser-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest

test-fast: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -m "not slow and not browser"

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/isuwork demo

sample: $(STAMP)
	$(BIN)/isuwork sample --out data/sample

# JupyterLab refuses to start as root unless told (containers, CI machines run as root)
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

# Debian's Chromium for the browser test, and the Pango that weasyprint's PDFs need (needs
# root, as on CI).
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)
	ldconfig -p | grep -q libpangoft2-1.0 || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
