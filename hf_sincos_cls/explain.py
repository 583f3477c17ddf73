"""What a trained classifier read in one text: each token's share of the prediction, and where
every attention head looked.

Attributions are integrated gradients over the input embeddings (captum's
``LayerIntegratedGradients`` on the word-embedding layer): the gradient of the predicted
label's logit, averaged along a straight path from a baseline of ``[PAD]`` tokens to the text's
own word vectors, times the difference between the two, summed over each vector's features.
Their sum equals logit(text) - logit(baseline) up to the path's discretisation
(``Explanation.convergence_delta``, smaller with more ``n_steps``). A model with an n-gram bag
(model card rule 11) adds to each token its exact share of the bag's score: each n-gram's score
split evenly over its n tokens (the bag reads no ``[PAD]``, so the baseline's share is zero). The
attention weights come from the eager attention path, the only one that materialises them.

    from hf_sincos_cls.explain import explain, load_model_and_tokenizer
    model, tokenizer = load_model_and_tokenizer("outputs/rotten_tomatoes")
    explanation = explain("A gorgeous, witty, seductive movie.", model, tokenizer)
    explanation.tokens, explanation.attributions, explanation.label, explanation.scores
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .errors import InputError, check_explainable_folder, loading_errors, require_extra
from .onnx_serving import default_score_function


@dataclass
class Explanation:
    """One text's prediction and why.

    Attributes:
        text: the text as given.
        tokens: the tokens the model read (cut to ``max_length``).
        spans: each token's ``(start, end)`` character offsets in ``text``.
        attributions: each token's integrated-gradients attribution to ``label``'s logit.
        label: the predicted label (or the one asked for), by name.
        label_id: its index.
        scores: every label's score as ``pipeline`` gives it (softmax; sigmoid for multi-label
            and single-output models; the raw value for regression).
        attentions: ``(blocks, heads, tokens, tokens)`` attention weights, rows the reading
            token, columns the token read.
        logit: ``label``'s logit for the text.
        baseline_logit: ``label``'s logit for the baseline, as many ``[PAD]`` tokens.
        convergence_delta: ``sum(attributions) - (logit - baseline_logit)``.
        num_text_tokens: how many tokens the whole text has; more than ``len(tokens)`` when it
            was cut to ``max_length``.
        max_length: the most tokens the model reads.
    """

    text: str
    tokens: list[str]
    spans: list[tuple[int, int]]
    attributions: list[float]
    label: str
    label_id: int
    scores: dict[str, float]
    attentions: np.ndarray = field(repr=False)
    logit: float
    baseline_logit: float
    convergence_delta: float
    num_text_tokens: int
    max_length: int

    @property
    def truncated(self) -> bool:
        """Whether the text was longer than the model reads."""
        return self.num_text_tokens > len(self.tokens)

    def to_dict(self, attentions: bool = False) -> dict:
        """A JSON-ready dict of the fields; the attention weights (tokens^2 x heads x blocks
        numbers) only with ``attentions``."""
        values = {
            "text": self.text, "tokens": self.tokens, "spans": [list(span) for span in self.spans],
            "attributions": self.attributions, "label": self.label, "label_id": self.label_id, "scores": self.scores,
            "logit": self.logit, "baseline_logit": self.baseline_logit, "convergence_delta": self.convergence_delta,
            "num_text_tokens": self.num_text_tokens, "max_length": self.max_length, "truncated": self.truncated,
        }
        if attentions:
            values["attentions"] = self.attentions.tolist()
        return values


def load_model_and_tokenizer(model_dir: str | Path, device: str | torch.device = "cpu"):
    """A saved classifier folder's model (eager attention, eval mode) and tokenizer.

    The model is built from this package's installed classes, never from code files in the
    folder. Raises ``InputError`` when the folder, its ``config.json``, weights or tokenizer is
    missing or unreadable (naming the file), or when the folder holds another kind of model (an
    encoder saved by run_mlm.py, which has no classifier, and an ONNX export included).
    """
    from transformers import AutoModelForSequenceClassification

    from . import SinCosClsConfig  # noqa: F401  registers the model type with the Auto classes
    from .tokenization import load_tokenizer

    folder = Path(model_dir)
    check_explainable_folder(folder)
    with loading_errors(prefix=f"{folder} could not be loaded: "):
        model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=False,
                                                                   attn_implementation="eager")
        tokenizer = load_tokenizer(folder, trust_remote_code=False)
    return model.to(device).eval(), tokenizer


def max_tokens(model, tokenizer) -> int:
    """The most tokens ``model`` reads (``SinCosClsModel.max_input_tokens``: its
    ``max_position_embeddings`` or less), or the tokenizer's ``model_max_length`` when smaller."""
    reads = getattr(model.base_model, "max_input_tokens", None)  # absent from a remote-code copy saved before it
    limit = reads()[0] if reads else model.config.max_position_embeddings
    return min(limit, tokenizer.model_max_length) if tokenizer.model_max_length else limit


def _scores(logits: torch.Tensor, config) -> torch.Tensor:
    """The scores ``pipeline`` shows for these logits (and OnnxTextClassifier, by the same rule)."""
    rule = default_score_function(config.to_dict())
    return logits if rule == "none" else logits.sigmoid() if rule == "sigmoid" else logits.softmax(-1)


