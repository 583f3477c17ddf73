"""The recipe: from what a user asked for and what their data is like, every setting a run uses.

The arguments are parsed once and never written again. ``plan_classification`` (and
``plan_pretraining`` for ``run_mlm.py``) is one function from (the parsed arguments,
``DataFacts``: statistics measured on the data) to a frozen ``RunPlan``: the arguments as the run
uses them (copies, with every derived value filled in) and, for each value the recipe derived,
the reason it was chosen. The jobs execute the plan; the log and the model card render it.

The rules, in the order a run meets them:

- tasks: without ``--do_train/--do_eval/--do_predict``, each split present is used;
- validation: the data wing holds out ``--validation_split_percentage`` of the training split
  when the data has no validation split (``data.hold_out_validation``); evaluation and the best
  checkpoint need a validation split, and regression and multi-label data keep their own metric;
- tokenizer: characters for scripts written without spaces, GloVe-style words otherwise
  (``tokenization.detect_tokenizer_mode``, a statistic of the training texts);
- word vectors: GloVe 6B 50d for word tokens, none for character tokens (and none where they
  cover fewer than ``--min_vector_coverage`` of the training tokens, found while building);
- n-gram bag: a new classifier gets a linear bag of hashed n-grams beside the encoder
  (``NGRAM_BAG_BUCKETS`` rows; 1-2-grams of words, 1-3-grams of characters), none for regression,
  and for short texts of word tokens ``WORD_DROPOUT`` of the word vectors zeroed in training;
- embedding learning rate: faster for a new classifier's embeddings without word vectors;
- ``max_seq_length``: the ``LENGTH_PERCENTILE``-th percentile of the training texts' token
  counts, within what the model reads;
- epochs: ``RECIPE_EPOCHS``, or more on small data so that training takes ``MIN_TRAINING_STEPS``;
- batches of similar length together (with dynamic padding).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .word_vectors import GLOVE_DEFAULT

logger = logging.getLogger(__name__)

RECIPE_EPOCHS = 4
# Small training sets get more epochs, up to MAX_EPOCHS, so that training takes at least this
# many optimisation steps (model_card.md, "How the recipe adapts", has the measurement: with
# the n-gram bag, 4 epochs of a few thousand texts left topic labels underfitted).
MIN_TRAINING_STEPS = 1000
MAX_EPOCHS = 20
# max_seq_length when not given: this percentile of the training texts' lengths in tokens,
# rounded up to a multiple of 8, within the model's positions.
LENGTH_PERCENTILE = 99
# Texts whose token counts the length rule reads (the first ones of the training split).
LENGTH_SAMPLE = 20_000
# The longest input a model of this package is built for (--max_seq_length and
# --max_position_embeddings): attention's memory grows with its square, 8,192 tokens take about
# 1 GiB a text and layer at the recipe's 4 heads, and no recipe setting comes near it.
MAX_POSITIONS = 8192
# A new classifier's n-gram bag (model card, "How the recipe adapts", has the measurements): rows
# of per-label weights that hashed n-grams share, and the longest n-gram by tokenizer mode (Chinese
# words are mostly two characters, so characters count up to three, as the TF-IDF baseline does).
NGRAM_BAG_BUCKETS = 2**18
NGRAM_BAG_ORDER = {"word": 2, "char": 3}
# The bag holds buckets x labels weights: many labels get fewer buckets (a power of two), so that
# it stays within this many (16 MiB of float32).
NGRAM_BAG_MAX_WEIGHTS = 2**22
# Word dropout for a new classifier of short texts in word tokens, beside the bag: the bag memorises
# a short text's n-grams within two epochs, and zeroing this share of the encoder's word vectors
# keeps the encoder learning beside it. On long texts (WORD_DROPOUT_MAX_LENGTH tokens and more, at
# LENGTH_PERCENTILE) and on character tokens it lost (model card, "How the recipe adapts").
WORD_DROPOUT = 0.1
WORD_DROPOUT_MAX_LENGTH = 128
# The embeddings' own learning rate (and the n-gram bag's, which shares their group): gentle for
# pretrained word vectors, faster for embeddings a new classifier learns from random (the Chinese
# reviews gained 1.3 points on each of 3 seeds at 1e-2; model card, "How the recipe adapts").
EMBEDDING_LEARNING_RATE = 3e-3
EMBEDDING_LEARNING_RATE_RANDOM = 1e-2


@dataclass(frozen=True)
class Choice:
    """One value the recipe settled, and why (the line the log and the model card show)."""

    what: str
    value: object
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass(frozen=True)
class DataFacts:
    """What the recipe reads of the data, measured once before anything is decided.

    ``splits`` holds the rows of each split after the ``--max_*_samples`` limits and the
    held-out cut; ``token_lengths`` the token counts of the first ``LENGTH_SAMPLE`` training
    texts (or of the first split without one) under the run's tokenizer; ``model_limit`` the most
    tokens the model reads and what sets it."""

    splits: Mapping[str, int]
    problem_type: str
    label_names: tuple[str, ...] = ()
    train_label_counts: tuple[int, ...] | None = None
    has_pairs: bool = False
    held_out: str | None = None
    token_lengths: tuple[int, ...] = ()
    model_limit: tuple[str, int] = ("", MAX_POSITIONS)
    tokenizer: Choice | None = None  # a new tokenizer's mode and why (``jobs.new_tokenizer``)
    model_source: str = "new"  # "new", "saved" (--model_name_or_path) or the checkpoint resumed from


@dataclass(frozen=True)
class RunPlan:
    """Everything a run uses: the arguments as parsed, with each derived value filled in (new
    objects: the parsed ones stay as the user gave them), the class weights, and the choices."""

    model_args: object
    data_args: object
    training_args: object
    choices: tuple[Choice, ...]
    class_weights: tuple[float, ...] | None = None

    def notes(self) -> dict[str, str]:
        """What was chosen and why, by name: the model card's "How the recipe adapted" list."""
        return {choice.what: choice.reason for choice in self.choices}

    def log(self) -> None:
        for choice in self.choices:
            logger.info("recipe: %s", choice)

    def with_choice(self, choice: Choice, **model_args) -> RunPlan:
        """This plan with one more (or a replaced) choice, and ``model_args`` changed to match:
        what building the model found (the word vectors skipped for too little coverage) or
        training settled (the multi-label threshold)."""
        names = [c.what for c in self.choices]
        choices = list(self.choices)
        if choice.what in names:
            choices[names.index(choice.what)] = choice
        else:
            choices.append(choice)
        logger.info("recipe: %s", choice)
        changed = _copy(self.model_args, **model_args) if model_args else self.model_args
        return dataclasses.replace(self, choices=tuple(choices), model_args=changed)

    def with_vectors(self, choice: Choice | None) -> RunPlan:
        """This plan with the word vectors the new model was built on (``jobs.new_model``'s choice);
        vectors skipped for too little coverage leave random embeddings, which the recipe's own
        embedding learning rate follows."""
        if choice is None:
            return self
        plan = self.with_choice(choice, glove=choice.value)
        rate = plan.notes().get("embedding learning rate")
        if choice.value == "none" and rate is not None and plan.model_args.embedding_learning_rate != \
                EMBEDDING_LEARNING_RATE_RANDOM:
            plan = plan.with_choice(_random_embeddings_rate(), embedding_learning_rate=EMBEDDING_LEARNING_RATE_RANDOM)
        return plan


