#!/usr/bin/env bash
# Run the whole test suite (the same command CI runs). Extra arguments go to pytest.
EXTRAS="dev,postgres,redis"
source "$(dirname "$0")/scripts/venv.sh"
exec "$VENV/bin/python" -m pytest "$@"
