#!/usr/bin/env bash
# Build products every installation needs, made from committed sources: the compiled
# message catalogues (without them a hall shows no English) and the touchscreen's voice
# prompts (espeak-ng where installed; otherwise the browser's own voice is the fallback).
# Called by `make venv` (so by `make run` and `make test`) and by docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel compile -d translations >/dev/null
bash scripts/make_voice.sh