def _copy(arguments, **changes):
    """``arguments`` with ``changes``, a new object (``dataclasses.replace``, which runs the
    arguments' own checks again: one that refuses the combination is the user's to change)."""
    try:
        return dataclasses.replace(arguments, **changes)
    except InputError:
        raise
    except ValueError as error:  # TrainingArguments' checks, e.g. a scheduler that needs evaluation
        raise InputError(str(error).strip().splitlines()[0]) from error


def _new_model_fields(model_args, facts: DataFacts, choices: list, segments: int) -> dict:
    """What a new model's arguments settle: the tokenizer mode measured, the word vectors for
    it, the segment embeddings. A resumed or saved model keeps its own (the resume is noted)."""
    if facts.model_source not in ("new", "saved"):
        choices.append(Choice("resume", facts.model_source, f"the tokenizer and model config of "
                                                            f"{facts.model_source}, which the data is read with"))
    if facts.model_source != "new":
        return {}
    choices.append(facts.tokenizer)
    mode = facts.tokenizer.value
    fields = {"tokenizer": mode, **_word_vectors(model_args, mode, choices)}
    fields["type_vocab_size"] = segments if model_args.type_vocab_size is None else model_args.type_vocab_size
    return fields


def model_limit(positions: int, tokenizer_length: int) -> tuple[str, int]:
    """The most tokens a model reads, and what sets it: its positions (max_position_embeddings),
    its tokenizer's model_max_length or MAX_POSITIONS (a tampered or foreign config may claim
    any number)."""
    limits = {f"max_position_embeddings {positions:,}": positions,
              f"its tokenizer's model_max_length {tokenizer_length:,}": tokenizer_length,
              f"this package's MAX_POSITIONS {MAX_POSITIONS:,}": MAX_POSITIONS}
    return min(limits.items(), key=lambda item: item[1])


