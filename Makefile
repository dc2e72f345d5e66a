# Quick start: `make demo` then `make test`. Both create/refresh .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml | system-deps
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# System packages the tests need beyond PyPI: Debian's chromium and its chromium-driver, for the headless-browser
# tests of `chromagrid ui` (tests/test_ui.py). Installed with apt-get only when missing (sudo when not root).
.PHONY: system-deps
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; else \
		echo "installing chromium and chromium-driver (Debian packages) for the browser tests"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi
	@# GDAL's own gdalinfo/ogrinfo (Debian's gdal-bin) read the GIS outputs back in tests/test_gis_outputs.py
	@if command -v gdalinfo >/dev/null 2>&1 && command -v ogrinfo >/dev/null 2>&1; then :; else \
		echo "installing gdal-bin (Debian package) for the GIS output tests"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gdal-bin; \
	fi

# The bundled examples (examples/make_examples.py drew them): a linear, a log, a discrete (TOML) and a
# colorbar-read (TOML) figure, each decoded by its config in configs/.
DEMO_CONFIGS := configs/example.yaml configs/log.yaml configs/discrete.toml configs/colorbar.toml configs/gcps.yaml configs/cells.yaml

demo: $(STAMP)
	@for config in $(DEMO_CONFIGS); do \
		echo "$$ chromagrid run $$config"; \
		$(BIN)/chromagrid run $$config || exit 1; \
	done
	@echo "$$ chromagrid decode examples/field.png -o examples/out/found.nc --write-config examples/out/found.yaml"
	@$(BIN)/chromagrid decode examples/field.png -o examples/out/found.nc --write-config examples/out/found.yaml
	@echo "demo outputs written to examples/out/"

# Lint, format and types first (about 20 s with mypy's cache in .venv/.mypy_cache), then the suite.
LINTED := src tests bench examples docs/scripts
test: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy src/chromagrid
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

# Every benchmark the docs' accuracy and speed tables quote, on bench/corpus/ (the public corpus, in the
# repository) and on figures the scripts draw themselves: nothing outside the checkout. Reports, not tests
# (exit status 0 whatever the scores); about an hour on a 2-core machine, most of it OCR and the 400 MP tile.
BENCH_PY := MPLBACKEND=Agg $(BIN)/python
bench: $(STAMP)
	$(BENCH_PY) bench/accuracy.py --quiet
	$(BENCH_PY) bench/make_corpus.py
	$(BENCH_PY) bench/accuracy.py --quiet --manifest bench/out/synthetic/manifest.jsonl \
		--out bench/out/accuracy-synthetic --naive-out bench/out/naive-synthetic
	$(BENCH_PY) bench/speed.py
	$(BENCH_PY) bench/auto.py
	$(BENCH_PY) bench/auto_speed.py
	$(BENCH_PY) bench/identify_check.py --synthetic=1000
	$(BENCH_PY) bench/ticks_check.py
	$(BENCH_PY) bench/annotations_check.py
	$(BENCH_PY) bench/cells.py
	$(BENCH_PY) bench/reduce.py
	$(BENCH_PY) bench/batch.py

# The documentation site (mkdocs.yml, docs/): the gallery is decoded by the real CLI during the build, the
# config, CLI and API references are generated from the code; --strict makes any warning an error.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	MPLBACKEND=Agg DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) examples/out site
