"""The run_glue-style job: load a corpus, plan the run, build or load the model, train, evaluate,
predict, and leave a folder that ``pipeline`` loads, with metrics, plots and a model card.

``scripts/run_glue_style.py`` parses arguments (``parse_args``: the model and data arguments of
``jobs`` with what classification adds, and the ``RecipeTrainingArguments`` below) and calls
``run``, which reads top to bottom as transformers' run_glue.py does: data, then the plan
(``recipe.plan_classification``: every setting the user left to the recipe, derived from the
data with its reason), tokenizer and model, the Trainer, train / evaluate / predict, and the
card. The arguments are never written: the plan holds the copies the run uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.special import expit
from transformers import (
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    default_data_collator,
    set_seed,
)

from .errors import InputError, input_errors, loading_errors
from .heads import label_fields, load_classifier
from .jobs import (
    DataTrainingArguments,
    JobTrainingArguments,
    ModelArguments,
    limit,
    load_data,
    new_model,
    new_tokenizer,
    parse_job_args,
    resume_checkpoint,
    setup_logging,
    split_texts,
)
from .modeling_sincos_cls import SinCosClsForSequenceClassification
from .recipe import (
    LENGTH_PERCENTILE,
    MAX_EPOCHS,
    MAX_POSITIONS,
    MIN_TRAINING_STEPS,
    RECIPE_EPOCHS,
    Choice,
    check_metric_name,
    RunPlan,
    measure_data,
    model_limit,
    new_model_positions,
    plan_classification,
)
from .training import SinCosClsTrainer, claim_output_dir, resumed_tokenizer_and_model, train_and_save

logger = logging.getLogger(__name__)

# What `python scripts/run_glue_style.py` with no arguments runs: the recipe on Rotten Tomatoes.
DEFAULT_ARGS = ["--corpus", "rotten_tomatoes", "--output_dir", "outputs/rotten_tomatoes"]


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
    5e-4 (the embeddings at the recipe's own rate, ``recipe.EMBEDDING_LEARNING_RATE``), 10% warm-up then cosine decay,
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
        if self.load_best_model_at_end is None:
            self.load_best_model_at_end = self.eval_strategy != "no" and self.eval_strategy == self.save_strategy
        super().__post_init__()


def parse_args(argv: list[str] | None = None):
    """Parse flags (or one JSON file of arguments) into the three dataclasses; no flags at all
    means the embedded default job (``DEFAULT_ARGS``). What is not given takes the recipe's value."""
    return parse_job_args((ClassifierModelArguments, ClassificationDataArguments, RecipeTrainingArguments), argv,
                          DEFAULT_ARGS)




@dataclass
class Prepared:
    """What reading the input gave, before any training: the plan, the data as loaded, the
    tokenizer and model, the encoded splits (None where the run does not use them)."""

    plan: RunPlan
    raw: object  # the DatasetDict, after the --max_*_samples limits and the held-out cut
    columns: object
    tokenizer: object
    model: object
    coverage: object  # the word vectors' coverage, None when none were looked up
    train: object
    evaluation: object
    test: object


def run(model_args: ClassifierModelArguments, data_args: ClassificationDataArguments,
        training_args: RecipeTrainingArguments, callbacks: list | None = None) -> dict:
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
            prepared = prepare(model_args, data_args, training_args, checkpoint)
        trainer = _trainer(prepared, callbacks)
        return _train_evaluate_predict(trainer, prepared, checkpoint)


def prepare(model_args, data_args, training_args, checkpoint: str | None = None) -> Prepared:
    """Everything that reads input, before any training: the data, the tokenizer (resuming
    from ``checkpoint``: its tokenizer and model), the plan, the model, the encoded splits."""
    set_seed(training_args.seed)
    raw, columns, held_out = _load(data_args, training_args)
    if not model_args.model_name_or_path and (model_args.label_mapping is not None or model_args.new_classifier_head):
        flag = "--label_mapping" if model_args.label_mapping is not None else "--new_classifier_head"
        raise InputError(f"{flag} moves a saved classifier (--model_name_or_path) to this data; a new model "
                         "gets the data's labels anyway: drop the flag")
    _check_early(raw, columns, data_args, training_args, checkpoint)
    tokenizer, model, source, chosen = _tokenizer_and_saved_model(raw, columns, model_args, data_args, checkpoint)
    positions = model.config.max_position_embeddings if model is not None else tokenizer.model_max_length
    facts = measure_data(raw, columns, tokenizer, model_limit(positions, tokenizer.model_max_length),
                         held_out=held_out, tokenizer_choice=chosen, model_source=source)
    plan = plan_classification(model_args, data_args, training_args, facts)
    plan.log()
    tasks = plan.training_args
    _check_splits(raw, tasks.do_train, tasks.do_eval, tasks.do_predict)
    coverage = None
    if model is None:
        texts = list(split_texts(raw["train"], columns))
        model, coverage, vectors = new_model(SinCosClsForSequenceClassification, plan.model_args, tokenizer, texts,
                                             tokenizer.model_max_length, **label_fields(columns),
                                             type_vocab_size=plan.model_args.type_vocab_size)
        plan = plan.with_vectors(vectors)
    logger.info("model: %s parameters, config %s", f"{model.num_parameters():,}", model.config.to_json_string())
    with tasks.main_process_first(desc="tokenizing"):
        encoded = _tokenize(raw, tokenizer, columns, plan.data_args)
    return Prepared(plan, raw, columns, tokenizer, model, coverage,
                    train=encoded["train"] if tasks.do_train else None, evaluation=encoded.get("validation"),
                    test=encoded["test"] if tasks.do_predict else None)


