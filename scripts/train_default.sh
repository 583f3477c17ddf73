#!/usr/bin/env bash
# Set-up command 1: install everything, then run the main job on its embedded default
# (train on Rotten Tomatoes with GloVe 6B 50d; save a model that pipeline() loads).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
cd "$ROOT"
exec "$PY" scripts/run_glue_style.py "$@"
