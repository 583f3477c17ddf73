"""Pictures of a training run (curves against step, a confusion matrix) and of one prediction
(attention maps, tokens shaded by attribution)."""

from __future__ import annotations

from functools import lru_cache
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


def plot_confusion_matrix(labels, predictions, label_names: list[str], path: str | Path, title: str = "") -> Path:
    """A confusion matrix as a PNG (true labels on rows, predicted on columns, every label id of
    ``label_names`` present even if unseen), each cell with its count and its share of the true class."""
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(labels, predictions, labels=range(len(label_names)))
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


# --------------------------------------------------------------------------- explanations


@lru_cache(maxsize=None)
def _charmap(font_path: str) -> frozenset[int]:
    """The code points a font file has glyphs for (its first face, for a collection)."""
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(font_path).get_charmap())
    except (OSError, RuntimeError, ValueError):  # a font FreeType cannot open draws nothing
        return frozenset()


@lru_cache(maxsize=None)
def _register_system_fonts() -> None:
    """Add the system's fonts that matplotlib's font cache lacks: a cache built before
    ``fonts-noto-cjk`` was installed does not know its fonts. Runs once per process."""
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for font_path in font_manager.findSystemFonts():
        if font_path not in known:
            try:
                font_manager.fontManager.addfont(font_path)
            except (OSError, RuntimeError, ValueError):
                continue


def _regional_suffix(code_points: set[int]) -> str:
    """Which face of a pan-CJK family draws these characters in their usual forms."""
    if any(0x3040 <= c <= 0x30FF for c in code_points):  # Hiragana, Katakana
        return " JP"
    if any(0xAC00 <= c <= 0xD7AF or 0x1100 <= c <= 0x11FF for c in code_points):  # Hangul
        return " KR"
    return " SC"


def _best_font(missing: set[int]):
    """matplotlib's font entry with the most of ``missing``: plain sans-serif regular faces first."""
    from matplotlib import font_manager

    suffix = _regional_suffix(missing)

    def rank(entry):
        name = entry.name
        return (len(missing & _charmap(entry.fname)), "Mono" not in name, "Serif" not in name,
                entry.weight in (400, "normal", "regular"), entry.style == "normal", name.endswith(suffix))

    # Unicode's Last Resort font (matplotlib ships it) maps every code point to its block's
    # placeholder box: it would "cover" any text, and in a cache that lacks the real fonts it
    # would win, drawing boxes without a warning. matplotlib already falls back to it last.
    entries = [entry for entry in font_manager.fontManager.ttflist
               if not entry.name.replace(" ", "").startswith("LastResort")]
    best = max(entries, key=rank, default=None)
    return best if best is not None and rank(best)[0] else None


def font_families_for(texts) -> list[str]:
    """The ``font.family`` list that draws every character of ``texts``.

    matplotlib's default font (DejaVu Sans) has no Chinese, Japanese or Korean glyphs. When
    ``texts`` hold characters it lacks, a font that has them (Noto Sans CJK from Debian's
    ``fonts-noto-cjk``, or whatever the system offers) goes first and the default after it, so
    each glyph comes from the first font that has it. Returns the default list unchanged when
    nothing is missing, or when no installed font has the missing characters (matplotlib then
    warns "Glyph ... missing from font(s)").
    """
    from matplotlib import font_manager, rcParams

    default = list(rcParams["font.family"])
    needed = {ord(char) for text in texts for char in text if not char.isspace()}
    missing = needed - _charmap(font_manager.findfont(font_manager.FontProperties()))
    if not missing:
        return default
    best = _best_font(missing)
    if best is None or not missing <= _charmap(best.fname):
        _register_system_fonts()
        best = _best_font(missing) or best
    return default if best is None else [best.name, *default]


def _no_math(texts) -> None:
    """Draw tokens such as ``$5`` literally, not as mathtext."""
    for text in texts:
        text.set_parse_math(False)


