"""Evaluation for ``Trainer``: the project's own evaluate metrics, and GLUE's where the Hub has them.

The metric scripts beside this file (``sincos_classification``, ``sincos_multi_label``,
``sincos_regression``) load from their local paths, so evaluation works without the Hub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import expit

from ..errors import InputError

logger = logging.getLogger(__name__)

METRICS_DIR = Path(__file__).resolve().parent
CLASSIFICATION_METRIC = METRICS_DIR / "sincos_classification"
REGRESSION_METRIC = METRICS_DIR / "sincos_regression"
MULTI_LABEL_METRIC = METRICS_DIR / "sincos_multi_label"
#: What each kind of problem reports (after Trainer's eval_/test_ prefix), besides the loss.
METRIC_NAMES = {"single_label_classification": ("accuracy", "macro_f1", "matthews_correlation"),
                "multi_label_classification": ("micro_f1", "macro_f1", "subset_accuracy"),
                "regression": ("pearson", "spearmanr")}


def load_metric(is_regression: bool, multi_label: bool = False):
    """Our evaluate metric (an ``evaluate.EvaluationModule``): classification, multi-label or regression."""
    import evaluate

    path = REGRESSION_METRIC if is_regression else MULTI_LABEL_METRIC if multi_label else CLASSIFICATION_METRIC
    # keep_in_memory: a metric over one evaluation set needs no arrow cache file on disk.
    return evaluate.load(str(path), keep_in_memory=True)


def _load_glue_metric(task_name: str, is_regression: bool):
    """GLUE's metric for ``task_name`` from the Hub, else ours with a warning."""
    import evaluate

    from ..data import GLUE_REGRESSION_TASKS, GLUE_TASKS

    if task_name not in GLUE_TASKS:
        raise InputError(f"unknown GLUE task {task_name!r}; the tasks are {', '.join(sorted(GLUE_TASKS))}")
    if is_regression != (task_name in GLUE_REGRESSION_TASKS):
        kind = "regression" if task_name in GLUE_REGRESSION_TASKS else "classification"
        raise InputError(f"GLUE task {task_name!r} is {kind}, but is_regression={is_regression}")
    try:
        return evaluate.load("glue", task_name, keep_in_memory=True)
    except (OSError, ImportError) as err:  # evaluate reports an unreachable Hub as FileNotFoundError/ConnectionError
        logger.warning(
            "GLUE metric for %r unavailable (%s); using hf_sincos_cls's own %s metric instead",
            task_name, err, "regression" if is_regression else "classification",
        )
        return load_metric(is_regression)


class MultiLabelMetrics:
    """``compute_metrics`` for multi-label classification: a label is predicted where its sigmoid
    score is at least ``threshold`` (which the job may change after training, on validation)."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.metric = load_metric(False, multi_label=True)

    def __call__(self, eval_pred) -> dict[str, float]:
        predictions = eval_pred.predictions
        logits = np.asarray(predictions[0] if isinstance(predictions, tuple) else predictions, dtype=np.float64)
        decisions = (expit(logits) >= self.threshold).astype(np.int64)
        references = np.asarray(eval_pred.label_ids).astype(np.int64)
        result = self.metric.compute(predictions=decisions, references=references)
        return {key: float(value) for key, value in result.items()}


def build_compute_metrics(is_regression: bool, task_name: str | None = None, multi_label_threshold: float | None = None
                          ) -> Callable[..., dict[str, float]]:
    """A ``compute_metrics(eval_pred)`` for ``Trainer``: GLUE's metric for a GLUE task (ours when the Hub
    is unreachable), else ours: accuracy, macro_f1, matthews_correlation, or pearson, spearmanr; with
    ``multi_label_threshold``, multi-label scores (``MultiLabelMetrics``)."""
    if multi_label_threshold is not None:
        return MultiLabelMetrics(multi_label_threshold)
    metric = _load_glue_metric(task_name, is_regression) if task_name else load_metric(is_regression)

    def compute_metrics(eval_pred) -> dict[str, float]:
        predictions, labels = eval_pred.predictions, eval_pred.label_ids
        # Models that return more than logits (hidden states, attentions) give a tuple.
        logits = predictions[0] if isinstance(predictions, tuple) else predictions
        logits = np.asarray(logits)
        if is_regression:
            predictions = logits.reshape(-1) if logits.ndim == 2 and logits.shape[1] == 1 else logits
        else:
            predictions = np.argmax(logits, axis=-1)
        result = metric.compute(predictions=predictions, references=np.asarray(labels))
        return {key: float(value) for key, value in result.items()}

    return compute_metrics


__all__ = ["CLASSIFICATION_METRIC", "METRICS_DIR", "METRIC_NAMES", "MULTI_LABEL_METRIC", "MultiLabelMetrics",
           "REGRESSION_METRIC", "build_compute_metrics", "load_metric"]
