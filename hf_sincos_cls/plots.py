"""Pictures of a training run: curves against step, and a confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on training machines
    import matplotlib.pyplot as plt

    return plt


def plot_training_curves(log_history: list[dict], path: str | Path, metric: str | None = None) -> Path | None:
    """Training and evaluation loss (left) and ``metric`` on the evaluation split (right) against step.

    ``log_history`` is ``trainer.state.log_history``. Returns the PNG's path, or None when
    nothing was logged.
    """
    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e and "step" in e]
    evals = [e for e in log_history if "eval_loss" in e and "step" in e]
    if not train and not evals:
        return None
    plt = _pyplot()
    metric_key = f"eval_{metric}" if metric else None
    has_metric = metric_key is not None and any(metric_key in e for e in evals)
    fig, axes = plt.subplots(1, 2 if has_metric else 1, figsize=(11 if has_metric else 6, 4), squeeze=False)
    loss_ax = axes[0][0]
    if train:
        loss_ax.plot(*zip(*train), label="train loss", color="tab:blue", alpha=0.8)
    if evals:
        loss_ax.plot([e["step"] for e in evals], [e["eval_loss"] for e in evals], "o-", label="eval loss",
                     color="tab:orange")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    loss_ax.grid(alpha=0.3)
    loss_ax.legend()
    if has_metric:
        points = [(e["step"], e[metric_key]) for e in evals if metric_key in e]
        metric_ax = axes[0][1]
        metric_ax.plot(*zip(*points), "o-", color="tab:green")
        best = max(points, key=lambda p: p[1])
        metric_ax.annotate(f"best {best[1]:.4f}", best, textcoords="offset points", xytext=(0, 8), ha="center")
        metric_ax.set_xlabel("step")
        metric_ax.set_ylabel(f"eval {metric}")
        metric_ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def confusion_matrix(labels, predictions, num_labels: int) -> np.ndarray:
    """Counts with true labels on rows and predicted labels on columns."""
    matrix = np.zeros((num_labels, num_labels), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)), 1)
    return matrix


def plot_confusion_matrix(labels, predictions, label_names: list[str], path: str | Path, title: str = "") -> Path:
    """A confusion matrix as a PNG, each cell with its count and its share of the true class."""
    matrix = confusion_matrix(labels, predictions, len(label_names))
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    plt = _pyplot()
    size = max(4.0, 0.9 * len(label_names) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(label_names)), label_names, rotation=30, ha="right")
    ax.set_yticks(range(len(label_names)), label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for row in range(len(label_names)):
        for col in range(len(label_names)):
            ax.text(col, row, f"{matrix[row, col]}\n{shares[row, col]:.0%}", ha="center", va="center",
                    color="white" if shares[row, col] > 0.5 else "black", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
