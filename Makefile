# Essaim. Two commands:
#   make run    try it on this machine: http://127.0.0.1:8000 with the demo network
#   make test   every test, on SQLite (browser tests included) and on PostgreSQL
# Both create .venv when it is missing and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install help
.DEFAULT_GOAL := help

help:
	@echo "make run    start Essaim with the demo network on http://$(HOST):$(PORT)"
	@echo "make test   run every test (SQLite, then PostgreSQL)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

install: $(STAMP)

# The server speaks plain http on the loopback interface, so cookies cannot be marked Secure
# (browsers need not send Secure cookies back over http): ESSAIM_SECURE_COOKIES=0, for this
# local trial only. In production, put HTTPS in front and keep the default.
run: install
	$(BIN)/essaim migrate
	$(BIN)/essaim demo
	ESSAIM_SECURE_COOKIES=0 $(BIN)/essaim serve --host $(HOST) --port $(PORT)

test: install
	scripts/test.sh
