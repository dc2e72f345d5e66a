# Quick start: `make demo` then `make test`. Both create/refresh .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

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

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/speed.py

clean:
	rm -rf $(VENV) examples/out
