# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8080
export KIOSK_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: venv run test test-all lint bench pg chromium espeak-ng axe screenshots voice messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Compiled message catalogues and voice prompts are build products of the committed
# sources (scripts/build_assets.sh, also run by docs/deploy.md's install and upgrade).
# The prompts are spoken offline by Debian's espeak-ng, installed when missing (as chromium
# is below): every terminal has them; the browser's own voice is only a fallback.
MO := translations/en/LC_MESSAGES/messages.mo
VOICE := static/audio/zh_CN/invite.wav static/audio/en/invite.wav
$(MO): translations/en/LC_MESSAGES/messages.po scripts/build_assets.sh $(VENV)/.installed | espeak-ng
	bash scripts/build_assets.sh
$(VOICE) &: $(MO) scripts/make_voice.sh | espeak-ng
	bash scripts/make_voice.sh

venv: $(VENV)/.installed $(MO) $(VOICE)

espeak-ng:
	@command -v espeak-ng >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng)

# Re-extract every user-visible string and merge it into the catalogues.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations

# Start the demo hall: web app on $(HOST):$(PORT) (plus, as later issues land, the
# simulated evaluators and the sync daemon with a local hub).
run: venv
	@bash scripts/run_demo.sh

# Debian's chromium for the browser tests, with a CJK font so Chinese pages render.
chromium:
	@test -x /usr/bin/chromium && test -d /usr/share/fonts/opentype/noto || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

# axe-core for the accessibility tests: installed from the npm lockfile, never served by the app.
axe: tests/browser/axe/node_modules/axe-core/axe.min.js
tests/browser/axe/node_modules/axe-core/axe.min.js: tests/browser/axe/package.json tests/browser/axe/package-lock.json
	npm ci --prefix tests/browser/axe --no-audit --no-fund --loglevel=error
	touch $@

# Screenshots of every public page at kiosk and phone sizes, into screenshots/.
screenshots: venv chromium
	$(PY) scripts/screenshots.py

# The voice prompts again (after changing their texts); `make venv` makes them once.
voice: venv
	bash scripts/make_voice.sh

# The tests use the local PostgreSQL for the hub; start it if it has stopped.
pg:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

test: venv chromium pg axe
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -m "not slow"

test-all: venv chromium pg axe
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .

# Every benchmark under bench/, one table of targets vs measured (BENCH_ARGS="--only bus").
bench: venv
	$(PY) bench/report.py $(BENCH_ARGS)
