# Two commands for a fresh machine: `make run` and `make test` (README.md).
SHELL := /bin/bash
PY_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_DIR := .tools/bun
BUN := $(BUN_DIR)/node_modules/.bin/bun
AXE := .tools/axe-core/node_modules/axe-core/axe.min.js
PORT ?= 3000
export REFLEX_USE_SYSTEM_BUN := 1
export PATH := $(CURDIR)/$(BUN_DIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test setup bench clean

setup: $(VENV)/.installed $(BUN) $(AXE) /usr/bin/chromium

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "is ignored" || true
	@$(PY) -c "import reflex, sqlmodel, playwright, aiosmtpd"
	@touch $@

# Reflex needs bun >= 1.4.4; the npm package ships the binary, installed project-locally.
$(BUN):
	@npm install --silent --no-audit --no-fund --prefix $(BUN_DIR) bun@1.4.4 >/dev/null
	@$(BUN) --version >/dev/null

# The accessibility tests inject axe-core into each page: pinned, installed here, never fetched at test time.
$(AXE):
	@npm install --silent --no-audit --no-fund --prefix .tools/axe-core axe-core@4.14.1 >/dev/null
	@test -f $@

# Playwright cannot download browsers here: Debian's Chromium is used instead.
/usr/bin/chromium:
	@apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

run: setup
	@INBOX_DEMO=$${INBOX_DEMO:-1} $(PY) -m services.bootstrap
	@INBOX_DEMO=$${INBOX_DEMO:-1} PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)} $(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT)

test: setup
	@$(PY) -m tests.run_suite

# The bench extra: wordllama, which bench.chatbot_eval measures against the product's TF-IDF classifier.
$(VENV)/.bench-installed: $(VENV)/.installed
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test,bench]' 2>&1 | grep -v "is ignored" || true
	@$(PY) -c "import wordllama"
	@touch $@

bench: setup $(VENV)/.bench-installed
	@$(PY) -m bench.chat_latency
	@$(PY) -m bench.load
	@$(PY) -m bench.bounces
	@$(PY) -m bench.bounces --kill
	@$(PY) -m bench.webhooks
	@$(PY) -m bench.chatbot_eval
	@$(PY) -m bench.templates
	@$(PY) -m bench.email_ingest

clean:
	rm -rf $(VENV) .tools .web inbox.db test-artifacts