def _load(data_args, training_args):
    """The data with the --max_*_samples limits (cut before a tokenizer, a length or a
    vocabulary is drawn from them), a validation split held out of training where the data
    has none (``data.hold_out_validation``), and how it was held out (None: it was not)."""
    from datasets import DatasetDict

    from .data import corpus_columns, hold_out_validation

    separator = data_args.label_separator
    if separator is not None and not separator.strip():
        raise InputError(f"--label_separator {separator!r}: give the character(s) that join a cell's labels, "
                         "such as ';' or '|'")
    raw = _limited(load_data(data_args, label_separator=separator), data_args)
    columns = corpus_columns(raw)
    percentage = data_args.validation_split_percentage
    trains = training_args.do_train or not training_args.do_flags_given
    if "validation" in raw or "train" not in raw or not trains or percentage <= 0:
        return raw, columns, None
    held = hold_out_validation(raw["train"], percentage, training_args.seed,
                               None if columns.is_regression else columns)
    raw = _limited(DatasetDict({**raw, "train": held.train, "validation": held.validation}), data_args)
    return raw, columns, held.description


def _limited(raw, data_args):
    """--max_train_samples, --max_eval_samples, --max_predict_samples: the first rows of each split."""
    from datasets import DatasetDict

    most = {"train": data_args.max_train_samples, "validation": data_args.max_eval_samples,
            "test": data_args.max_predict_samples}
    return DatasetDict({name: limit(split, most.get(name)) for name, split in raw.items()})


def _tokenizer_and_saved_model(raw, columns, model_args, data_args, checkpoint):
    """The tokenizer the data is read with, the saved model (None for a new one, built once the
    plan is made), where they come from ("new", "saved" or the checkpoint's path) and, for a new
    tokenizer, its mode with the reason."""
    if checkpoint is not None:
        with loading_errors(prefix=f"--resume_from_checkpoint {checkpoint}: "):
            tokenizer, model = resumed_tokenizer_and_model(checkpoint, AutoModelForSequenceClassification,
                                                           label_fields(columns),
                                                           trust_remote_code=model_args.trust_remote_code)
        return tokenizer, model, checkpoint, None
    if model_args.model_name_or_path:
        from .tokenization import load_tokenizer, portable_tokenizer

        with loading_errors():
            tokenizer = portable_tokenizer(load_tokenizer(model_args.model_name_or_path,
                                                          trust_remote_code=model_args.trust_remote_code))
            return tokenizer, load_classifier(model_args, columns), "saved", None
    if "train" not in raw:
        raise InputError("a new model needs a 'train' split to build its vocabulary; or pass --model_name_or_path")
    texts = list(split_texts(raw["train"], columns))
    tokenizer, chosen = new_tokenizer(texts, model_args, new_model_positions(model_args, data_args))
    return tokenizer, None, "new", chosen


def _check_early(raw, columns, data_args, training_args, checkpoint: str | None) -> None:
    """What the data alone shows wrong with the flags, before a tokenizer is built or a model
    loaded: the splits the --do_* flags name, a resume without training data, a checkpoint
    metric the run would not report (the plan checks them all again)."""
    if training_args.do_flags_given:
        _check_splits(raw, training_args.do_train, training_args.do_eval_given, training_args.do_predict)
    if checkpoint is not None and "train" not in raw:  # the recipe finds nothing to train on
        raise InputError(f"--resume_from_checkpoint continues training, and the data has no 'train' split (it has "
                         f"{sorted(raw)})")
    if training_args.load_best_model_at_end and "validation" in raw and not data_args.task_name:
        check_metric_name(training_args.metric_for_best_model, label_fields(columns)["problem_type"])


