#!/usr/bin/env bash
# Run Participa: the terminal sandbox when BOT_TOKEN is not set, the real bot when it is.
EXTRAS="postgres,redis"
source "$(dirname "$0")/scripts/venv.sh"
if [ -n "${BOT_TOKEN:-}" ]; then
  exec "$VENV/bin/participa" run "$@"
fi
exec "$VENV/bin/participa" sandbox "$@"
