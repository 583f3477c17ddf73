#!/usr/bin/env python
"""Where a training step's time goes: torch.profiler's top operators for our model and a
same-size BertForSequenceClassification, on the same batch, side by side.

    python scripts/profile_training_step.py                       # recipe size, bf16 autocast
    python scripts/profile_training_step.py --precision fp32 --hidden 512 --layers 6 --heads 8 --inner 2048

The speed benchmark says how fast; this says which kernels take the time.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.speed import profile_training_step  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--inner", type=int, default=512)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--seq_len", type=int, default=24, help="longest row; the second half of the batch is shorter")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
    parser.add_argument("--steps", type=int, default=10, help="profiled steps, after 5 untimed ones")
    parser.add_argument("--rows", type=int, default=12, help="operators shown per model")
    args = parser.parse_args()
    for name, report in profile_training_step(args.hidden, args.layers, args.heads, args.inner, args.batch_size,
                                              args.seq_len, args.precision, args.steps).items():
        print(f"== {name}: {report['ms_per_step']:.1f} ms per step ==")
        for op in report["top"][: args.rows]:
            print(f"{op['self_ms_per_step']:8.2f} ms  {op['share'] * 100:5.1f}%  {op['calls_per_step']:6.1f} calls  "
                  f"{op['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
