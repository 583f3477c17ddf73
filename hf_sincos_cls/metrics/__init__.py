"""Evaluation for ``Trainer``: the project's own evaluate metrics, and GLUE's where the Hub has them.

The two metric scripts beside this file (``sincos_classification``, ``sincos_regression``)
load from their local paths, so evaluation works without the Hub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

METRICS_DIR = Path(__file__).resolve().parent
CLASSIFICATION_METRIC = METRICS_DIR / "sincos_classification"
REGRESSION_METRIC = METRICS_DIR / "sincos_regression"


def load_metric(is_regression: bool):
    """Our evaluate metric (an ``evaluate.EvaluationModule``): classification or regression."""
    import evaluate

    path = REGRESSION_METRIC if is_regression else CLASSIFICATION_METRIC
    # keep_in_memory: a metric over one evaluation set needs no arrow cache file on disk.
    return evaluate.load(str(path), keep_in_memory=True)


def _load_glue_metric(task_name: str, is_regression: bool):
    """GLUE's metric for ``task_name`` from the Hub, else ours with a warning."""
    import evaluate

    from ..data import GLUE_REGRESSION_TASKS, GLUE_TASKS

    if task_name not in GLUE_TASKS:
        raise ValueError(f"unknown GLUE task {task_name!r}; the tasks are {', '.join(sorted(GLUE_TASKS))}")
    if is_regression != (task_name in GLUE_REGRESSION_TASKS):
        kind = "regression" if task_name in GLUE_REGRESSION_TASKS else "classification"
        raise ValueError(f"GLUE task {task_name!r} is {kind}, but is_regression={is_regression}")
    try:
        return evaluate.load("glue", task_name, keep_in_memory=True)
    except (OSError, ImportError) as err:  # evaluate reports an unreachable Hub as FileNotFoundError/ConnectionError
        logger.warning(
            "GLUE metric for %r unavailable (%s); using hf_sincos_cls's own %s metric instead",
            task_name, err, "regression" if is_regression else "classification",
        )
        return load_metric(is_regression)


def build_compute_metrics(is_regression: bool, task_name: str | None = None) -> Callable[..., dict[str, float]]:
    """A ``compute_metrics(eval_pred)`` for ``Trainer``: GLUE's metric for a GLUE task (ours when the Hub
    is unreachable), else ours: accuracy, macro_f1, matthews_correlation, or pearson, spearmanr."""
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


__all__ = ["CLASSIFICATION_METRIC", "METRICS_DIR", "REGRESSION_METRIC", "build_compute_metrics", "load_metric"]
