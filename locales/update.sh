#!/usr/bin/env bash
# Refresh the catalogs after changing user-visible text: extract, merge into each language, compile.
# Then translate the new entries of en (every one) and qu (only where reliable; the rest falls back
# to Spanish), and run the tests: tests/test_catalogs.py fails while the catalogs are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F babel.cfg -k __ -k lazy_gettext --no-location --sort-output \
  --project=Participa --copyright-holder="Secretaría de Gestión Pública" -o locales/messages.pot .
pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --width=100
pybabel compile -d locales -D messages --statistics
