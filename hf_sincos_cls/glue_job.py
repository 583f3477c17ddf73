"""The run_glue-style job: load a corpus, build or load the model, train, evaluate, predict,
and leave a folder that ``pipeline`` loads, with metrics, plots and a model card.

``scripts/run_glue_style.py`` parses arguments (``parse_args``: the model and data arguments of
``jobs`` with what classification adds, and the ``RecipeTrainingArguments`` below) and calls ``run``.

The recipe is the arguments' defaults: every setting a run does not name takes the recipe's
value, whatever else it names. Where the best value depends on the data, the default is
``None``/``auto`` and ``_prepare`` derives it from the data (``Adaptations`` records each
choice and why, for the log and the model card):

- what to do: without ``--do_train/--do_eval/--do_predict``, each split present is used;
- validation: without a validation split, ``--validation_split_percentage`` of the training
  split is held out (stratified) to evaluate each epoch and keep the best checkpoint;
- tokenizer: characters for scripts written without spaces, GloVe-style words otherwise;
- word vectors: GloVe 6B 50d for word tokens, kept only if they cover enough of the corpus;
- ``max_seq_length``: the 99th percentile of the training texts' token counts;
- epochs: 4, or more on small data so that training takes ``MIN_TRAINING_STEPS`` steps.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import transformers
from scipy.special import expit
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    TrainingArguments,
    default_data_collator,
    set_seed,
)

from .jobs import (
    MAX_POSITIONS,
    Adaptations,
    DataTrainingArguments,
    JobTrainingArguments,
    ModelArguments,
    limit,
    load_data,
    new_model,
    new_tokenizer,
    parse_job_args,
    prepare_training_args,
    resume_checkpoint,
    setup_logging,
    split_texts,
)
from .errors import input_errors, is_size_mismatch
from .modeling_sincos_cls import SinCosClsForSequenceClassification
from .training import SinCosClsTrainer, claim_output_dir, resumed_tokenizer_and_model, train_and_save

logger = logging.getLogger(__name__)


# What `python scripts/run_glue_style.py` with no arguments runs: the recipe on Rotten Tomatoes.
DEFAULT_ARGS = ["--corpus", "rotten_tomatoes", "--output_dir", "outputs/rotten_tomatoes"]

RECIPE_EPOCHS = 4
# Small training sets get more epochs, up to MAX_EPOCHS, so that training takes at least this
# many optimisation steps (model_card.md, "How the recipe adapts", has the measurement).
MIN_TRAINING_STEPS = 200
MAX_EPOCHS = 20
# max_seq_length when not given: this percentile of the training texts' lengths in tokens,
# rounded up to a multiple of 8, within the model's positions.
LENGTH_PERCENTILE = 99


@dataclass
class ClassifierModelArguments(ModelArguments):
    """The model arguments, and how a saved classifier moves to data with other labels."""

    new_classifier_head: bool = field(
        default=False,
        metadata={"help": "When --model_name_or_path is a classifier for other labels: keep its encoder and "
                          "start a new classifier for the data's labels."},
    )
    label_mapping: str | None = field(
        default=None,
        metadata={"help": "When --model_name_or_path is a classifier for other labels: which of its labels each "
                          "of the data's labels is, as data=saved pairs ('fresh=pos,rotten=neg'). Its classifier "
                          "is kept, renamed to the data's labels."},
    )


@dataclass
class ClassificationDataArguments(DataTrainingArguments):
    """The data arguments, and what classification adds: a held-out validation share, the
    recipe's length, fixed padding, early stopping."""

    max_seq_length: int | None = field(
        default=None,
        metadata={"help": f"Longer inputs are truncated. Default: the {LENGTH_PERCENTILE}th percentile of the "
                          "training texts' token counts, within the model's positions. At most "
                          f"{MAX_POSITIONS:,}; a saved model's positions cut a longer one (logged)."},
    )
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Only the first N training rows, as if the data held no more: the tokenizer, "
                                        "its vocabulary and the length come from them too."}
    )
    validation_split_percentage: int = field(
        default=10,
        metadata={"help": "Without a validation split, this percentage of the training split is held out for "
                          "evaluation and checkpoint choice (0: none)."},
    )
    label_separator: str | None = field(
        default=None,
        metadata={"help": "Multi-label data: the label cell holds several labels joined by this ('sport;tech'); "
                          "an empty cell is a text with no label. (One 0/1 column per label: name them all with "
                          "--label_column_name; a json list of labels needs no flag.)"},
    )
    pad_to_max_length: bool = field(
        default=False, metadata={"help": "Pad every input to max_seq_length, as the blog does (slow)."}
    )
    early_stopping_patience: int | None = field(
        default=None, metadata={"help": "Stop after this many evaluations without improvement."}
    )


