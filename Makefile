# Two commands on a fresh machine with Python 3.11 and make: `make demo`, `make test`.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SAMPLE := plugins/official_form/samples/example_return_northgate_stage1.docx
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo serve test dagster validate-example clean

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	touch $@

demo: setup
	$(VENV)/bin/techbench demo

# The dashboard on what ./data already holds (after `make demo`), with the landing-zone watcher.
serve: setup
	$(VENV)/bin/techbench serve

validate-example: setup
	$(VENV)/bin/techbench validate --stage 1 $(SAMPLE)

# The Dagster UI on the same data (http://127.0.0.1:3000): asset graph, checks, the landing-zone sensor.
dagster: setup
	mkdir -p data/dagster && cp pipeline/config/dagster.yaml data/dagster/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/data/dagster TECHBENCH_HOME=$(CURDIR)/data $(VENV)/bin/dagster dev -m pipeline.definitions

test: setup $(CHROMIUM) $(SOFFICE)
	$(VENV)/bin/python -m pytest

# The browser tests drive Debian's Chromium (`playwright install` cannot download browsers here).
$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ]; then as_root=""; elif command -v sudo >/dev/null; then as_root="sudo"; \
	else echo "$(CHROMIUM) is missing and neither root nor sudo is available to install it" >&2; exit 1; fi; \
	$$as_root apt-get update -qq && \
	$$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

# The OpenDocument and PDF tests convert the samples with Debian's LibreOffice (headless, no GUI).
$(SOFFICE):
	@if [ "$$(id -u)" -eq 0 ]; then as_root=""; elif command -v sudo >/dev/null; then as_root="sudo"; \
	else echo "$(SOFFICE) is missing and neither root nor sudo is available to install it" >&2; exit 1; fi; \
	$$as_root apt-get update -qq && \
	$$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libreoffice-writer-nogui libreoffice-calc-nogui

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache data
