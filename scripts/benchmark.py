#!/usr/bin/env python
"""Run the benchmark (``benchmarks/``, beside the package): ``python scripts/benchmark.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
