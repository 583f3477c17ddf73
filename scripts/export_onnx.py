#!/usr/bin/env python
"""Export a trained classifier folder to ONNX, for ONNX Runtime serving without torch.

    python scripts/export_onnx.py --model outputs/rotten_tomatoes --output outputs/rotten_tomatoes_onnx
    python scripts/export_onnx.py --model outputs/rotten_tomatoes --output out/onnx --quantize --opset 17

Writes OUTPUT/model.onnx (inputs input_ids and attention_mask, int64, dynamic batch and
sequence axes; output logits), with --quantize also OUTPUT/model_quantized.onnx (dynamic
int8), and the tokenizer files and config.json. Serve the folder with
hf_sincos_cls.onnx_serving.OnnxTextClassifier. A folder that is not a saved classifier, or an
--output that holds other files (without --overwrite_output), stops with exit code 2 and one
line that names the problem.
"""

import argparse
import sys

from hf_sincos_cls.errors import InputError
from hf_sincos_cls.onnx_export import ATTENTION_IMPLEMENTATIONS, DEFAULT_OPSET, export_onnx


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="folder written by save_pretrained (model and tokenizer)")
    parser.add_argument("--output", required=True, help="folder to write the ONNX model(s), tokenizer and config to")
    parser.add_argument("--quantize", action="store_true", help="also write model_quantized.onnx (dynamic int8)")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})")
    parser.add_argument("--attn_implementation", choices=ATTENTION_IMPLEMENTATIONS, default="eager",
                        help="attention path to trace (both give the same graph up to rounding)")
    parser.add_argument("--overwrite_output", action="store_true",
                        help="write into a non-empty --output that is not one of this package's folders (it has no "
                             "sincos_cls_run.json), replacing its files of the same names")
    args = parser.parse_args()
    try:
        result = export_onnx(args.model, args.output, quantize=args.quantize, opset=args.opset,
                             attn_implementation=args.attn_implementation, overwrite=args.overwrite_output)
    except InputError as error:  # ExportError, OutputError, or a missing onnx extra
        print(f"error: {error}", file=sys.stderr)
        return 2
    written = [str(result["onnx"])] + ([str(result["quantized"])] if result["quantized"] else [])
    print(f"wrote {', '.join(written)} (inputs {', '.join(result['input_names'])}; "
          f"max |logit difference| from torch {result['max_abs_diff']:.2g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
