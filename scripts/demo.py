#!/usr/bin/env python
"""A web demo of a trained classifier: label scores, the text shaded by attribution, attention maps.

    python scripts/demo.py --model outputs/rotten_tomatoes [--host 127.0.0.1] [--port 7860]

Needs the demo extra: pip install -e '.[demo]'.
"""

import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a folder written by run_glue_style.py (or save_pretrained)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=None, help="port; without it the first free one from 7860")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from hf_sincos_cls.demo import build_demo, launch_demo
    from hf_sincos_cls.errors import InputError

    try:
        demo = build_demo(args.model)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    launch_demo(demo, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