def plot_attention(tokens: list[str], attentions, path: str | Path, *, block: int = -1, mean_heads: bool = False,
                   columns: int | None = None, title: str | None = None, dpi: int = 100) -> Path:
    """Attention weights of one block as heat maps, tokens on both axes: one panel per head, or
    their mean with ``mean_heads``.

    Args:
        tokens: the ``n`` tokens the model read.
        attentions: ``(blocks, heads, n, n)`` weights, rows the reading token (query), columns
            the token it attends to (key); e.g. ``Explanation.attentions``.
        block: which block, counted from 0; negative counts from the last (``-1``, the default).
        mean_heads: one panel with the mean over heads instead of one per head.
        columns: panels a row; by default 4, or 2 for more than 24 tokens.
    """
    weights = np.asarray(attentions, dtype=np.float64)
    if weights.ndim != 4 or weights.shape[2] != weights.shape[3]:
        raise ValueError(f"attentions must have shape (blocks, heads, tokens, tokens); got {weights.shape}")
    blocks, heads, n, _ = weights.shape
    if n != len(tokens):
        raise ValueError(f"{len(tokens)} tokens but attention maps of {n} x {n}")
    if not -blocks <= block < blocks:
        raise ValueError(f"block {block} does not exist: the model has {blocks} blocks, 0 to {blocks - 1} "
                         "(or -1 for the last)")
    index = block % blocks
    maps = weights[index].mean(axis=0, keepdims=True) if mean_heads else weights[index]
    names = ["mean over heads"] if mean_heads else [f"head {head}" for head in range(heads)]
    columns = min(len(maps), columns or (2 if n > 24 else 4))
    rows = -(-len(maps) // columns)
    side = float(np.clip(0.16 * n + 1.4, 3.0, 9.0))  # inches per panel
    step = max(1, -(-n // 60))  # at most 60 labels an axis
    label_size = float(np.clip(220 / n, 5, 10))
    top = float(maps.max()) or 1.0  # one scale for every panel, up to the largest weight shown
    plt = _pyplot()
    with plt.rc_context({"font.family": font_families_for([*tokens, title or ""])}):
        fig, axes = plt.subplots(rows, columns, figsize=(side * columns + 1.2, side * rows + 0.6), squeeze=False,
                                 layout="constrained")
        for ax, weight, name in zip(axes.flat, maps, names):
            image = ax.imshow(weight, cmap="viridis", vmin=0.0, vmax=top, interpolation="nearest")
            positions = range(0, n, step)
            ax.set_xticks(positions, [tokens[i] for i in positions], rotation=90, fontsize=label_size)
            ax.set_yticks(positions, [tokens[i] for i in positions], fontsize=label_size)
            _no_math([*ax.get_xticklabels(), *ax.get_yticklabels()])
            ax.set_xlabel("attended to (key)")
            ax.set_ylabel("reading (query)")
            ax.set_title(name)
        for ax in list(axes.flat)[len(maps):]:
            ax.axis("off")
        fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
        fig.suptitle(title or f"attention of block {index} (of {blocks})")
        path = Path(path)
        fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


# Against the label, neutral, toward it: the colours gradio's HighlightedText gives negative and
# positive scores, so the demo's shading and this picture read alike.
ATTRIBUTION_COLOURS = ("#805ad5", "#ffffff", "#ef443c")


def plot_attributions(tokens: list[str], attributions, path: str | Path, *, label: str | None = None,
                      title: str | None = None, width: float = 8.0, font_size: float = 13.0, dpi: int = 100) -> Path:
    """The tokens laid out as a text, each on a box shaded by its attribution: red pushes toward
    ``label``, purple away from it, white is neutral (:data:`ATTRIBUTION_COLOURS`); a colour
    bar gives the scale, which is symmetric around 0.

    Args:
        tokens: the tokens the model read.
        attributions: one number per token, e.g. ``Explanation.attributions``.
        label: the label the attributions explain, named on the colour bar.
        width: the image's width in inches (``width * dpi`` pixels); rows wrap to fit it.
    """
    values = np.asarray(attributions, dtype=np.float64)
    tokens = list(tokens)
    if values.ndim != 1 or len(values) != len(tokens):
        raise ValueError(f"need one attribution per token; got {values.shape} attributions for {len(tokens)} tokens")
    if not tokens:
        raise ValueError("no tokens to plot")
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.font_manager import FontProperties

    plt = _pyplot()
    limit = float(np.abs(values).max()) or 1.0
    norm = Normalize(-limit, limit)
    cmap = LinearSegmentedColormap.from_list("attribution", ATTRIBUTION_COLOURS)
    with plt.rc_context({"font.family": font_families_for([*tokens, title or "", label or ""])}):
        fig = plt.figure(figsize=(width, 2.0), dpi=dpi)
        renderer = fig.canvas.get_renderer()
        prop = FontProperties(size=font_size)
        # Lay the tokens out in pixels, wrapping at the right margin.
        points = dpi / 72
        pad, gap, line, margin = 0.3 * font_size * points, 0.25 * font_size * points, 2.1 * font_size * points, 0.25 * dpi
        x, row, placed = margin, 0, []
        for token, value in zip(tokens, values):
            box = renderer.get_text_width_height_descent(token, prop, ismath=False)[0] + 2 * pad
            if x + box > width * dpi - margin and x > margin:
                row, x = row + 1, margin
            placed.append((x, row, token, value))
            x += box + gap
        top, bottom = (0.6 if title else 0.25) * dpi, 1.0 * dpi
        height = top + (row + 1) * line + bottom
        fig.set_size_inches(width, height / dpi)
        for x, row, token, value in placed:
            shade = norm(value)
            text = fig.text((x + pad) / (width * dpi), 1 - (top + (row + 0.5) * line) / height, token,
                            fontproperties=prop, ha="left", va="center",
                            color="white" if abs(shade - 0.5) > 0.4 else "black",
                            bbox=dict(boxstyle=f"round,pad={pad / (font_size * points):.2f}", facecolor=cmap(shade),
                                      edgecolor="none"))
            _no_math([text])
        bar = fig.add_axes((0.2, 0.45 * dpi / height, 0.6, 0.16 * dpi / height))
        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=bar, orientation="horizontal")
        target = f" {label!r}" if label is not None else " the label"
        bar.set_xlabel(f"attribution: red toward{target}, purple away from it", fontsize=10)
        if title:
            _no_math([fig.text(0.5, 1 - 0.3 * dpi / height, title, ha="center", va="center", fontsize=12)])
        path = Path(path)
        fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
