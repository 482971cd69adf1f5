#!/usr/bin/env bash
# Until the first release lands, the schema is one initial revision: regenerate it from the
# models after changing them. (After the first release, add revisions with `flask db migrate`.)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*_initial_schema.py
KIOSK_INSTANCE_PATH="$tmp" .venv/bin/flask --app wsgi db migrate -m "initial schema" >/dev/null
rm -rf "$tmp"
ls migrations/versions/
