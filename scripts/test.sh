#!/usr/bin/env bash
# Set-up command 2: install everything (Python packages, and Debian's Chromium and CJK fonts for
# the browser and plotting tests), then run the test suite. Arguments go to pytest, e.g.
#   bash scripts/test.sh -m "not slow"     # the fast lane
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
bash "$ROOT/scripts/setup_system.sh"
cd "$ROOT"
exec "$PY" -m pytest "$@"
