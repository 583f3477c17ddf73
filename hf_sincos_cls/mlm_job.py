"""Masked-language-model pre-training of the encoder, the way transformers' run_mlm.py does it:
a new GloVe-initialised model learns to fill in masked words of a corpus's training texts
(labels unused) and of its unlabelled texts, then ``run_glue_style.py --model_name_or_path``
fine-tunes it for classification.

``scripts/run_mlm.py`` parses arguments into the dataclasses below and calls ``run``, which
saves the model, its tokenizer, metrics, the loss curves and a model card (README.md).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from datasets import Dataset
from transformers import DataCollatorForLanguageModeling, set_seed

from .errors import InputError, input_errors, loading_errors
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
from .recipe import DataFacts, RunPlan, new_model_positions, plan_pretraining
from .training import SinCosClsTrainer, claim_output_dir, resumed_tokenizer_and_model, train_and_save

logger = logging.getLogger(__name__)

MASK = "[MASK]"

# What `python scripts/run_mlm.py` with no arguments runs: the pre-training recipe on Rotten
# Tomatoes' training snippets and film synopses (model_card.md measures fine-tuning from it).
DEFAULT_ARGS = ["--corpus", "rotten_tomatoes", "--output_dir", "outputs/rotten_tomatoes_mlm"]


@dataclass
class PretrainingArguments:
    """What is masked, and which texts beside the training split are read."""

    mlm_probability: float = field(
        default=0.15, metadata={"help": "Share of tokens to predict (80%% become [MASK], 10%% a random word, 10%% stay)."}
    )
    use_unlabelled_text: bool = field(
        default=True,
        metadata={"help": "Add the offline corpus's texts outside its labelled splits (Rotten Tomatoes' synopses)."},
    )


@dataclass
class PretrainingDataArguments(DataTrainingArguments):
    """The data arguments, with pre-training's length and a held-out share for perplexity."""

    max_seq_length: int | None = field(default=128, metadata={"help": "Longer texts are truncated."})
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Train on the first N texts only (the vocabulary comes from all of them)."}
    )
    validation_split_percentage: int = field(
        default=5,
        metadata={"help": "Without a validation split, this percentage of the texts is held out (at random, by "
                          "--seed, as the classification job holds out its validation rows) to measure perplexity "
                          "each epoch (0: none)."},
    )


@dataclass
class PretrainingData:
    """What ``_prepare`` read besides the encoded splits, for the model card: the data, which
    texts went where, and the choices made from them."""

    raw: object  # the DatasetDict as loaded
    columns: object
    from_split: int  # texts of the training split (labels unused)
    unlabelled: int  # the offline corpus's texts outside its labelled splits
    held_out: int  # texts kept out of training for perplexity (0: none)
    held_out_from: str | None  # "validation", "train" (held out of the texts) or None
    coverage: object = None  # the word vectors' coverage, None when none were looked up
    adaptations: dict = field(default_factory=dict)


@dataclass
class PretrainingTrainingArguments(JobTrainingArguments):
    """``TrainingArguments`` whose defaults are the pre-training recipe: AdamW at 1e-3 (3e-3 for
    the word vectors, see ``ModelArguments``), 5% warm-up then cosine decay, batch 64, 20
    epochs, perplexity and a checkpoint each epoch (the newest kept). Without any ``--do_*``
    flag it trains, and evaluates where there are held-out texts."""

    learning_rate: float = field(default=1e-3, metadata={"help": "Peak learning rate of the encoder and head."})
    num_train_epochs: float = field(default=20.0, metadata={"help": "Epochs."})
    warmup_steps: float = field(default=0.05, metadata={"help": "Warm-up steps, or below 1 a share of all steps."})
    per_device_train_batch_size: int = field(default=64, metadata={"help": "Training batch size per device."})
    save_total_limit: int | None = field(default=1, metadata={"help": "Checkpoints kept."})

    def __post_init__(self):
        if not (self.do_train or self.do_eval or self.do_predict):
            self.do_train = True
        super().__post_init__()


def parse_args(argv: list[str] | None = None):
    """Parse flags (or one JSON file of arguments) into the four dataclasses; no flags at all
    means the embedded default (``DEFAULT_ARGS``). What is not given takes the recipe's value."""
    return parse_job_args((ModelArguments, PretrainingDataArguments, PretrainingArguments,
                           PretrainingTrainingArguments), argv, DEFAULT_ARGS)


