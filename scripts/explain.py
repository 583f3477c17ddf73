#!/usr/bin/env python
"""Explain one prediction of a trained classifier: what it read, and what moved it.

    python scripts/explain.py --model outputs/rotten_tomatoes --text "A gorgeous, witty, seductive movie." \
        --output_dir explained/ [--block N] [--mean_heads] [--n_steps 50]

Writes to --output_dir:
    explanation.json   tokens, each token's attribution (integrated gradients) to the predicted
                       label, the label, every label's score
    attributions.png   the tokens shaded by attribution
    attention.png      the attention weights of one block (--block, the last by default), one
                       panel per head, or their mean with --mean_heads
"""

import argparse
import json
import sys
from pathlib import Path


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a folder written by run_glue_style.py (or save_pretrained)")
    parser.add_argument("--text", required=True, help="the text to classify and explain")
    parser.add_argument("--output_dir", required=True, help="where the JSON and the two PNGs go")
    parser.add_argument("--block", type=int, default=-1, help="the block whose attention to draw, from 0; -1 the last")
    parser.add_argument("--mean_heads", action="store_true", help="draw the mean over heads instead of each head")
    parser.add_argument("--n_steps", type=int, default=50, help="integration steps for the attributions")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from hf_sincos_cls.errors import InputError
    from hf_sincos_cls.explain import explain, load_model_and_tokenizer
    from hf_sincos_cls.plots import plot_attention, plot_attributions

    try:
        if not args.text.strip():
            raise InputError("--text is empty")
        if args.n_steps < 1:
            raise InputError(f"--n_steps {args.n_steps} must be at least 1")
        model, tokenizer = load_model_and_tokenizer(args.model)
        blocks = model.config.num_hidden_layers
        if not -blocks <= args.block < blocks:
            raise InputError(f"--block {args.block}: the model has {blocks} blocks, 0 to {blocks - 1} (-1 the last)")
        explanation = explain(args.text, model, tokenizer, n_steps=args.n_steps)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    if explanation.truncated:
        print(f"note: the text has {explanation.num_text_tokens} tokens; the model reads the first "
              f"{explanation.max_length}, and only those are explained", file=sys.stderr)
    (output_dir / "explanation.json").write_text(
        json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    score = explanation.scores[explanation.label]
    plot_attributions(explanation.tokens, explanation.attributions, output_dir / "attributions.png",
                      label=explanation.label, title=f"predicted {explanation.label} ({score:.0%})")
    plot_attention(explanation.tokens, explanation.attentions, output_dir / "attention.png", block=args.block,
                   mean_heads=args.mean_heads)
    print(f"{explanation.label} ({score:.1%}); wrote explanation.json, attributions.png, attention.png to {output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