def new_model_positions(model_args, data_args) -> int:
    """A new model's max_position_embeddings, which is also its tokenizer's model_max_length:
    the flag's, or a longer --max_seq_length; either at most ``MAX_POSITIONS``."""
    positions = model_args.max_position_embeddings
    if isinstance(positions, bool) or not isinstance(positions, int) or positions < 1:
        raise InputError(f"--max_position_embeddings {positions!r}: must be a whole number of at least 1")
    if positions > MAX_POSITIONS:
        raise InputError(f"--max_position_embeddings {positions}: at most {MAX_POSITIONS:,}, the longest input a "
                         "model of this package is built for")
    return max(positions, data_args.max_seq_length or 0)


def measure_data(raw, columns, tokenizer, limit: tuple[str, int], *, held_out: str | None = None,
                 tokenizer_choice: Choice | None = None, model_source: str = "new") -> DataFacts:
    """The ``DataFacts`` of ``raw`` (a DatasetDict with ``columns``) read with ``tokenizer``."""
    from .data import reference_split

    train = raw.get("train")
    counts = None
    if train is not None and not columns.is_regression:
        tally = np.zeros(len(columns.label_names), dtype=np.int64)
        for label in train["label"]:
            if label is not None:
                np.add.at(tally, np.asarray(label, dtype=np.int64).reshape(-1), 1)
        counts = tuple(int(n) for n in tally)
    split = reference_split(raw)
    rows = split.select(range(min(LENGTH_SAMPLE, len(split))))
    pairs = (list(rows[columns.text_pair]),) if columns.text_pair else ()
    encoded = tokenizer(list(rows[columns.text]), *pairs, truncation=False, verbose=False)
    problem = ("regression" if columns.is_regression else
               "multi_label_classification" if columns.is_multi_label else "single_label_classification")
    return DataFacts(
        splits={name: len(ds) for name, ds in raw.items()}, problem_type=problem,
        label_names=tuple(columns.label_names or ()), train_label_counts=counts, has_pairs=bool(columns.text_pair),
        held_out=held_out, token_lengths=tuple(len(ids) for ids in encoded["input_ids"]), model_limit=limit,
        tokenizer=tokenizer_choice, model_source=model_source,
    )


# -- classification ----------------------------------------------------------------------------