@dataclass
class RecipeTrainingArguments(JobTrainingArguments):
    """``TrainingArguments`` whose defaults are the recipe measured in model_card.md: AdamW at
    5e-4 (3e-3 for the word vectors, see ``ModelArguments``), 10% warm-up then cosine decay,
    batch 32, evaluation and a checkpoint each epoch, the best one kept at the end."""

    learning_rate: float = field(default=5e-4, metadata={"help": "Peak learning rate of the encoder and head."})
    num_train_epochs: float | None = field(
        default=None,
        metadata={"help": f"Epochs. Default: {RECIPE_EPOCHS}, raised on small training sets so that training "
                          f"takes at least {MIN_TRAINING_STEPS} steps (at most {MAX_EPOCHS} epochs)."},
    )
    warmup_steps: float = field(default=0.1, metadata={"help": "Warm-up steps, or below 1 a share of all steps."})
    per_device_train_batch_size: int = field(default=32, metadata={"help": "Training batch size per device."})
    save_total_limit: int | None = field(default=2, metadata={"help": "Checkpoints kept (the best one always)."})
    load_best_model_at_end: bool | None = field(
        default=None,
        metadata={"help": "Keep the checkpoint with the best --metric_for_best_model. Default: yes whenever "
                          "evaluation and saving share a schedule."},
    )
    metric_for_best_model: str | None = field(
        default="accuracy",
        metadata={"help": "Metric that picks the best checkpoint: accuracy, macro_f1, matthews_correlation or loss "
                          "(multi-label: micro_f1, macro_f1, subset_accuracy; regression: loss, pearson, spearmanr). "
                          "Default: accuracy; micro_f1 for multi-label data, loss for regression."},
    )
    class_weight: str | None = field(
        default=None,
        metadata={"help": "Weight the loss by class: 'balanced' (each class weighs n_rows / (n_classes * its rows); "
                          "multi-label: each label's positive rows weigh its negatives / positives) or "
                          "label=weight pairs ('spam=5,ham=1'; labels not named weigh 1). Default: unweighted."},
    )

    def __post_init__(self):
        # Before TrainingArguments turns an evaluation schedule into do_eval=True.
        self.do_flags_given = bool(self.do_train or self.do_eval or self.do_predict)
        self.do_eval_given = bool(self.do_eval)
        if self.load_best_model_at_end is None:
            self.load_best_model_at_end = self.eval_strategy != "no" and self.eval_strategy == self.save_strategy
        super().__post_init__()


def parse_args(argv: list[str] | None = None):
    """Parse flags (or one JSON file of arguments) into the three dataclasses; no flags at all
    means the embedded default job (``DEFAULT_ARGS``). What is not given takes the recipe's value."""
    return parse_job_args((ClassifierModelArguments, ClassificationDataArguments, RecipeTrainingArguments), argv,
                          DEFAULT_ARGS)


def _check_splits(raw, training_args: TrainingArguments) -> None:
    """Fail before any training when a requested split is missing or empty."""
    needed = {"train": training_args.do_train, "validation": training_args.do_eval, "test": training_args.do_predict}
    for split, wanted in needed.items():
        if not wanted:
            continue
        if split not in raw:
            flag = {"train": "--do_train", "validation": "--do_eval", "test": "--do_predict"}[split]
            raise ValueError(f"{flag} needs a '{split}' split; the data has {sorted(raw)}")
        if len(raw[split]) == 0:
            raise ValueError(f"the '{split}' split is empty")
    if not any(needed.values()):
        raise ValueError("nothing to do: pass --do_train, --do_eval and/or --do_predict")
    # The classes are the training labels (load_corpus); one class is no classifier, and
    # transformers would refuse num_labels=1 with a message about problem_type (4.x trains it).
    from datasets import ClassLabel

    labels = raw["train"].features.get("label") if training_args.do_train else None
    if isinstance(labels, ClassLabel) and labels.num_classes < 2:
        found = f"every training row is labelled {labels.names[0]!r}" if labels.names else "the training rows have none"
        raise ValueError(f"classification needs at least two labels; {found}")


def _label_fields(columns) -> dict:
    """The config fields that describe the data's labels."""
    if columns.is_regression:
        return {"num_labels": 1, "problem_type": "regression"}
    labels = columns.label_names
    problem = "multi_label_classification" if columns.is_multi_label else "single_label_classification"
    return {"num_labels": len(labels), "problem_type": problem,
            "id2label": dict(enumerate(labels)), "label2id": {name: i for i, name in enumerate(labels)}}


def _problem_type(columns) -> str:
    return _label_fields(columns)["problem_type"]