def explain(text: str, model, tokenizer, *, target: int | str | None = None, n_steps: int = 50,
            internal_batch_size: int = 16) -> Explanation:
    """Explain ``model``'s prediction for ``text``.

    Args:
        text: one text; longer than the model reads (``max_tokens``), it is cut there and
            ``Explanation.truncated`` says so.
        model: a ``SinCosClsForSequenceClassification`` (``load_model_and_tokenizer`` loads one).
        tokenizer: its tokenizer (a fast one: the spans come from its offsets).
        target: the label to explain, by index or name; the predicted one by default.
        n_steps: points on the integration path; more make ``convergence_delta`` smaller.
        internal_batch_size: path points run through the model at once.

    Raises:
        InputError: ``text`` is not a string, is empty, or has no token the tokenizer keeps;
            ``target`` is not one of the model's labels.
    """
    require_extra("captum", "demo", "explaining a prediction")
    from captum.attr import LayerIntegratedGradients

    if not isinstance(text, str):
        raise InputError(f"text must be a string; got {type(text).__name__}")
    if not text.strip():
        raise InputError("text is empty")
    if not getattr(tokenizer, "is_fast", False):
        raise InputError(f"{type(tokenizer).__name__} is not a fast tokenizer: token spans need offsets")

    encoding = tokenizer(text, return_offsets_mapping=True, verbose=False)  # verbose: no too-long warning
    ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
    if not ids:
        raise InputError(f"text {text[:40]!r} has no token the tokenizer keeps")
    limit = max_tokens(model, tokenizer)
    num_text_tokens = len(ids)
    ids, offsets = ids[:limit], offsets[:limit]

    config = model.config
    id2label = {int(key): value for key, value in config.id2label.items()}
    device = next(model.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    baseline_ids = torch.full_like(input_ids, config.pad_token_id or 0)

    was_training = model.training
    model.eval()  # no dropout: the path integral needs one fixed function
    try:
        with torch.no_grad():
            outputs = model(input_ids=input_ids, output_attentions=True)
            baseline_logits = model(input_ids=baseline_ids).logits[0]
        logits = outputs.logits[0]
        label_id = _target_index(target, logits, id2label)

        def label_logits(batch_ids):
            return model(input_ids=batch_ids).logits

        integrated = LayerIntegratedGradients(label_logits, model.get_input_embeddings())
        attributions = integrated.attribute(input_ids, baselines=baseline_ids, target=label_id, n_steps=n_steps,
                                            internal_batch_size=internal_batch_size)
    finally:
        model.train(was_training)
    per_token = attributions.sum(dim=-1)[0].detach().double().cpu()  # sum over embedding features
    if getattr(model, "ngram_bag", None) is not None:
        per_token = per_token + _ngram_bag_shares(model.ngram_bag, input_ids, label_id)
    logit, baseline_logit = float(logits[label_id]), float(baseline_logits[label_id])
    scores = _scores(logits, config).tolist()
    attentions = torch.stack([layer[0] for layer in outputs.attentions]).float().cpu().numpy()
    return Explanation(
        text=text,
        tokens=tokenizer.convert_ids_to_tokens(ids),
        spans=[(int(start), int(end)) for start, end in offsets],
        attributions=per_token.tolist(),
        label=id2label[label_id],
        label_id=label_id,
        scores={id2label[index]: float(score) for index, score in enumerate(scores)},
        attentions=attentions,
        logit=logit,
        baseline_logit=baseline_logit,
        convergence_delta=float(per_token.sum()) - (logit - baseline_logit),
        num_text_tokens=num_text_tokens,
        max_length=limit,
    )


def _ngram_bag_shares(bag, input_ids: torch.Tensor, label_id: int) -> torch.Tensor:
    """Each token's share of the n-gram bag's score for ``label_id``: every n-gram's score split
    evenly over its n tokens, so the shares sum to the bag's part of the logit."""
    with torch.no_grad():
        scores = bag.ngram_scores(input_ids)
    shares = torch.zeros(input_ids.shape[1], dtype=torch.float64)
    for n, score in enumerate(scores, start=1):
        per_ngram = score[0, :, label_id].double().cpu() / n
        for offset in range(n):  # the n-gram starting at i covers tokens i .. i + n - 1
            shares[offset:offset + per_ngram.shape[0]] += per_ngram
    return shares


def _target_index(target, logits: torch.Tensor, id2label: dict[int, str]) -> int:
    if target is None:
        return int(logits.argmax())
    if isinstance(target, str):
        by_name = {name: index for index, name in id2label.items()}
        if target not in by_name:
            raise InputError(f"target label {target!r} is not one of the model's labels {sorted(by_name)}")
        return by_name[target]
    if not 0 <= int(target) < logits.shape[-1]:
        raise InputError(f"target {target} is outside the model's {logits.shape[-1]} labels")
    return int(target)


def highlighted_spans(explanation: Explanation) -> list[tuple[str, float | None]]:
    """``explanation.text`` cut into pieces, each token's piece with its attribution scaled to
    [-1, 1] (by the largest magnitude) and the text between and after tokens with None: the
    value ``gradio.HighlightedText`` shows."""
    scale = max((abs(value) for value in explanation.attributions), default=0.0) or 1.0
    pieces, position = [], 0
    for (start, end), value in zip(explanation.spans, explanation.attributions):
        if start > position:
            pieces.append((explanation.text[position:start], None))
        if end > start:
            pieces.append((explanation.text[start:end], value / scale))
        position = max(position, end)
    if position < len(explanation.text):
        pieces.append((explanation.text[position:], None))
    return pieces


__all__ = ["Explanation", "InputError", "explain", "highlighted_spans", "load_model_and_tokenizer", "max_tokens"]
