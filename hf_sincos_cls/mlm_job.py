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
from transformers import DataCollatorForLanguageModeling, IntervalStrategy, set_seed

from .jobs import (
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
from .errors import input_errors
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
        metadata={"help": "Without a validation split, this percentage of the texts is held out to measure "
                          "perplexity each epoch: the first ones, as transformers' run_mlm.py takes them (0: none)."},
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
    held_out_from: str | None  # "validation", or the slice of the texts as datasets writes it ("train[:5%]")
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
        self.do_eval_given = bool(self.do_eval)
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
    """``run`` once the output folder is held."""
    with input_errors():
        checkpoint = resume_checkpoint(training_args)
        tokenizer, model, train, evaluation, data = _prepare(model_args, data_args, mlm_args, training_args,
                                                             checkpoint)

    training_args.prediction_loss_only = True
    trainer = SinCosClsTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_args.mlm_probability),
        callbacks=callbacks,
        embedding_learning_rate=model_args.embedding_learning_rate,
        warmup_hold_steps=model_args.warmup_hold_steps,
    )
    results: dict = {}
    if training_args.do_train:
        results.update(train_and_save(trainer, train, checkpoint))
    if training_args.do_eval and evaluation is not None:
        metrics = trainer.evaluate()
        metrics["eval_samples"] = len(evaluation)
        metrics["perplexity"] = math.exp(min(metrics["eval_loss"], 50.0))
        trainer.log_metrics("eval", metrics)
        trainer.save_metrics("eval", metrics)
        results.update(metrics)
    if trainer.is_world_process_zero():
        _report(trainer, model_args, data_args, mlm_args, data, results, train, evaluation)
    return results


def _report(trainer, model_args, data_args, mlm_args, data: PretrainingData, results, train, evaluation) -> None:
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
        output_dir, model=trainer.model, tokenizer=trainer.processing_class, data=data, data_args=data_args,
        model_args=model_args, mlm_args=mlm_args, training_args=training_args, results=results,
        trained=len(train), evaluated=len(evaluation) if evaluation is not None else 0,
        total_steps=trainer.state.max_steps, plots={"training_curves": curve} if curve else {},
    )


def _prepare(model_args, data_args, mlm_args, training_args, checkpoint: str | None = None):
    """Texts, tokenizer (with ``[MASK]``), a new GloVe-initialised model (resuming from
    ``checkpoint``: the checkpoint's tokenizer and model), the encoded splits and what the
    model card tells of them (``PretrainingData``)."""
    if model_args.model_name_or_path:
        raise ValueError("run_mlm.py pre-trains a new model; fine-tune a saved one with "
                         "run_glue_style.py --model_name_or_path")
    if not 0.0 < mlm_args.mlm_probability < 1.0:
        raise ValueError(f"--mlm_probability {mlm_args.mlm_probability} must lie strictly between 0 and 1")
    if not training_args.do_train:
        raise ValueError("nothing to pre-train: pass --do_train")
    prepare_training_args(training_args, data_args)
    set_seed(training_args.seed)

    from .data import corpus_columns

    raw = load_data(data_args, require_labels=False)
    if "train" not in raw or len(raw["train"]) == 0:
        raise ValueError(f"pre-training needs a non-empty 'train' split; the data has {sorted(raw)}")
    columns = corpus_columns(raw)
    texts = pretraining_texts(raw, columns, data_args, mlm_args)
    read = len(texts)
    validation = list(split_texts(raw["validation"], columns)) if "validation" in raw else None
    texts, held_out = _held_out(texts, validation, data_args, training_args)
    data = _texts_read(raw, columns, read, len(texts), validation, data_args)
    adaptations = Adaptations()
    if checkpoint is not None:  # the vocabulary the checkpoint's embeddings learned, whatever the texts now
        from .modeling_sincos_cls import SinCosClsForMaskedLM

        tokenizer, model = resumed_tokenizer_and_model(checkpoint, SinCosClsForMaskedLM)
        adaptations.note("resume", f"the tokenizer and model config of {checkpoint}, which the texts are read with")
    else:
        tokenizer = _build_tokenizer(texts, model_args, data_args, adaptations)
        model, data.coverage = _build_model(model_args, data_args, tokenizer, texts, adaptations)
    data.adaptations = adaptations.items
    logger.info("model: %s parameters, word vectors %s", f"{model.num_parameters():,}", data.coverage)

    def encode(batch):
        return tokenizer(batch["text"], truncation=True, max_length=data_args.max_seq_length,
                         return_special_tokens_mask=True)

    with training_args.main_process_first(desc="tokenizing"):
        train = Dataset.from_dict({"text": texts}).map(encode, batched=True, remove_columns=["text"],
                                                        desc="Tokenizing")
        train = limit(train, data_args.max_train_samples)
        evaluation = None
        if held_out is not None:
            held_out = limit(Dataset.from_dict({"text": held_out}), data_args.max_eval_samples)  # before tokenizing
            evaluation = held_out.map(encode, batched=True, remove_columns=["text"], desc="Tokenizing")
    return tokenizer, model, train, evaluation, data


def _texts_read(raw, columns, read: int, kept: int, validation: list[str] | None, data_args) -> PretrainingData:
    """Which texts went where (for the card): ``read`` texts, ``kept`` of them after the
    held-out share was cut, or the validation split's beside them."""
    from_split = len(raw["train"]) * (2 if columns.text_pair else 1)  # as split_texts streams them
    if validation is not None:
        held_out, source = len(validation), "validation"
    elif kept < read:
        held_out, source = read - kept, f"train[:{data_args.validation_split_percentage}%]"
    else:
        held_out, source = 0, None
    return PretrainingData(raw, columns, from_split, read - from_split, held_out, source)


def _held_out(texts: list[str], validation: list[str] | None, data_args, training_args):
    """The texts to train on and those to measure perplexity on: the validation split's, else
    the first --validation_split_percentage of the texts (as transformers' run_mlm.py takes
    them; the same whether or not this run evaluates, so that a resumed run learns the same
    vocabulary), else none, and then no evaluation."""
    percentage = data_args.validation_split_percentage
    if not 0 <= percentage < 100:
        raise ValueError(f"--validation_split_percentage {percentage} must lie in [0, 100)")
    if validation is None and len(texts) * percentage // 100 >= 1:
        cut = len(texts) * percentage // 100
        validation, texts = texts[:cut], texts[cut:]
        logger.info("perplexity on the first %s texts (%s%%), held out of training: the data has no validation split",
                    f"{cut:,}", percentage)
    if validation is None and training_args.do_eval:
        if getattr(training_args, "do_eval_given", False):
            raise ValueError("--do_eval needs a validation split, or --validation_split_percentage above 0")
        logger.info("no perplexity during training: no validation split and no texts held out")
        training_args.eval_strategy = IntervalStrategy.NO
        training_args.do_eval = False
    return texts, validation if training_args.do_eval else None


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


def _build_tokenizer(texts, model_args, data_args, adaptations=None):
    tokenizer = new_tokenizer(texts, model_args, data_args, adaptations)
    tokenizer.add_special_tokens({"mask_token": MASK})
    return tokenizer


def _build_model(model_args, data_args, tokenizer, texts, adaptations=None):
    from .modeling_sincos_cls import SinCosClsForMaskedLM

    return new_model(SinCosClsForMaskedLM, model_args, data_args, tokenizer, texts, adaptations,
                     type_vocab_size=model_args.type_vocab_size or 0, sparse_prediction=True)