def _load_model(model_args, columns):
    """A saved model to continue from. A classifier's labels must be the data's; an encoder
    saved without a classification head (e.g. by run_mlm.py) gets a new one for the data's labels."""
    name, remote = model_args.model_name_or_path, model_args.trust_remote_code
    if model_args.label_mapping is not None and model_args.new_classifier_head:
        raise ValueError("--label_mapping keeps the saved classifier, --new_classifier_head replaces it: "
                         "pass one of them")
    try:
        saved = AutoConfig.from_pretrained(name, trust_remote_code=remote)
    except ValueError as error:  # the config's own checks name the field, not the folder
        if str(name) in str(error):
            raise
        raise ValueError(f"config.json of {name}: {error}") from error
    if not any(arch.endswith("ForSequenceClassification") for arch in saved.architectures or []):
        if model_args.label_mapping is not None:
            raise ValueError(f"--label_mapping maps the data's labels onto a saved classifier's, and {name} has no "
                             "classification head; drop the flag to start a new one")
        logger.info("%s has no classification head (%s): starting a new one for the data's labels",
                    name, ", ".join(saved.architectures or ["no architecture recorded"]))
        return _from_pretrained(name, remote, **_label_fields(columns))
    model = _from_pretrained(name, remote)
    saved_multi = model.config.problem_type == "multi_label_classification"
    if not columns.is_regression and saved_multi != columns.is_multi_label and not model_args.new_classifier_head:
        kinds = {True: "multi-label (any number of labels a text)", False: "single-label (one label a text)"}
        raise ValueError(f"{name} is a {kinds[saved_multi]} classifier and the data is {kinds[columns.is_multi_label]}; "
                         "pass --new_classifier_head to keep its encoder and start a new classifier")
    if not columns.is_regression:
        saved = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if model_args.label_mapping is not None:
            return _with_mapped_classifier(model, columns, model_args.label_mapping, saved)
        if saved != list(columns.label_names) or saved_multi != columns.is_multi_label:
            if not model_args.new_classifier_head:
                raise ValueError(
                    f"{model_args.model_name_or_path} was trained for labels {saved}, the data has "
                    f"{list(columns.label_names)}; pass --new_classifier_head to keep its encoder and start a new "
                    "classifier for the data's labels, --label_mapping to say which saved label each of the "
                    "data's is, or relabel the data to match"
                )
            return _with_new_classifier(model, columns)
    elif model_args.label_mapping is not None:
        raise ValueError("--label_mapping maps the data's labels onto a saved classifier's; regression has no labels")
    return model


def _from_pretrained(name: str, remote: bool, **config_fields):
    """``AutoModelForSequenceClassification.from_pretrained``; weights of other shapes than the
    config's are an error naming the first such tensor and both shapes (transformers 5 names
    none in its message, 4.x only the tensor's last name)."""
    try:
        return AutoModelForSequenceClassification.from_pretrained(name, trust_remote_code=remote, **config_fields)
    except RuntimeError as error:
        if not is_size_mismatch(error) or not Path(name).is_dir():
            raise
        found = _mismatched_tensors(Path(name), remote, config_fields)
        if not found:
            raise
        more = f" (and {len(found) - 1} more tensors)" if len(found) > 1 else ""
        raise ValueError(f"the weights of {name} do not fit its config.json: {found[0]}{more}; correct "
                         "config.json, or save the model again (ignore_mismatched_sizes=True in from_pretrained "
                         "starts the mismatched layers afresh)") from error


def _mismatched_tensors(folder: Path, remote: bool, config_fields: dict) -> list[str]:
    """Each tensor whose shape in the folder's safetensors files differs from what its
    config.json builds, as 'name is (a, b) in model.safetensors, (c, d) by config.json'."""
    from safetensors import safe_open

    config = AutoConfig.from_pretrained(folder, trust_remote_code=remote, **config_fields)
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        expected = AutoModelForSequenceClassification.from_config(config, trust_remote_code=remote).state_dict()
    found = []
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as weights:
            for key in weights.keys():
                saved = tuple(weights.get_slice(key).get_shape())
                if key in expected and tuple(expected[key].shape) != saved:
                    found.append(f"{key} is {saved} in {path.name}, {tuple(expected[key].shape)} by config.json")
    return found


def _with_new_classifier(model, columns):
    """The same model class and encoder weights, with a freshly initialised classifier for the
    data's labels (transfer to a related task whose label names differ)."""
    config = type(model.config).from_dict({**model.config.to_dict(), **_label_fields(columns)})
    fresh = type(model)(config)
    fresh.base_model.load_state_dict(model.base_model.state_dict())
    logger.info("new classifier head for labels %s over the encoder of %s", list(columns.label_names),
                model.config.name_or_path)
    return fresh


