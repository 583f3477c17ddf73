"""Serve an exported folder (``scripts/export_onnx.py``) with ONNX Runtime, without torch.

``OnnxTextClassifier(folder)`` tokenises with the folder's ``tokenizer.json`` (the ``tokenizers``
library), runs ``model.onnx`` (or ``model_quantized.onnx``) and turns logits into scores the way
``pipeline("text-classification")`` does, returning the same labels, scores and layout::

    classify = OnnxTextClassifier("outputs/rotten_tomatoes_onnx")
    classify("A gorgeous, witty, seductive movie.")          # [{'label': 'fresh', 'score': 0.93}]
    classify(["A dull, lifeless mess.", "Great fun."], top_k=None)

This module imports numpy, onnxruntime and tokenizers only (and ``errors``, which needs only
the standard library).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .errors import InputError, InputTypeError, MissingFileError, load_tokenizer_file, read_json_file, require_extra

logger = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
QUANTIZED_ONNX_FILE = "model_quantized.onnx"
# modeling_sincos_cls.MAX_SINUSOID_POSITIONS, which cannot be imported without torch: the
# graph computes the sinusoid table for any length, and past this it blurs.
MAX_SINUSOID_POSITIONS = 2**16
SCORE_FUNCTIONS = ("default", "softmax", "sigmoid", "none")
_LEGACY = object()  # top_k not given: pipeline's original layout (one dict per text)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, computed as ``pipeline`` does (max subtracted first)."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-logits))


def default_score_function(config: dict) -> str:
    """What ``pipeline`` applies to a model's logits: none for regression, sigmoid for
    multi-label or single-output models, softmax otherwise."""
    problem = config.get("problem_type")
    num_labels = len(config.get("id2label") or {}) or config.get("num_labels", 2)
    if problem == "regression":
        return "none"
    if problem == "multi_label_classification" or num_labels == 1:
        return "sigmoid"
    return "softmax"


def _json_object(path: Path) -> dict:
    """The JSON object in ``path``; ``InputError`` naming the file when it is anything else."""
    fix = ": export the model again with scripts/export_onnx.py"
    value = read_json_file(path, fix=fix)
    if not isinstance(value, dict):
        raise InputError(f"{path} holds a JSON {type(value).__name__}, not an object{fix}")
    return value


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _input_limit(max_position_embeddings, model_max_length) -> tuple[int, str]:
    """The most tokens a text keeps, and what sets it, worded as the torch model's
    ``max_input_tokens``: the config's positions, unless the tokenizer's ``model_max_length``
    or the sinusoid table says less. config.json alone can be edited to 1e9, and an uncut
    1 MB text then asks ONNX Runtime for 640 GB of attention weights."""
    positions = max_position_embeddings if _positive_int(max_position_embeddings) else None
    more = f" (max_position_embeddings={positions} is more)" if positions else ""
    limits = [(positions, f"max_position_embeddings={positions}")] if positions else []
    if _positive_int(model_max_length):
        limits.append((model_max_length, f"{model_max_length}, the tokenizer's model_max_length{more}"))
    limits.append((MAX_SINUSOID_POSITIONS, f"{MAX_SINUSOID_POSITIONS}, what the sinusoid table holds{more}"))
    return min(limits, key=lambda limit: limit[0])  # a tie names max_position_embeddings


class OnnxTextClassifier:
    """Text classification with an exported ONNX model, answering as ``pipeline`` does.

    Args:
        folder: the export's output folder (``model.onnx``, ``tokenizer.json``, ``config.json``).
        quantized: run ``model_quantized.onnx`` (the int8 copy) instead of ``model.onnx``.
        file_name: another ``.onnx`` file in ``folder``; overrides ``quantized``.
        intra_op_num_threads: ONNX Runtime's threads per operator (None: its default, every core).
        batch_size: texts per ONNX Runtime call; longer lists are split.
        providers: ONNX Runtime execution providers (default: CPU).

    Texts are padded to the longest in their batch, which changes nothing for models trained
    with ``mask_padding=True``; a model with ``mask_padding=False`` (the blog's, which attends
    to padding) gets its texts batched by equal length, so each is scored as if alone, as
    ``pipeline`` scores it.

    Raises ``InputError`` naming the file when ``tokenizer.json``, ``config.json`` or
    ``tokenizer_config.json`` cannot be read, and naming the extra when onnxruntime is missing;
    ``MissingFileError`` (an ``InputError`` and a ``FileNotFoundError``) when the folder or one of
    its files is not there. A bad argument of a call is an ``InputError`` too (``InputTypeError``,
    also a ``TypeError``, for one of the wrong kind).

    One instance serves one thread at a time (each call sets the tokenizer's truncation).
    """

    def __init__(self, folder: str | Path, *, quantized: bool = False, file_name: str | None = None,
                 intra_op_num_threads: int | None = None, batch_size: int = 32, providers: list | None = None):
        require_extra("onnxruntime", "onnx", "serving an ONNX model")
        import onnxruntime as ort

        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise MissingFileError(f"ONNX model folder {self.folder} does not exist")
        for needed in ("config.json", "tokenizer.json"):
            if not (self.folder / needed).is_file():
                raise MissingFileError(f"{self.folder} has no {needed}: export the model with scripts/export_onnx.py")
        file_name = file_name or (QUANTIZED_ONNX_FILE if quantized else ONNX_FILE)
        model_file = self.folder / file_name
        if not model_file.is_file():
            hint = (" (export with --quantize to write it)" if file_name == QUANTIZED_ONNX_FILE
                    else " (a torch model's folder: export it with scripts/export_onnx.py)"
                    if (self.folder / "model.safetensors").is_file() else "")
            raise MissingFileError(f"{self.folder} has no {file_name}{hint}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(f"batch_size={batch_size!r} must be a positive integer")
        self.batch_size = batch_size

        self.config = _json_object(self.folder / "config.json")
        id2label = self.config.get("id2label") or {}
        self.id2label = {int(index): label for index, label in id2label.items()}
        self.mask_padding = self.config.get("mask_padding", True)

        self.tokenizer = load_tokenizer_file(self.folder / "tokenizer.json")
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        tokenizer_config_file = self.folder / "tokenizer_config.json"
        tokenizer_config = _json_object(tokenizer_config_file) if tokenizer_config_file.is_file() else {}
        self.max_positions, self._limit_named = _input_limit(self.config.get("max_position_embeddings"),
                                                             tokenizer_config.get("model_max_length"))
        self.model_max_length = tokenizer_config.get("model_max_length") or self.max_positions
        pad_token = tokenizer_config.get("pad_token")
        pad_token = pad_token.get("content") if isinstance(pad_token, dict) else pad_token
        pad_id = self.tokenizer.token_to_id(pad_token) if isinstance(pad_token, str) else None
        self.pad_id = pad_id if pad_id is not None else (self.config.get("pad_token_id") or 0)

        options = ort.SessionOptions()
        if intra_op_num_threads is not None:
            options.intra_op_num_threads = intra_op_num_threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), sess_options=options,
                                            providers=providers or ["CPUExecutionProvider"])
        self.input_names = [value.name for value in self.session.get_inputs()]
        self._warned_long = False

    # -- inputs --------------------------------------------------------------------------

    @staticmethod
    def _as_batch(inputs) -> tuple[list, bool]:
        """Normalise pipeline-style inputs to a list of texts or (text, text_pair) tuples;
        the flag says whether a single input (a text or a dict) was given."""
        def one(item):
            if isinstance(item, str):
                return item
            if isinstance(item, dict):
                if set(item) - {"text", "text_pair"} or not isinstance(item.get("text"), str):
                    raise InputError(f"a text pair must be a dict with a 'text' and an optional 'text_pair' string; "
                                     f"got keys {sorted(item)}")
                pair = item.get("text_pair")
                if pair is None:
                    return item["text"]
                if not isinstance(pair, str):
                    raise InputTypeError(f"text_pair must be a string, got {type(pair).__name__}")
                return (item["text"], pair)
            raise InputTypeError(f"inputs must be strings or {{'text', 'text_pair'}} dicts, got {type(item).__name__}")

        if isinstance(inputs, (str, dict)):
            return [one(inputs)], True
        if isinstance(inputs, (list, tuple)):
            return [one(item) for item in inputs], False
        raise InputTypeError(f"inputs must be a string, a dict or a list of them, got {type(inputs).__name__}")

    def _encode(self, batch: list, truncation: bool, max_length: int | None) -> list:
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
            raise InputError(f"max_length={max_length!r} must be a positive integer")
        if truncation:
            limit = max_length or self.model_max_length
            if limit is None:
                raise InputError("truncation=True needs max_length: the tokenizer has no model_max_length")
            self.tokenizer.enable_truncation(max_length=int(limit))
        else:
            self.tokenizer.no_truncation()
        return self.tokenizer.encode_batch(batch)

    def _cut(self, ids: list[int], types: list[int]) -> tuple[list[int], list[int]]:
        """Cut an over-long input at ``max_positions``, as the torch model does (``_input_limit``)."""
        if len(ids) <= self.max_positions:
            return ids, types
        if not self._warned_long:
            logger.warning("input of %d tokens cut to %s; pass truncation=True to choose where", len(ids),
                           self._limit_named)
            self._warned_long = True
        return ids[: self.max_positions], types[: self.max_positions]

    def _run(self, rows: list[tuple[list[int], list[int]]]) -> np.ndarray:
        """Logits for one batch of (ids, type_ids), padded on the right to the longest row. An
        all-empty batch becomes one masked padding position, as the model reads an empty input."""
        length = max(1, max(len(ids) for ids, _ in rows))
        input_ids = np.full((len(rows), length), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(rows), length), dtype=np.int64)
        token_type_ids = np.zeros((len(rows), length), dtype=np.int64)
        for row, (ids, types) in enumerate(rows):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
            token_type_ids[row, : len(types)] = types
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        return self.session.run(["logits"], {name: feeds[name] for name in self.input_names})[0]

    # -- public API ----------------------------------------------------------------------

    def logits(self, inputs, *, truncation: bool = False, max_length: int | None = None) -> np.ndarray:
        """The model's logits, (number of texts, num_labels) float32, for a text, a
        ``{"text", "text_pair"}`` dict, or a list of them."""
        return self._batch_logits(self._as_batch(inputs)[0], truncation, max_length)

    def _batch_logits(self, batch: list, truncation: bool, max_length: int | None) -> np.ndarray:
        if not batch:
            return np.zeros((0, len(self.id2label)), dtype=np.float32)
        rows = [self._cut(encoding.ids, encoding.type_ids) for encoding in self._encode(batch, truncation, max_length)]
        if self.mask_padding:
            groups = [list(range(start, min(start + self.batch_size, len(rows))))
                      for start in range(0, len(rows), self.batch_size)]
        else:  # equal lengths only: the model attends to padding, so none may be added
            by_length: dict[int, list[int]] = {}
            for index, (ids, _) in enumerate(rows):
                by_length.setdefault(len(ids), []).append(index)
            groups = [indices[start: start + self.batch_size] for indices in by_length.values()
                      for start in range(0, len(indices), self.batch_size)]
        logits = None
        for indices in groups:
            out = self._run([rows[index] for index in indices])
            if logits is None:
                logits = np.empty((len(rows), out.shape[1]), dtype=np.float32)
            logits[indices] = out
        return logits

    def scores(self, logits: np.ndarray, function_to_apply: str | None = None) -> np.ndarray:
        """Scores from logits: ``function_to_apply`` (``pipeline``'s choice for this model when None)."""
        function = (function_to_apply or "default").lower()
        if function not in SCORE_FUNCTIONS:
            raise InputError(f"function_to_apply={function_to_apply!r}: choose one of {SCORE_FUNCTIONS}")
        if function == "default":
            function = default_score_function(self.config)
        logits = logits.astype(np.float32)
        return softmax(logits) if function == "softmax" else sigmoid(logits) if function == "sigmoid" else logits

    def __call__(self, inputs, *, top_k=_LEGACY, truncation: bool = False, max_length: int | None = None,
                 function_to_apply: str | None = None):
        """Labels and scores, in ``pipeline("text-classification")``'s layout.

        Args:
            inputs: a text, a ``{"text": ..., "text_pair": ...}`` dict, or a list of them.
            top_k: how many labels per text, best first; None for all of them. When not
                given, each text gets one ``{"label", "score"}`` dict (and a single text a
                list holding it), as ``pipeline`` answers without ``top_k``.
            truncation: cut texts at ``max_length`` tokens (default: the tokenizer's
                ``model_max_length``). Without it, an input longer than the model reads
                (``max_position_embeddings``, or the tokenizer's ``model_max_length`` when
                less) is cut there with a warning, as the torch model does.
            function_to_apply: ``"softmax"``, ``"sigmoid"`` or ``"none"``; default: as ``pipeline``
                (softmax for single-label classification, sigmoid for multi-label, none for regression).
        """
        legacy = top_k is _LEGACY
        if not legacy and top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise InputError(f"top_k={top_k!r} must be a positive integer or None")
        batch, single = self._as_batch(inputs)
        scores = self.scores(self._batch_logits(batch, truncation, max_length), function_to_apply)
        results = []
        for row in scores:
            if legacy:
                best = int(row.argmax())
                results.append({"label": self._label(best), "score": float(row[best])})
                continue
            ranked = sorted(({"label": self._label(index), "score": float(score)} for index, score in enumerate(row)),
                            key=lambda entry: entry["score"], reverse=True)
            results.append(ranked if top_k is None else ranked[:top_k])
        if single:  # pipeline wraps a lone text's legacy answer in a list, not a lone dict's
            return [results[0]] if legacy and isinstance(inputs, str) else results[0]
        return results

    def _label(self, index: int) -> str:
        return self.id2label.get(index, f"LABEL_{index}")


__all__ = ["OnnxTextClassifier", "default_score_function", "sigmoid", "softmax"]
