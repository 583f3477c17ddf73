#!/usr/bin/env python
"""Measure accuracy against baselines, the blog's choices, speed against BERT, and GloVe loading.

    python scripts/benchmark.py                          # everything (about 45 minutes on 2 CPU cores)
    python scripts/benchmark.py --parts speed vectors    # any subset
    python scripts/benchmark.py --quick                  # a smoke run on tiny slices (CI)

Writes a JSON file and a Markdown table (default: benchmarks/results.json and .md).
"""

import argparse
import sys

from hf_sincos_cls.benchmark import PARTS, run_benchmark, write_results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=list(PARTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="tiny slices and models: checks the plumbing")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--markdown", default="benchmarks/results.md")
    args = parser.parse_args()
    results = run_benchmark(args.parts, quick=args.quick, seeds=tuple(args.seeds))
    write_results(results, args.json, args.markdown)
    print(open(args.markdown, encoding="utf-8").read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