def parse_label_mapping(text: str, data_labels, saved_labels) -> list[int]:
    """``'fresh=pos,rotten=neg'`` as the saved classifier's row for each data label, in the
    data's label order. Every data label must be named once, each onto a different saved label."""
    mapping = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        data_label, sep, saved_label = (side.strip() for side in pair.partition("="))
        if not sep or not data_label or not saved_label:
            raise ValueError(f"--label_mapping: {pair!r} is not data_label=saved_label")
        if data_label in mapping:
            raise ValueError(f"--label_mapping names data label {data_label!r} twice")
        mapping[data_label] = saved_label
    unknown = sorted(set(mapping) - set(data_labels))
    if unknown:
        raise ValueError(f"--label_mapping names {unknown}, which the data does not have; its labels are "
                         f"{list(data_labels)}")
    missing = [label for label in data_labels if label not in mapping]
    if missing:
        raise ValueError(f"--label_mapping leaves the data's labels {missing} unmapped; map each of "
                         f"{list(data_labels)} onto one of the saved labels {list(saved_labels)}")
    strange = sorted({label for label in mapping.values() if label not in saved_labels})
    if strange:
        raise ValueError(f"--label_mapping maps onto {strange}, which the saved classifier does not have; "
                         f"its labels are {list(saved_labels)}")
    targets = [mapping[label] for label in data_labels]
    if len(set(targets)) != len(targets):
        raise ValueError(f"--label_mapping maps two data labels onto one saved label ({mapping}); the classifier "
                         "could not tell them apart")
    return [list(saved_labels).index(label) for label in targets]


def _with_mapped_classifier(model, columns, mapping: str, saved: list[str]):
    """The saved classifier (whose labels are ``saved``, in id order) kept for the rows the
    mapping names, renamed to the data's labels (transfer to a task with other names for the
    same classes)."""
    rows = parse_label_mapping(mapping, columns.label_names, saved)
    head = getattr(model, "classifier", None)
    if not isinstance(head, torch.nn.Linear):
        raise ValueError(f"--label_mapping needs a classifier whose last layer is a Linear named 'classifier' (as "
                         f"{SinCosClsForSequenceClassification.__name__} has); {type(model).__name__} has none: "
                         "pass --new_classifier_head instead")
    kept = torch.nn.Linear(head.in_features, len(rows), bias=head.bias is not None, dtype=head.weight.dtype,
                           device=head.weight.device)
    with torch.no_grad():
        kept.weight.copy_(head.weight[rows])
        if head.bias is not None:
            kept.bias.copy_(head.bias[rows])
    model.classifier = kept
    for key, value in _label_fields(columns).items():
        setattr(model.config, key, value)
    model.num_labels = model.config.num_labels
    logger.info("classifier of %s kept: %s", model.config.name_or_path,
                ", ".join(f"{new} = its {saved[row]}" for new, row in zip(columns.label_names, rows)))
    return model


def _tokenize(raw, tokenizer, columns, data_args):
    """Token ids of every split; multi-label rows' label-id lists become the 0/1 rows the loss takes."""
    from .multi_label import multi_hot

    padding = "max_length" if data_args.pad_to_max_length else False

    def encode(batch):
        pairs = (batch[columns.text_pair],) if columns.text_pair else ()
        encoded = tokenizer(batch[columns.text], *pairs, padding=padding, truncation=True,
                            max_length=data_args.max_seq_length)
        if columns.is_multi_label:
            encoded["label"] = [multi_hot(ids, len(columns.label_names)) for ids in batch["label"]]
        return encoded

    text_columns = [c for c in (columns.text, columns.text_pair) if c]
    return raw.map(encode, batched=True, remove_columns=text_columns, desc="Tokenizing")


def run(model_args: ClassifierModelArguments, data_args: ClassificationDataArguments, training_args: TrainingArguments,
        callbacks: list | None = None) -> dict:
    """The whole job; returns every metric it saved. ``callbacks`` are added to the Trainer's.

    Bad input raises ``InputError`` before training starts, and so does an --output_dir that
    cannot be written or is not ours to write (``errors.output_folder``), before the data is
    read; errors during training propagate as they are, with their traceback (a failed save
    is an ``OutputError`` naming the partial checkpoint).
    """
    setup_logging(training_args)
    with claim_output_dir(training_args, "run_glue_style.py"):
        with input_errors():
            checkpoint = resume_checkpoint(training_args)
            prepared = _prepare(model_args, data_args, training_args, checkpoint)
        return _train_and_report(model_args, data_args, training_args, checkpoint, callbacks, *prepared)