def plan_classification(model_args, data_args, training_args, facts: DataFacts) -> RunPlan:
    """The classification job's plan (``glue_job.run`` executes it)."""
    choices = []
    do_train, do_eval, do_predict = _tasks(training_args, facts, choices)
    training = {"do_train": do_train, "do_eval": do_eval, "do_predict": do_predict}
    if facts.held_out is not None:
        choices.append(Choice("validation", facts.held_out, facts.held_out))
    training.update(_evaluation(training_args, facts, do_train, choices, data_args.task_name))
    model = _new_model_fields(model_args, facts, choices, segments=2 if facts.has_pairs else 0)
    if facts.model_source == "new":
        model.update(_ngram_bag(model_args, facts, model["tokenizer"], choices))
        model.update(_word_dropout(model_args, facts, model["ngram_bag_buckets"], model["tokenizer"], choices))
    model.update(_embedding_learning_rate(model_args, facts, model.get("glove"), choices))
    data = {"max_seq_length": _max_seq_length(data_args, facts, choices)}
    if do_train:
        training.update(_epochs(training_args, facts.splits.get("train", 0), choices))
    training.update(_batching(data_args, training_args))
    weights = None
    if training_args.class_weight is not None and do_train:
        weights = class_weights(training_args.class_weight, facts, choices)
    return RunPlan(model_args=_copy(model_args, **model), data_args=_copy(data_args, **data),
                   training_args=_copy(training_args, **training), choices=tuple(choices), class_weights=weights)