def run(model_args: ModelArguments, data_args: DataTrainingArguments, mlm_args: PretrainingArguments,
        training_args: JobTrainingArguments, callbacks: list | None = None) -> dict:
    """Pre-train and save the model with its tokenizer; returns the metrics saved. Bad input
    raises ``InputError`` before training starts, and so does an --output_dir that cannot be
    written or is not ours to write (``errors.output_folder``), before the data is read."""
    setup_logging(training_args)
    with claim_output_dir(training_args, "run_mlm.py"):
        return _pretrain(model_args, data_args, mlm_args, training_args, callbacks)


def _pretrain(model_args, data_args, mlm_args, training_args, callbacks) -> dict:
    """``run`` once the output folder is held: prepare, plan, train, measure perplexity, report."""
    with input_errors():
        checkpoint = resume_checkpoint(training_args)
        tokenizer, model, train, evaluation, data, plan = _prepare(model_args, data_args, mlm_args, training_args,
                                                                   checkpoint)
    trainer = SinCosClsTrainer(
        model=model,
        args=plan.training_args,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_args.mlm_probability),
        callbacks=callbacks,
        embedding_learning_rate=plan.model_args.embedding_learning_rate,
        warmup_hold_steps=plan.model_args.warmup_hold_steps,
    )
    results: dict = {}
    if trainer.args.do_train:
        results.update(train_and_save(trainer, train, checkpoint))
    if trainer.args.do_eval and evaluation is not None:
        metrics = trainer.evaluate()
        metrics["eval_samples"] = len(evaluation)
        metrics["perplexity"] = math.exp(min(metrics["eval_loss"], 50.0))
        trainer.log_metrics("eval", metrics)
        trainer.save_metrics("eval", metrics)
        results.update(metrics)
    if trainer.is_world_process_zero():
        _report(trainer, plan, mlm_args, data, results, train, evaluation)
    return results


def _report(trainer, plan: RunPlan, mlm_args, data: PretrainingData, results, train, evaluation) -> None:
    """The loss curves and, when this run trained, the model card (main process only)."""
    from .model_card import write_pretraining_card
    from .plots import plot_training_curves

    training_args = trainer.args
    output_dir = Path(training_args.output_dir)
    # Loss alone: plot_training_curves marks a metric's largest value as its best, the worst perplexity.
    curve = plot_training_curves(trainer.state.log_history, output_dir / "training_curves.png")
    if not training_args.do_train:
        return
    write_pretraining_card(
        output_dir, model=trainer.model, tokenizer=trainer.processing_class, data=data, data_args=plan.data_args,
        model_args=plan.model_args, mlm_args=mlm_args, training_args=training_args, results=results,
        trained=len(train), evaluated=len(evaluation) if evaluation is not None else 0,
        total_steps=trainer.state.max_steps, plots={"training_curves": curve} if curve else {},
    )


def _prepare(model_args, data_args, mlm_args, training_args, checkpoint: str | None = None):
    """Texts, tokenizer (with ``[MASK]``), the plan, a new GloVe-initialised model (resuming
    from ``checkpoint``: the checkpoint's tokenizer and model), the encoded splits and what the
    model card tells of them (``PretrainingData``)."""
    if model_args.model_name_or_path:
        raise InputError("run_mlm.py pre-trains a new model; fine-tune a saved one with "
                         "run_glue_style.py --model_name_or_path")
    if not 0.0 < mlm_args.mlm_probability < 1.0:
        raise InputError(f"--mlm_probability {mlm_args.mlm_probability} must lie strictly between 0 and 1")
    if not training_args.do_train:
        raise InputError("nothing to pre-train: pass --do_train")
    set_seed(training_args.seed)
    from .data import corpus_columns

    raw = load_data(data_args, require_labels=False)
    if "train" not in raw or len(raw["train"]) == 0:
        raise InputError(f"pre-training needs a non-empty 'train' split; the data has {sorted(raw)}")
    columns = corpus_columns(raw)
    texts = pretraining_texts(raw, columns, data_args, mlm_args)
    validation = list(split_texts(raw["validation"], columns)) if "validation" in raw else None
    texts, validation, held_out = _held_out(texts, validation, data_args, training_args)
    if validation is None and training_args.do_eval_given:  # before a tokenizer is trained (the plan says it too)
        raise InputError("--do_eval needs a validation split, or --validation_split_percentage above 0")
    data = _texts_read(raw, columns, len(texts), validation, held_out)
    if checkpoint is not None:  # the vocabulary the checkpoint's embeddings learned, whatever the texts now
        from .modeling_sincos_cls import SinCosClsForMaskedLM

        with loading_errors(prefix=f"--resume_from_checkpoint {checkpoint}: "):
            tokenizer, model = resumed_tokenizer_and_model(checkpoint, SinCosClsForMaskedLM)
        chosen, source = None, checkpoint
    else:
        tokenizer, choice = new_tokenizer(texts, model_args, new_model_positions(model_args, data_args))
        tokenizer.add_special_tokens({"mask_token": MASK})
        model, chosen, source = None, choice, "new"
    splits = {"train": len(texts), **({"validation": len(validation)} if validation is not None else {})}
    facts = DataFacts(splits=splits, problem_type="fill-mask", held_out=held_out, tokenizer=chosen,
                      model_source=source)
    plan = plan_pretraining(model_args, data_args, training_args, facts)
    plan.log()
    if model is None:
        model, data.coverage, vectors = _build_model(plan.model_args, tokenizer, texts)
        plan = plan.with_vectors(vectors)
    data.adaptations = plan.notes()
    logger.info("model: %s parameters, word vectors %s", f"{model.num_parameters():,}", data.coverage)
    train, evaluation = _encode(tokenizer, texts, validation if plan.training_args.do_eval else None, plan)
    return tokenizer, model, train, evaluation, data, plan


