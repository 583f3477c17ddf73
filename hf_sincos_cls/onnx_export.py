"""Export a saved classifier folder to ONNX, optionally with a dynamically quantised int8 copy.

The folder written is self-contained for serving: ``model.onnx`` (inputs ``input_ids`` and
``attention_mask``, plus ``token_type_ids`` for a sentence-pair model, all int64 with
dynamic batch and sequence axes; output ``logits``), ``model_quantized.onnx`` with
``quantize=True``, the tokenizer files and ``config.json`` (labels, ``problem_type``,
``max_position_embeddings``). ``hf_sincos_cls.onnx_serving.OnnxTextClassifier`` serves it
with ONNX Runtime and ``tokenizers`` alone.

Which exporter, and why (measured with torch 2.13, transformers 5.24, onnxruntime 1.32):

- optimum's exporter (``optimum-onnx`` 0.1.0, the only release) requires ``transformers<4.58``:
  installing it downgrades transformers 5.24 to 4.57.6, so it cannot serve both versions.
- ``torch.onnx.export(dynamo=True)`` (``torch.export``) stopped at the model's input checks
  (``int(input_ids.min())``, a data-dependent value). They now stand aside under export
  (``_reads_values`` in the modeling file) and ``torch.export.export`` of the classifier matches
  eager (``tests/test_modeling.py``), but the dynamo exporter also needs ``onnxscript``, which is
  not among the extras: it is untried here.
- ``torch.onnx.export(dynamo=False)``, the TorchScript tracer, exports the model unchanged, and
  the graphs it writes are dynamic for both attention implementations: on batches of 1-7 rows
  and 2-29 tokens with padding (the example is 2 x 8), eager and sdpa, post- and pre-LN, ONNX
  Runtime's logits were within 1.5e-6 of torch's, with transformers 5.24 and 4.57 alike
  (``tests/test_onnx.py``). That is the exporter used here. torch marks it deprecated since
  2.9; ``dynamo=True`` is the way on when it goes.

The tracer records one path through ``forward``; Python-level branches are fixed by the example
input. The model skips its value checks while traced (the id range; the attention mask is then
always applied), and the example holds padding all the same and is no longer than
``max_position_embeddings``; the shape cases it fixes as constants (empty and over-long inputs)
are the serving class's job.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .configuration_sincos_cls import SinCosClsConfig
from .errors import InputError, check_classifier_folder, loading_errors, output_folder
from .modeling_sincos_cls import SinCosClsForSequenceClassification
from .onnx_serving import ONNX_FILE, QUANTIZED_ONNX_FILE

logger = logging.getLogger(__name__)

DEFAULT_OPSET = 17  # the first with LayerNormalization, which ONNX Runtime runs as one kernel
MIN_OPSET, MAX_OPSET = 14, 20  # 14: scaled_dot_product_attention; 20: the tracer's newest
ATTENTION_IMPLEMENTATIONS = ("eager", "sdpa")
# The example is traced at this shape; any other batch size and length run the same graph.
EXAMPLE_BATCH, EXAMPLE_LENGTH = 2, 8


class ExportError(InputError):
    """A model folder or option that cannot be exported; the message names the problem."""


class _LogitsOnly(nn.Module):
    """The classifier with positional inputs and the logits tensor as its only output."""

    def __init__(self, model: SinCosClsForSequenceClassification, with_token_types: bool):
        super().__init__()
        self.model = model
        self.with_token_types = with_token_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids if self.with_token_types else None).logits


def onnx_input_names(config: SinCosClsConfig, tokenizer_input_names=("input_ids", "token_type_ids")) -> list[str]:
    """The inputs of the exported graph: ``token_type_ids`` only where the model has segment
    embeddings and the tokenizer returns them (as ``pipeline`` passes them only then)."""
    names = ["input_ids", "attention_mask"]
    if config.type_vocab_size and "token_type_ids" in tokenizer_input_names:
        names.append("token_type_ids")
    return names


def check_model_folder(model_dir: str | Path) -> dict:
    """The folder's ``config.json`` as a dict, after checking that the folder holds a saved
    ``SinCosClsForSequenceClassification`` with its weights and a fast tokenizer; ``ExportError``
    otherwise."""
    return check_classifier_folder(model_dir, error=ExportError)


def _example_inputs(config: SinCosClsConfig, names: list[str]) -> dict[str, torch.Tensor]:
    """A padded (EXAMPLE_BATCH, EXAMPLE_LENGTH) batch: the second row ends in padding, as a
    served batch does (the traced graph keeps the attention mask either way)."""
    length = min(EXAMPLE_LENGTH, config.max_position_embeddings)
    if length < 2:
        raise ExportError(f"max_position_embeddings={config.max_position_embeddings}: the export needs at least 2")
    input_ids = (torch.arange(EXAMPLE_BATCH * length).reshape(EXAMPLE_BATCH, length) % config.vocab_size)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, length // 2:] = 0
    input_ids[1, length // 2:] = config.pad_token_id or 0
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
    if "token_type_ids" in names:
        inputs["token_type_ids"] = torch.zeros_like(input_ids)
        inputs["token_type_ids"][:, length // 4:] = 1
    return inputs


def _declare_unused_inputs(onnx_path: Path, names: list[str]) -> None:
    """Add to the graph the inputs the tracer dropped because the model ignores them (the
    attention mask when ``mask_padding=False``), so every export takes the same inputs."""
    import onnx

    model = onnx.load(str(onnx_path))
    present = {value.name: value for value in model.graph.input}
    if all(name in present for name in names):
        return
    declared = [present.get(name) or onnx.helper.make_tensor_value_info(name, onnx.TensorProto.INT64,
                                                                        ["batch", "sequence"])
                for name in names]
    del model.graph.input[:]
    model.graph.input.extend(declared)
    onnx.checker.check_model(model)
    onnx.save(model, str(onnx_path))


def _trace_to_onnx(model: SinCosClsForSequenceClassification, path: Path, opset: int, names: list[str]) -> None:
    example = _example_inputs(model.config, names)
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    with warnings.catch_warnings():
        # The tracer's notes on the input checks it evaluates as constants (see the module
        # docstring), and torch's notice that this exporter is the legacy one.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        torch.onnx.export(
            _LogitsOnly(model, "token_type_ids" in names).eval(),
            tuple(example[name] for name in names),
            str(path),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    _declare_unused_inputs(path, names)


def _check_against_torch(model: SinCosClsForSequenceClassification, path: Path, names: list[str],
                         atol: float) -> float:
    """Max |logit difference| between ONNX Runtime and torch on a batch of another size and
    length than the example's, with padding; ``RuntimeError`` above ``atol``."""
    import onnxruntime as ort

    config = model.config
    batch, length = EXAMPLE_BATCH + 1, min(EXAMPLE_LENGTH + 5, config.max_position_embeddings)
    generator = torch.Generator().manual_seed(0)
    input_ids = torch.randint(0, config.vocab_size, (batch, length), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    for row in range(1, batch):
        attention_mask[row, max(1, length - 3 * row):] = 0
    token_type_ids = (torch.arange(length) >= length // 2).long().expand(batch, length) * attention_mask
    feeds = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
    with torch.no_grad():
        expected = _LogitsOnly(model, "token_type_ids" in names)(*(feeds[name] for name in names)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {name: feeds[name].numpy() for name in names})[0]
    difference = float(np.abs(got - expected).max())
    if not difference <= atol:
        raise RuntimeError(f"the ONNX graph's logits differ from torch's by {difference:.3g} (> {atol}) on a "
                           f"({batch}, {length}) batch: the export did not generalise beyond its example")
    return difference


class _DropPreprocessingAdvice(logging.Filter):
    def filter(self, record):
        return "pre-processing before quantization" not in record.getMessage()


def quantize_onnx(onnx_path: str | Path, output_path: str | Path) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of ``onnx_path``: int8 weights for the matrix
    products and the word embeddings, activations quantised on the fly per batch.

    On the recipe model (Rotten Tomatoes, 1,275 test texts) the defaults gave the same test
    accuracy as fp32 (78.59%, 99.5% of predictions equal) in a quarter of the file (1.3 MB
    against 5.0 MB). ONNX Runtime's advice to run ``quant_pre_process`` first is silenced:
    it changed no prediction there; per-channel scales or uint8 weights moved accuracy by
    +0.2 / +0.3 points while agreeing with fp32 less (99.3%, 98.9%).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    advice = _DropPreprocessingAdvice()
    logging.getLogger().addFilter(advice)  # onnxruntime logs it on the root logger
    try:
        quantize_dynamic(str(onnx_path), str(output_path), weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().removeFilter(advice)
    return Path(output_path)


def export_onnx(
    model_dir: str | Path,
    output_dir: str | Path,
    *,
    quantize: bool = False,
    opset: int = DEFAULT_OPSET,
    attn_implementation: str = "eager",
    atol: float = 1e-4,
    overwrite: bool = False,
) -> dict:
    """Export the classifier saved in ``model_dir`` to ``output_dir`` (see the module docstring).

    Args:
        model_dir: a folder written by ``save_pretrained`` (the training script's output).
        output_dir: where ``model.onnx``, the tokenizer files and ``config.json`` go; created if needed.
            A non-empty folder that is not one of this package's (``errors.output_folder``) is
            refused unless ``overwrite``; a second export into it while one runs is refused.
        quantize: also write ``model_quantized.onnx`` (dynamic int8).
        opset: the ONNX opset, from 14 to 20.
        attn_implementation: the attention path traced, ``"eager"`` or ``"sdpa"``; both give a
            dynamic graph with the same logits up to float rounding (1e-6) and, on the recipe
            model, the same ONNX Runtime speed within noise. Eager, the default, is the smaller
            graph (188 nodes against 231).
        atol: the largest |logit difference| from torch accepted on the check batch.
        overwrite: write into a non-empty folder of other files, replacing those of the same names.

    Returns:
        A dict with the paths written (``onnx``, ``quantized`` or None), the graph's
        ``input_names`` and ``max_abs_diff``, the check against torch.

    Raises:
        ExportError: the folder is not an exportable model, or an option is out of range.
        OutputError: ``output_dir`` is a file, not writable, in use, or holds other files (``overwrite``).
    """
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"opset {opset!r}: choose an integer from {MIN_OPSET} to {MAX_OPSET}")
    if attn_implementation not in ATTENTION_IMPLEMENTATIONS:
        raise ExportError(f"attn_implementation {attn_implementation!r}: choose one of {ATTENTION_IMPLEMENTATIONS}")
    check_model_folder(model_dir)
    for module in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            raise ExportError(f"ONNX export needs {module}, which is not installed: pip install 'hf_sincos_cls[onnx]'")
    with output_folder(output_dir, "export_onnx.py", overwrite=overwrite, flag="--output",
                       overwrite_flag="--overwrite_output", checkpoints=False) as output:
        return _export(model_dir, output, quantize, opset, attn_implementation, atol)


def _export(model_dir, output: Path, quantize: bool, opset: int, attn_implementation: str, atol: float) -> dict:
    """``export_onnx`` once the output folder is held."""
    from .tokenization import load_tokenizer, portable_tokenizer

    with loading_errors(ExportError, prefix=f"{model_dir} could not be loaded: "):
        model = SinCosClsForSequenceClassification.from_pretrained(model_dir, attn_implementation=attn_implementation)
        tokenizer = portable_tokenizer(load_tokenizer(model_dir, ExportError))
    model.eval()

    onnx_path = output / ONNX_FILE
    names = onnx_input_names(model.config, tokenizer.model_input_names)
    _trace_to_onnx(model, onnx_path, opset, names)
    difference = _check_against_torch(model, onnx_path, names, atol)
    quantized = quantize_onnx(onnx_path, output / QUANTIZED_ONNX_FILE) if quantize else None
    tokenizer.save_pretrained(output)
    model.config.save_pretrained(output)
    logger.info("exported %s to %s (max |logit difference| from torch %.2g)%s", model_dir, onnx_path, difference,
                f", int8 copy {quantized}" if quantized else "")
    return {"onnx": onnx_path, "quantized": quantized, "input_names": names, "max_abs_diff": difference}


__all__ = ["ExportError", "check_model_folder", "export_onnx", "onnx_input_names", "quantize_onnx",
           "ONNX_FILE", "QUANTIZED_ONNX_FILE", "DEFAULT_OPSET"]