def _prepare(model_args, data_args, training_args, checkpoint: str | None = None):
    """Everything that reads input, before any training: data, the recipe's data-derived
    settings, tokenizer, model, encoded splits. Resuming from ``checkpoint``, the tokenizer and
    model are the checkpoint's."""
    from .data import corpus_columns

    prepare_training_args(training_args, data_args, fixed_padding=data_args.pad_to_max_length)
    set_seed(training_args.seed)
    adaptations = Adaptations()

    if data_args.label_separator is not None and not data_args.label_separator.strip():
        raise ValueError(f"--label_separator {data_args.label_separator!r}: give the character(s) that join a "
                         "cell's labels, such as ';' or '|'")
    raw = load_data(data_args, label_separator=data_args.label_separator)
    columns = corpus_columns(raw)
    _choose_tasks(raw, training_args, adaptations)
    raw = _limited(raw, data_args)  # as if the files held no more rows
    raw = _hold_out_validation(raw, data_args, training_args, adaptations)
    raw = _limited(raw, data_args)  # --max_eval_samples of a held-out validation split too
    _choose_evaluation(raw, columns, training_args, adaptations, data_args.task_name)
    _check_splits(raw, training_args)
    if not model_args.model_name_or_path and (model_args.label_mapping is not None or model_args.new_classifier_head):
        flag = "--label_mapping" if model_args.label_mapping is not None else "--new_classifier_head"
        raise ValueError(f"{flag} moves a saved classifier (--model_name_or_path) to this data; a new model "
                         "gets the data's labels anyway: drop the flag")
    if checkpoint is not None:
        if not training_args.do_train:  # the recipe found nothing to train on
            raise ValueError(f"--resume_from_checkpoint continues training, and the data has no 'train' split "
                             f"(it has {sorted(raw)})")
        tokenizer, model = resumed_tokenizer_and_model(checkpoint, AutoModelForSequenceClassification,
                                                       _label_fields(columns),
                                                       trust_remote_code=model_args.trust_remote_code)
        coverage = None
        adaptations.note("resume", f"the tokenizer and model config of {checkpoint}, which the data is read with")
    elif model_args.model_name_or_path:
        from .tokenization import load_tokenizer, portable_tokenizer

        tokenizer = portable_tokenizer(load_tokenizer(model_args.model_name_or_path,
                                                      trust_remote_code=model_args.trust_remote_code))
        model = _load_model(model_args, columns)
        coverage = None
    else:
        if "train" not in raw:
            raise ValueError("a new model needs a 'train' split to build its vocabulary; or pass --model_name_or_path")
        texts = list(split_texts(raw["train"], columns))
        tokenizer = new_tokenizer(texts, model_args, data_args, adaptations)
        type_vocab = model_args.type_vocab_size
        model, coverage = new_model(SinCosClsForSequenceClassification, model_args, data_args, tokenizer, texts,
                                    adaptations, **_label_fields(columns),
                                    type_vocab_size=(2 if columns.text_pair else 0) if type_vocab is None else type_vocab)
    logger.info("model: %s parameters, config %s", f"{model.num_parameters():,}", model.config.to_json_string())
    _choose_max_seq_length(raw, columns, tokenizer, model.config, data_args, adaptations)

    with training_args.main_process_first(desc="tokenizing"):
        encoded = _tokenize(raw, tokenizer, columns, data_args)
    train = encoded["train"] if training_args.do_train else None
    evaluation = encoded.get("validation")
    test = encoded["test"] if training_args.do_predict else None
    if train is not None:
        _choose_epochs(len(train), training_args, adaptations)
    class_weights = None
    if training_args.class_weight is not None and train is not None:
        class_weights = _class_weights(training_args.class_weight, columns, raw["train"], adaptations)
    return raw, columns, tokenizer, model, coverage, train, evaluation, test, adaptations, class_weights


def _limited(raw, data_args):
    """--max_train_samples, --max_eval_samples, --max_predict_samples: the first rows of each
    split, cut before a tokenizer, a length or a vocabulary is drawn from them."""
    from datasets import DatasetDict

    most = {"train": data_args.max_train_samples, "validation": data_args.max_eval_samples,
            "test": data_args.max_predict_samples}
    return DatasetDict({name: limit(split, most.get(name)) for name, split in raw.items()})


def _choose_tasks(raw, training_args, adaptations: Adaptations) -> None:
    """Without any --do_* flag: train, evaluate and predict on whichever splits the data has."""
    if getattr(training_args, "do_flags_given", True):  # a plain TrainingArguments: as given
        return
    training_args.do_train = "train" in raw
    training_args.do_eval = "train" in raw or "validation" in raw
    training_args.do_predict = "test" in raw
    done = [name for name, flag in (("train", training_args.do_train), ("evaluate", training_args.do_eval),
                                    ("predict", training_args.do_predict)) if flag]
    adaptations.note("tasks", f"{', '.join(done)} (no --do_* flag: every split the data has)")


def _hold_out_validation(raw, data_args, training_args, adaptations: Adaptations):
    """Training without a validation split: hold out --validation_split_percentage of train,
    stratified by label where every class has two rows, for evaluation and the best checkpoint;
    then every class (every label of multi-label data) with two rows or more has one on each side."""
    from datasets import ClassLabel, DatasetDict

    from .data import corpus_columns

    percentage = data_args.validation_split_percentage
    if "validation" in raw or "train" not in raw or not training_args.do_train or percentage <= 0:
        return raw
    if not 0 < percentage < 100:
        raise ValueError(f"--validation_split_percentage {percentage} must lie between 0 and 100")
    train = raw["train"]
    labels = train.features["label"]
    stratify = None
    if isinstance(labels, ClassLabel) and min(np.bincount(train["label"], minlength=labels.num_classes)) >= 2:
        stratify = "label"
    try:
        parts = train.train_test_split(test_size=percentage / 100, seed=training_args.seed, stratify_by_column=stratify)
    except ValueError:  # too few rows for a stratified cut
        parts = train.train_test_split(test_size=percentage / 100, seed=training_args.seed)
    kept, held, remarks = parts["train"], parts["test"], ""
    columns = corpus_columns(raw)
    if not columns.is_regression:
        kept, held, remarks = _every_class_on_both_sides(kept, held, columns)
    adaptations.note("validation", f"{len(held):,} rows ({percentage}%) held out of the training split"
                                   + (", stratified by label" if stratify else "")
                                   + " (the data has no validation split)" + remarks)
    return DatasetDict({**raw, "train": kept, "validation": held})