def _encode(tokenizer, texts: list[str], held_out: list[str] | None, plan: RunPlan):
    """The training texts and the held-out ones (None: no evaluation) as token ids, cut at
    ``--max_seq_length`` and at ``--max_train_samples``/``--max_eval_samples``."""
    data_args = plan.data_args

    def encode(batch):
        return tokenizer(batch["text"], truncation=True, max_length=data_args.max_seq_length,
                         return_special_tokens_mask=True)

    with plan.training_args.main_process_first(desc="tokenizing"):
        train = Dataset.from_dict({"text": texts}).map(encode, batched=True, remove_columns=["text"],
                                                        desc="Tokenizing")
        train = limit(train, data_args.max_train_samples)
        if held_out is None:
            return train, None
        held_out = limit(Dataset.from_dict({"text": held_out}), data_args.max_eval_samples)  # before tokenizing
        return train, held_out.map(encode, batched=True, remove_columns=["text"], desc="Tokenizing")


def _texts_read(raw, columns, kept: int, validation: list[str] | None, held_out: str | None) -> PretrainingData:
    """Which texts went where (for the card): ``kept`` texts to train on, and the validation
    split's texts or those ``held_out`` of the training texts (its description) beside them."""
    from_split = len(raw["train"]) * (2 if columns.text_pair else 1)  # as split_texts streams them
    read = kept + (len(validation) if held_out is not None else 0)
    source = None if validation is None else "train" if held_out is not None else "validation"
    return PretrainingData(raw, columns, from_split, read - from_split, len(validation or ()), source)


def _held_out(texts: list[str], validation: list[str] | None, data_args, training_args):
    """The texts to train on, those to measure perplexity on, and how they were held out (None:
    the validation split's, or none): without a validation split, --validation_split_percentage
    of the texts by the data wing's one policy (``data.hold_out_validation``), the same whether
    or not this run evaluates, so that a resumed run learns the same vocabulary."""
    from .data import hold_out_validation

    percentage = data_args.validation_split_percentage
    if validation is not None or len(texts) * percentage // 100 < 1:
        return texts, validation, None
    held = hold_out_validation(Dataset.from_dict({"text": texts}), percentage, training_args.seed, None,
                               rows="texts", source="the pre-training texts")
    return list(held.train["text"]), list(held.validation["text"]), held.description


def pretraining_texts(raw, columns, data_args: DataTrainingArguments, mlm_args: PretrainingArguments) -> list[str]:
    """Every text the model learns from: the training split's texts (labels unused), then the
    offline corpus's unlabelled texts when asked for. Validation is held out for perplexity."""
    from .data import unlabelled_texts

    texts = list(split_texts(raw["train"], columns))
    if mlm_args.use_unlabelled_text and data_args.corpus:
        extra = unlabelled_texts(data_args.corpus)
        logger.info("pre-training text: %s training texts and %s unlabelled texts", f"{len(texts):,}", f"{len(extra):,}")
        texts += extra
    return texts


def _build_model(model_args, tokenizer, texts):
    """A new masked-LM model on ``tokenizer`` (the plan's ``model_args``), with its coverage and
    what the word vectors were (``jobs.new_model``)."""
    from .modeling_sincos_cls import SinCosClsForMaskedLM

    return new_model(SinCosClsForMaskedLM, model_args, tokenizer, texts, tokenizer.model_max_length,
                     type_vocab_size=model_args.type_vocab_size, sparse_prediction=True)
