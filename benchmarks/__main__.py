"""The benchmark's command line: accuracy against baselines, the blog's choices, speed against
BERT, serving, and GloVe loading. From the repository root::

    python -m benchmarks                          # the default parts (hours on 2 CPU cores: the plain part runs IMDB)
    python -m benchmarks --parts imdb imdb_tuning imdb_mlm   # opt-in: IMDB and transfer, about two hours
    python -m benchmarks --parts speed vectors    # any subset
    python -m benchmarks --parts speed --update   # measure one part again, keep the others
    python -m benchmarks --parts plain --corpora imdb --update   # one corpus of the plain part
    python -m benchmarks --parts plain --corpora imdb --no_ablations --update   # without its ablation rows
    python -m benchmarks --quick                  # a smoke run on tiny slices (CI)

``python scripts/benchmark.py`` is the same. Writes a JSON file and a Markdown table (default:
benchmarks/results.json and .md).
"""

import argparse
import json
import sys
from pathlib import Path

from hf_sincos_cls.jobs import log_to_stdout

from .parts import DEFAULT_PARTS, PARTS, PLAIN_CORPORA, merge_results, run_benchmark
from .report import write_results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=DEFAULT_PARTS)
    parser.add_argument("--corpora", nargs="+", choices=PLAIN_CORPORA, default=None,
                        help="the plain part's corpora (default: all); with --update the others are kept")
    parser.add_argument("--no_ablations", action="store_true",
                        help="the plain part without its ablation rows (on IMDB, three more of its longest trainings)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="tiny slices and models: checks the plumbing")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--markdown", default="benchmarks/results.md")
    parser.add_argument("--update", action="store_true",
                        help="keep the other parts of the existing --json file; replace only those run now")
    args = parser.parse_args()
    log_to_stdout()
    earlier = None
    if args.update:
        path = Path(args.json)
        if not path.is_file():
            parser.error(f"--update: {path} does not exist; run without --update first")
        earlier = json.loads(path.read_text(encoding="utf-8"))
    results = run_benchmark(args.parts, quick=args.quick, seeds=tuple(args.seeds), corpora=args.corpora,
                            ablations=not args.no_ablations)
    if earlier is not None:
        try:
            results = merge_results(earlier, results)
        except ValueError as error:
            parser.error(str(error))
    write_results(results, args.json, args.markdown)
    print(open(args.markdown, encoding="utf-8").read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