def _every_class_on_both_sides(train, validation, columns):
    """Move single rows between the two parts of a held-out split so that each class with two
    rows or more has one in training and one in validation (a stratified cut of 10% gives a
    class of 4 rows none). Returns both parts and what was done, for the log."""
    from datasets import concatenate_datasets

    def classes(label):
        return label if columns.is_multi_label else [label]

    sides = {"train": [classes(label) for label in train["label"]],
             "validation": [classes(label) for label in validation["label"]]}
    counts = {side: Counter(c for row in rows for c in row) for side, rows in sides.items()}
    moved = {"train": [], "validation": []}  # row indices leaving that side
    for label in range(len(columns.label_names)):
        for side, other in (("validation", "train"), ("train", "validation")):
            if counts[side][label] or not counts[other][label] or (side == "validation" and counts[other][label] < 2):
                continue
            # A row of this class whose other classes keep a row where it leaves.
            for index, row in enumerate(sides[other]):
                if label in row and index not in moved[other] and all(counts[other][c] >= 2 for c in row if c != label):
                    moved[other].append(index)
                    for c in row:
                        counts[other][c] -= 1
                        counts[side][c] += 1
                    break
    alone = [name for label, name in enumerate(columns.label_names) if counts["train"][label] + counts["validation"][label] == 1]
    remarks = ""
    if moved["train"] or moved["validation"]:
        remarks += (f"; {len(moved['train']) + len(moved['validation'])} rows moved so that every class with two rows "
                    "has one in training and one in validation")
    if alone:
        remarks += f"; {alone} have a single row: it trains, and validation cannot score them"
    if not (moved["train"] or moved["validation"]):
        return train, validation, remarks

    def staying(ds, side):
        gone = set(moved[side])
        return ds.select([index for index in range(len(ds)) if index not in gone])

    return (concatenate_datasets([staying(train, "train"), validation.select(moved["validation"])]),
            concatenate_datasets([staying(validation, "validation"), train.select(moved["train"])]), remarks)


def _choose_evaluation(raw, columns, training_args, adaptations: Adaptations, task_name: str | None = None) -> None:
    """Evaluate each epoch only where there is a validation split; regression keeps the lowest loss."""
    if "validation" not in raw:
        if training_args.eval_strategy != "no" and training_args.do_train:
            adaptations.note("evaluation", "none during training: no validation split")
        training_args.eval_strategy = transformers.IntervalStrategy.NO
        training_args.load_best_model_at_end = False
        # An evaluation schedule set do_eval; only an explicit --do_eval still asks for the split.
        training_args.do_eval = getattr(training_args, "do_eval_given", training_args.do_eval)
    if columns.is_regression and training_args.metric_for_best_model == "accuracy":
        training_args.metric_for_best_model, training_args.greater_is_better = "loss", False
    if columns.is_multi_label and training_args.metric_for_best_model == "accuracy":
        training_args.metric_for_best_model, training_args.greater_is_better = "micro_f1", True
        if training_args.load_best_model_at_end:
            adaptations.note("checkpoint metric", "micro_f1 (multi-label data: a text's labels are scored one by one)")
    if not task_name:  # a GLUE task reports GLUE's metrics
        _check_metric_name(training_args, columns)


def _check_metric_name(training_args, columns) -> None:
    """--metric_for_best_model must be a metric the run reports (Trainer would fail after the first epoch)."""
    from .metrics import METRIC_NAMES

    metric = training_args.metric_for_best_model
    if not training_args.load_best_model_at_end or metric is None:
        return
    known = ("loss", *METRIC_NAMES[_problem_type(columns)])
    if metric.removeprefix("eval_") not in known:
        raise ValueError(f"--metric_for_best_model {metric}: this run reports {', '.join(known)}")


