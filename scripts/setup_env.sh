#!/usr/bin/env bash
# Make (or reuse) the project's virtual environment and install what the package needs.
# Sourced by the set-up commands; torch comes first and pinned, because an unpinned torch
# pulls a multi-GB CUDA build while torch==2.13.0 is a CPU wheel.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HF_SINCOS_CLS_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$PY" -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
"$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev,glove]"
export PY ROOT