def _check_splits(raw, do_train: bool, do_eval: bool, do_predict: bool) -> None:
    """Fail before any training when a split the run needs is missing or empty."""
    needed = {"train": do_train, "validation": do_eval, "test": do_predict}
    for split, wanted in needed.items():
        if not wanted:
            continue
        if split not in raw:
            flag = {"train": "--do_train", "validation": "--do_eval", "test": "--do_predict"}[split]
            raise InputError(f"{flag} needs a '{split}' split; the data has {sorted(raw)}")
        if len(raw[split]) == 0:
            raise InputError(f"the '{split}' split is empty")
    if not any(needed.values()):
        raise InputError("nothing to do: pass --do_train, --do_eval and/or --do_predict")
    # The classes are the training labels (load_corpus); one class is no classifier, and
    # transformers would refuse num_labels=1 with a message about problem_type (4.x trains it).
    from datasets import ClassLabel

    labels = raw["train"].features.get("label") if do_train else None
    if isinstance(labels, ClassLabel) and labels.num_classes < 2:
        found = f"every training row is labelled {labels.names[0]!r}" if labels.names else "the training rows have none"
        raise InputError(f"classification needs at least two labels; {found}")


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


def _trainer(prepared: Prepared, callbacks) -> SinCosClsTrainer:
    """The Trainer the plan describes."""
    from .metrics import build_compute_metrics

    plan, columns, model = prepared.plan, prepared.columns, prepared.model
    data_args, training_args = plan.data_args, plan.training_args
    collator = default_data_collator if data_args.pad_to_max_length else DataCollatorWithPadding(prepared.tokenizer)
    callbacks = list(callbacks or [])
    if data_args.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=data_args.early_stopping_patience))
    threshold = getattr(model.config, "multi_label_threshold", 0.5) if columns.is_multi_label else None
    return SinCosClsTrainer(
        model=model,
        args=training_args,
        train_dataset=prepared.train,
        eval_dataset=prepared.evaluation if (training_args.do_eval or training_args.eval_strategy != "no") else None,
        processing_class=prepared.tokenizer,
        data_collator=collator,
        compute_metrics=build_compute_metrics(columns.is_regression, data_args.task_name,
                                              multi_label_threshold=threshold),
        callbacks=callbacks,
        embedding_learning_rate=plan.model_args.embedding_learning_rate,
        warmup_hold_steps=plan.model_args.warmup_hold_steps,
        class_weights=None if plan.class_weights is None else torch.tensor(plan.class_weights, dtype=torch.float32),
    )


def _train_evaluate_predict(trainer, prepared: Prepared, checkpoint: str | None) -> dict:
    """Train (then settle a multi-label threshold), evaluate, predict, and leave the plots and
    the model card; returns every metric saved."""
    from .plots import plot_confusion_matrix

    columns, args = prepared.columns, trainer.args
    results: dict = {}
    output_dir = Path(args.output_dir)
    if args.do_train:
        metrics = train_and_save(trainer, prepared.train, checkpoint)
        results.update({f"train_{k}" if not k.startswith("train") else k: v for k, v in metrics.items()})
        if columns.is_multi_label and prepared.evaluation is not None:
            prepared.plan = prepared.plan.with_choice(_choose_multi_label_threshold(trainer, prepared.evaluation))
    plots = {}
    if args.do_eval:
        output = trainer.predict(prepared.evaluation, metric_key_prefix="eval")
        metrics = {**output.metrics, "eval_samples": len(prepared.evaluation)}
        trainer.log_metrics("eval", metrics)
        trainer.save_metrics("eval", metrics)
        results.update(metrics)
        if trainer.is_world_process_zero() and not columns.is_regression and not columns.is_multi_label:
            plots["confusion_matrix"] = plot_confusion_matrix(
                output.label_ids, output.predictions.argmax(-1), columns.label_names,
                output_dir / "confusion_matrix.png", title="validation split")
    if args.do_predict:
        results.update(_predict(trainer, prepared.test, columns, output_dir))
    if trainer.is_world_process_zero():
        _report(trainer, prepared, results, plots)
    return results


def _report(trainer, prepared: Prepared, results: dict, plots: dict) -> None:
    """The training curves and, when this run trained, the model card (main process only)."""
    from .model_card import write_model_card
    from .plots import plot_training_curves

    plan, columns = prepared.plan, prepared.columns
    output_dir = Path(trainer.args.output_dir)
    metric = {"regression": "pearson", "multi_label_classification": "micro_f1"}.get(
        label_fields(columns)["problem_type"], "accuracy")
    curve = plot_training_curves(trainer.state.log_history, output_dir / "training_curves.png", metric=metric)
    if curve is not None:
        plots["training_curves"] = curve
    if trainer.args.do_train:
        write_model_card(output_dir, model=trainer.model, raw=prepared.raw, columns=columns, data_args=plan.data_args,
                         model_args=plan.model_args, training_args=trainer.args, results=results, plots=plots,
                         coverage=prepared.coverage, adaptations=plan.notes())


def _choose_multi_label_threshold(trainer, evaluation) -> Choice:
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
    return Choice("multi-label threshold", threshold, f"{threshold:g}: the best validation micro-F1 "
                                                      f"({micro_f1:.4f}) of the scores 0.05 to 0.95")


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