def _class_weights(spec: str, columns, train, adaptations: Adaptations) -> torch.Tensor:
    """--class_weight as one weight per label: 'balanced' from the training rows' counts, or
    label=weight pairs (the others 1). Multi-label weights are BCE's pos_weight."""
    if columns.is_regression:
        raise ValueError("--class_weight weighs classes; regression has none")
    names = list(columns.label_names)
    counts = np.zeros(len(names))
    for label in train["label"]:
        counts[label] += 1  # a list of ids (multi-label) counts each of them
    if spec.strip().lower() == "balanced":
        if (counts == 0).any():
            raise ValueError(f"--class_weight balanced: labels {[n for n, c in zip(names, counts) if not c]} have no "
                             "training row")
        weights = (len(train) - counts) / counts if columns.is_multi_label else len(train) / (len(names) * counts)
    else:
        weights = np.ones(len(names))
        for pair in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, value = (side.strip() for side in pair.partition("="))
            if name not in names:
                raise ValueError(f"--class_weight: {name!r} is not a label of the data; its labels are {names} "
                                 "(or pass 'balanced')")
            try:
                weights[names.index(name)] = float(value)
            except ValueError:
                raise ValueError(f"--class_weight: {pair!r} is not label=weight") from None
            if not sep or not weights[names.index(name)] > 0 or not math.isfinite(weights[names.index(name)]):
                raise ValueError(f"--class_weight: {pair!r}: a weight is a positive number")
    kind = "positive rows weigh" if columns.is_multi_label else "loss weights"
    adaptations.note("class weights", f"{spec} ({kind} " + ", ".join(f"{n} {w:.3g}" for n, w in zip(names, weights))
                                      + ")")
    return torch.tensor(weights, dtype=torch.float32)


def _choose_max_seq_length(raw, columns, tokenizer, config, data_args, adaptations: Adaptations,
                           sample: int = 20000) -> None:
    """--max_seq_length within what the model reads: one given that is longer is cut to it (as
    run_glue does) and logged; one not given is the LENGTH_PERCENTILE-th percentile of the
    training texts' token counts (of up to ``sample`` texts), up to a multiple of 8."""
    reason, limit = _model_limit(tokenizer, config)
    if data_args.max_seq_length is not None:
        if data_args.max_seq_length > limit:
            adaptations.note("max_seq_length", f"{limit} tokens (--max_seq_length {data_args.max_seq_length} is more "
                                               f"than the model reads: {reason})")
            data_args.max_seq_length = limit
        return
    split = raw["train"] if "train" in raw else next(iter(raw.values()))
    rows = split.select(range(min(sample, len(split))))
    pairs = (list(rows[columns.text_pair]),) if columns.text_pair else ()
    encoded = tokenizer(list(rows[columns.text]), *pairs, truncation=False, verbose=False)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    percentile = float(np.percentile(lengths, LENGTH_PERCENTILE)) if lengths else 8.0
    data_args.max_seq_length = min(limit, max(8, 8 * math.ceil(percentile / 8)))
    cut = sum(length > data_args.max_seq_length for length in lengths) / max(1, len(lengths))
    adaptations.note("max_seq_length", f"{data_args.max_seq_length} tokens ({LENGTH_PERCENTILE}th percentile of "
                                       f"the training texts {percentile:.0f}, model limit {limit}; {cut:.1%} of "
                                       "them are cut)")


def _model_limit(tokenizer, config) -> tuple[str, int]:
    """The most tokens a model reads, and what sets it: its positions, its tokenizer's length or
    MAX_POSITIONS (a tampered or foreign config may claim any number)."""
    limits = {f"max_position_embeddings {config.max_position_embeddings:,}": config.max_position_embeddings,
              f"its tokenizer's model_max_length {tokenizer.model_max_length:,}": tokenizer.model_max_length,
              f"this package's MAX_POSITIONS {MAX_POSITIONS:,}": MAX_POSITIONS}
    return min(limits.items(), key=lambda item: item[1])


def _choose_epochs(train_rows: int, training_args, adaptations: Adaptations) -> None:
    """--num_train_epochs when not given: RECIPE_EPOCHS, or enough epochs (at most MAX_EPOCHS)
    for MIN_TRAINING_STEPS optimisation steps."""
    if training_args.num_train_epochs is not None:
        return
    if training_args.max_steps > 0:
        training_args.num_train_epochs = float(RECIPE_EPOCHS)  # unused: max_steps rules
        return
    batch = (training_args.per_device_train_batch_size * max(1, training_args.world_size)
             * training_args.gradient_accumulation_steps)
    steps_per_epoch = max(1, math.ceil(train_rows / batch))
    epochs = min(MAX_EPOCHS, max(RECIPE_EPOCHS, math.ceil(MIN_TRAINING_STEPS / steps_per_epoch)))
    training_args.num_train_epochs = float(epochs)
    adaptations.note("epochs", f"{epochs} ({steps_per_epoch} steps an epoch; {RECIPE_EPOCHS} epochs, raised on "
                               f"small data toward {MIN_TRAINING_STEPS} steps, at most {MAX_EPOCHS})")


