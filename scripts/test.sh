#!/usr/bin/env bash
# Set-up command 2: install everything, then run the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
cd "$ROOT"
exec "$PY" -m pytest -q "$@"