def _ngram_bag(model_args, facts: DataFacts, tokenizer_mode: str, choices: list) -> dict:
    """A new classifier's n-gram bag where --ngram_bag_buckets / --ngram_bag_order are not given:
    ``NGRAM_BAG_BUCKETS`` rows (fewer for many labels, ``NGRAM_BAG_MAX_WEIGHTS``) of n-grams up to
    ``NGRAM_BAG_ORDER[tokenizer_mode]``; none for regression."""
    buckets, order = model_args.ngram_bag_buckets, model_args.ngram_bag_order
    if buckets is None and facts.problem_type == "regression":
        choices.append(Choice("n-gram bag", 0, "none (regression: the bag scores labels, and was measured on "
                                               "classification only)"))
        return {"ngram_bag_buckets": 0, "ngram_bag_order": order or NGRAM_BAG_ORDER[tokenizer_mode]}
    given, labels = buckets is not None, max(1, len(facts.label_names))
    if buckets is None:
        buckets = min(NGRAM_BAG_BUCKETS, 2 ** int(math.log2(NGRAM_BAG_MAX_WEIGHTS // labels)))
    order_given, order = order is not None, order or NGRAM_BAG_ORDER[tokenizer_mode]
    if buckets == 0:
        choices.append(Choice("n-gram bag", 0, "none (--ngram_bag_buckets 0, the blog)"))
    else:
        unit = "characters" if tokenizer_mode == "char" else "words"
        fewer = f" ({labels} labels: at most {NGRAM_BAG_MAX_WEIGHTS:,} weights)" if buckets < NGRAM_BAG_BUCKETS else ""
        why = [f"{buckets:,} buckets" + (" (asked for)" if given else fewer),
               f"1-{order}-grams of {unit}" + (" (asked for)" if order_given else ""),
               "a linear bag of hashed n-grams beside the encoder, added to its logits"]
        choices.append(Choice("n-gram bag", (buckets, order), "; ".join(why)))
    return {"ngram_bag_buckets": buckets, "ngram_bag_order": order}


def _word_dropout(model_args, facts: DataFacts, bag_buckets: int, tokenizer_mode: str, choices: list) -> dict:
    """--word_dropout_prob when not given: ``WORD_DROPOUT`` beside an n-gram bag for short texts
    (``LENGTH_PERCENTILE``-th percentile under ``WORD_DROPOUT_MAX_LENGTH`` tokens) of word tokens,
    else 0 (the blog)."""
    if model_args.word_dropout_prob is not None:
        return {}
    length = float(np.percentile(facts.token_lengths, LENGTH_PERCENTILE)) if facts.token_lengths else 0.0
    if not bag_buckets or tokenizer_mode != "word" or length >= WORD_DROPOUT_MAX_LENGTH:
        why = ("no n-gram bag" if not bag_buckets else "character tokens" if tokenizer_mode != "word" else
               f"long texts, {LENGTH_PERCENTILE}th percentile {length:.0f} tokens, "
               f"at least {WORD_DROPOUT_MAX_LENGTH}")
        choices.append(Choice("word dropout", 0.0, f"none ({why}: measured to help only short texts "
                                                   "of words beside the bag)"))
        return {"word_dropout_prob": 0.0}
    choices.append(Choice("word dropout", WORD_DROPOUT, f"{WORD_DROPOUT:g} of the word vectors zeroed in training "
                                                        f"(short texts, {LENGTH_PERCENTILE}th percentile {length:.0f} "
                                                        f"tokens, beside the n-gram bag, which memorises them early)"))
    return {"word_dropout_prob": WORD_DROPOUT}


def _random_embeddings_rate() -> Choice:
    return Choice("embedding learning rate", EMBEDDING_LEARNING_RATE_RANDOM,
                  f"{EMBEDDING_LEARNING_RATE_RANDOM:g} (no word vectors: the embeddings and the n-gram bag "
                  f"learn from random)")


def _embedding_learning_rate(model_args, facts: DataFacts, glove: str | None, choices: list) -> dict:
    """--embedding_learning_rate when not given: ``EMBEDDING_LEARNING_RATE_RANDOM`` for a new
    classifier without word vectors, else ``EMBEDDING_LEARNING_RATE`` (a saved or resumed model's
    embeddings have been trained already)."""
    if model_args.embedding_learning_rate is not None:
        return {}
    if facts.model_source == "new" and glove is not None and glove.lower() == "none":
        choices.append(_random_embeddings_rate())
        return {"embedding_learning_rate": EMBEDDING_LEARNING_RATE_RANDOM}
    choices.append(Choice("embedding learning rate", EMBEDDING_LEARNING_RATE,
                          f"{EMBEDDING_LEARNING_RATE:g} (" + ("pretrained word vectors" if facts.model_source == "new"
                                                              else "embeddings already trained") + ")"))
    return {"embedding_learning_rate": EMBEDDING_LEARNING_RATE}


def _tasks(training_args, facts: DataFacts, choices: list) -> tuple[bool, bool, bool]:
    """Without any --do_* flag: train, evaluate and predict on whichever splits the data has."""
    if training_args.do_flags_given:
        return training_args.do_train, training_args.do_eval, training_args.do_predict
    splits = facts.splits
    tasks = ("train" in splits, "train" in splits or "validation" in splits, "test" in splits)
    done = [name for name, on in zip(("train", "evaluate", "predict"), tasks) if on]
    choices.append(Choice("tasks", tasks, f"{', '.join(done)} (no --do_* flag: every split the data has)"))
    return tasks


def _evaluation(training_args, facts: DataFacts, do_train: bool, choices: list, task_name: str | None) -> dict:
    """Evaluate each epoch only where there is a validation split; regression keeps the lowest
    loss, multi-label data the best micro-F1 (where the metric is left at accuracy)."""
    changes = {}
    load_best = training_args.load_best_model_at_end
    if "validation" not in facts.splits:
        if training_args.eval_strategy != "no" and do_train:
            choices.append(Choice("evaluation", "no", "none during training: no validation split"))
        # An evaluation schedule set do_eval; only an explicit --do_eval still asks for the split.
        changes = {"eval_strategy": "no", "load_best_model_at_end": False, "do_eval": training_args.do_eval_given}
        load_best = False
    metric = training_args.metric_for_best_model
    if metric == "accuracy" and facts.problem_type == "regression":
        changes.update(metric_for_best_model="loss", greater_is_better=False)
    elif metric == "accuracy" and facts.problem_type == "multi_label_classification":
        changes.update(metric_for_best_model="micro_f1", greater_is_better=True)
        if load_best:
            choices.append(Choice("checkpoint metric", "micro_f1",
                                  "micro_f1 (multi-label data: a text's labels are scored one by one)"))
    if load_best and not task_name:  # a GLUE task reports GLUE's metrics
        check_metric_name(changes.get("metric_for_best_model", metric), facts.problem_type)
    return changes


def check_metric_name(metric: str | None, problem_type: str) -> None:
    """--metric_for_best_model must be a metric the run reports (Trainer would fail after the
    first epoch); accuracy, left as the default, is read as each problem's own metric."""
    from .metrics import METRIC_NAMES

    if metric is None or metric == "accuracy":
        return
    known = ("loss", *METRIC_NAMES[problem_type])
    if metric.removeprefix("eval_") not in known:
        raise InputError(f"--metric_for_best_model {metric}: this run reports {', '.join(known)}")


def _max_seq_length(data_args, facts: DataFacts, choices: list) -> int:
    """--max_seq_length within what the model reads: one given that is longer is cut to it (as
    run_glue does); one not given is the LENGTH_PERCENTILE-th percentile of the training texts'
    token counts, up to a multiple of 8."""
    reason, limit = facts.model_limit
    given = data_args.max_seq_length
    if given is not None:
        if given > limit:
            choices.append(Choice("max_seq_length", limit, f"{limit} tokens (--max_seq_length {given} is more than "
                                                           f"the model reads: {reason})"))
            return limit
        return given
    lengths = facts.token_lengths
    percentile = float(np.percentile(lengths, LENGTH_PERCENTILE)) if lengths else 8.0
    length = min(limit, max(8, 8 * math.ceil(percentile / 8)))
    cut = sum(n > length for n in lengths) / max(1, len(lengths))
    choices.append(Choice("max_seq_length", length, f"{length} tokens ({LENGTH_PERCENTILE}th percentile of the "
                                                    f"training texts {percentile:.0f}, model limit {limit}; {cut:.1%} "
                                                    "of them are cut)"))
    return length


def _epochs(training_args, train_rows: int, choices: list) -> dict:
    """--num_train_epochs when not given: RECIPE_EPOCHS, or enough epochs (at most MAX_EPOCHS)
    for MIN_TRAINING_STEPS optimisation steps."""
    if training_args.num_train_epochs is not None:
        return {}
    if training_args.max_steps > 0:
        return {"num_train_epochs": float(RECIPE_EPOCHS)}  # unused: max_steps rules
    batch = (training_args.per_device_train_batch_size * max(1, training_args.world_size)
             * training_args.gradient_accumulation_steps)
    steps_per_epoch = max(1, math.ceil(train_rows / batch))
    epochs = min(MAX_EPOCHS, max(RECIPE_EPOCHS, math.ceil(MIN_TRAINING_STEPS / steps_per_epoch)))
    choices.append(Choice("epochs", epochs, f"{epochs} ({steps_per_epoch} steps an epoch; {RECIPE_EPOCHS} epochs, "
                                            f"raised on small data toward {MIN_TRAINING_STEPS} steps, at most "
                                            f"{MAX_EPOCHS})"))
    return {"num_train_epochs": float(epochs)}


def _batching(data_args, training_args) -> dict:
    """Length grouping with dynamic padding (not with fixed padding, where every input has one
    length), and DDP told that every parameter takes part in each step."""
    from ._compat import group_by_length_argument

    changes = {}
    if data_args.length_grouping and not getattr(data_args, "pad_to_max_length", False):
        changes.update(group_by_length_argument(training_args))
    if training_args.ddp_find_unused_parameters is None:
        changes["ddp_find_unused_parameters"] = False
    return changes


def class_weights(spec: str, facts: DataFacts, choices: list) -> tuple[float, ...]:
    """--class_weight as one weight per label: 'balanced' from the training rows' counts, or
    label=weight pairs (the others 1). Multi-label weights are BCE's pos_weight."""
    if facts.problem_type == "regression":
        raise InputError("--class_weight weighs classes; regression has none")
    names, multi = list(facts.label_names), facts.problem_type == "multi_label_classification"
    counts = np.asarray(facts.train_label_counts, dtype=np.float64)
    rows = facts.splits["train"]
    if spec.strip().lower() == "balanced":
        if (counts == 0).any():
            raise InputError(f"--class_weight balanced: labels {[n for n, c in zip(names, counts) if not c]} have "
                             "no training row")
        weights = (rows - counts) / counts if multi else rows / (len(names) * counts)
    else:
        weights = np.ones(len(names))
        for pair in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, value = (side.strip() for side in pair.partition("="))
            if name not in names:
                raise InputError(f"--class_weight: {name!r} is not a label of the data; its labels are {names} "
                                 "(or pass 'balanced')")
            try:
                weights[names.index(name)] = float(value)
            except ValueError:
                raise InputError(f"--class_weight: {pair!r} is not label=weight") from None
            if not sep or not weights[names.index(name)] > 0 or not math.isfinite(weights[names.index(name)]):
                raise InputError(f"--class_weight: {pair!r}: a weight is a positive number")
    kind = "positive rows weigh" if multi else "loss weights"
    shown = ", ".join(f"{n} {w:.3g}" for n, w in zip(names, weights))
    choices.append(Choice("class weights", tuple(float(w) for w in weights), f"{spec} ({kind} {shown})"))
    return tuple(float(w) for w in weights)


# -- what both jobs share ----------------------------------------------------------------------

def _word_vectors(model_args, tokenizer_mode: str, choices: list) -> dict:
    """--glove auto: GloVe 6B 50d for word tokens, none for character tokens."""
    vectors = model_args.glove
    if vectors.lower() == "auto":
        if tokenizer_mode == "char":
            choices.append(Choice("word vectors", "none", "none: character tokens, and no registry ships vectors "
                                                          "for them"))
            return {"glove": "none"}
        choices.append(Choice("word vectors", GLOVE_DEFAULT, f"{GLOVE_DEFAULT} (auto: word tokens), kept where they "
                                                             f"cover at least --min_vector_coverage "
                                                             f"{model_args.min_vector_coverage:g} of the training tokens"))
        return {"glove": GLOVE_DEFAULT}
    if vectors.lower() == "none":
        choices.append(Choice("word vectors", "none", "none (asked for): random initialisation"))
        return {"glove": "none"}
    return {}


# -- pre-training ------------------------------------------------------------------------------

def plan_pretraining(model_args, data_args, training_args, facts: DataFacts) -> RunPlan:
    """The pre-training job's plan (``mlm_job.run``): the given length (128 by default), the
    losses only, and no perplexity each epoch where no texts are held out."""
    choices, training = [], {"prediction_loss_only": True}
    if facts.held_out is not None:
        choices.append(Choice("validation", facts.held_out, facts.held_out))
    if "validation" not in facts.splits and training_args.do_eval:
        if training_args.do_eval_given:
            raise InputError("--do_eval needs a validation split, or --validation_split_percentage above 0")
        choices.append(Choice("evaluation", "no", "no perplexity during training: no validation split and no texts "
                                                  "held out"))
        training.update(eval_strategy="no", do_eval=False, load_best_model_at_end=False)
    model = _new_model_fields(model_args, facts, choices, segments=0)
    if model_args.embedding_learning_rate is None:
        model["embedding_learning_rate"] = EMBEDDING_LEARNING_RATE
    training.update(_batching(data_args, training_args))
    return RunPlan(model_args=_copy(model_args, **model), data_args=data_args,
                   training_args=_copy(training_args, **training), choices=tuple(choices))