def _train_and_report(model_args, data_args, training_args, checkpoint, callbacks,
                      raw, columns, tokenizer, model, coverage, train, evaluation, test, adaptations,
                      class_weights) -> dict:
    from .metrics import build_compute_metrics
    from .model_card import write_model_card
    from .plots import plot_confusion_matrix, plot_training_curves

    collator = default_data_collator if data_args.pad_to_max_length else DataCollatorWithPadding(tokenizer)
    callbacks = list(callbacks or [])
    if data_args.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=data_args.early_stopping_patience))
    trainer = SinCosClsTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        eval_dataset=evaluation if (training_args.do_eval or training_args.eval_strategy != "no") else None,
        processing_class=tokenizer,
        data_collator=collator,
        compute_metrics=build_compute_metrics(columns.is_regression, data_args.task_name, multi_label_threshold=(
            getattr(model.config, "multi_label_threshold", 0.5) if columns.is_multi_label else None)),
        callbacks=callbacks,
        embedding_learning_rate=model_args.embedding_learning_rate,
        warmup_hold_steps=model_args.warmup_hold_steps,
        class_weights=class_weights,
    )

    results: dict = {}
    output_dir = Path(training_args.output_dir)
    if training_args.do_train:
        metrics = train_and_save(trainer, train, checkpoint)
        results.update({f"train_{k}" if not k.startswith("train") else k: v for k, v in metrics.items()})
        if columns.is_multi_label and evaluation is not None:
            _choose_multi_label_threshold(trainer, evaluation, adaptations)

    plots = {}
    if training_args.do_eval:
        output = trainer.predict(evaluation, metric_key_prefix="eval")
        metrics = {**output.metrics, "eval_samples": len(evaluation)}
        trainer.log_metrics("eval", metrics)
        trainer.save_metrics("eval", metrics)
        results.update(metrics)
        if trainer.is_world_process_zero() and not columns.is_regression and not columns.is_multi_label:
            plots["confusion_matrix"] = plot_confusion_matrix(
                output.label_ids, output.predictions.argmax(-1), columns.label_names,
                output_dir / "confusion_matrix.png", title="validation split")

    if training_args.do_predict:
        results.update(_predict(trainer, test, columns, output_dir))

    if trainer.is_world_process_zero():
        metric = {"regression": "pearson", "multi_label_classification": "micro_f1"}.get(_problem_type(columns),
                                                                                         "accuracy")
        curve = plot_training_curves(trainer.state.log_history, output_dir / "training_curves.png", metric=metric)
        if curve is not None:
            plots["training_curves"] = curve
        if training_args.do_train:
            write_model_card(output_dir, model=trainer.model, raw=raw, columns=columns, data_args=data_args,
                             model_args=model_args, training_args=training_args, results=results, plots=plots,
                             coverage=coverage, adaptations=adaptations.items)
    return results


def _choose_multi_label_threshold(trainer, evaluation, adaptations: Adaptations) -> None:
    """The multi-label decision threshold with the best micro-F1 on the validation split, saved
    in the model's config (``multi_label_threshold``) and used for every score after training."""
    from .multi_label import choose_threshold

    output = trainer.predict(evaluation, metric_key_prefix="threshold")
    scores = expit(np.asarray(output.predictions, dtype=np.float64))
    threshold, micro_f1 = choose_threshold(scores, np.asarray(output.label_ids) > 0.5)
    config = trainer.model.config
    config.multi_label_threshold = threshold
    trainer.compute_metrics.threshold = threshold
    if trainer.is_world_process_zero():
        config.save_pretrained(trainer.args.output_dir)
    adaptations.note("multi-label threshold", f"{threshold:g}: the best validation micro-F1 ({micro_f1:.4f}) of "
                                              "the scores 0.05 to 0.95")


def _prediction_rows(predictions, columns, threshold: float) -> list[str]:
    """What predict_results.txt shows for each text: a number, a label, or a text's labels joined by ','."""
    if columns.is_regression:
        return [f"{value:.4f}" for value in predictions.squeeze(-1)]
    if columns.is_multi_label:
        chosen = expit(np.asarray(predictions, dtype=np.float64)) >= threshold
        return [",".join(name for name, on in zip(columns.label_names, row) if on) for row in chosen]
    return [columns.label_names[int(value)] for value in predictions.argmax(-1)]


def _predict(trainer, test, columns, output_dir: Path) -> dict:
    """predict_results.txt, and test_results.json when the split carries labels."""
    if columns.is_multi_label:
        has_labels = all(row is not None for row in test["label"])
    else:
        labels = np.asarray(test["label"], dtype=np.float64)
        has_labels = not (np.isnan(labels).any() if columns.is_regression else (labels < 0).any())
    inputs = test if has_labels else test.remove_columns("label")
    output = trainer.predict(inputs, metric_key_prefix="test")
    results = {}
    if trainer.is_world_process_zero():
        threshold = getattr(trainer.model.config, "multi_label_threshold", 0.5)
        rows = _prediction_rows(output.predictions, columns, threshold)
        with open(output_dir / "predict_results.txt", "w", encoding="utf-8") as handle:
            handle.write("index\tprediction\n")
            for index, shown in enumerate(rows):
                handle.write(f"{index}\t{shown}\n")
    if has_labels:
        metrics = {**output.metrics, "test_samples": len(test)}
        trainer.log_metrics("test", metrics)
        trainer.save_metrics("test", metrics)
        results.update(metrics)
    return results
