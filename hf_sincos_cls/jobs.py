"""What the training jobs share: arguments, data loading, building a new tokenizer and model,
resuming, and the scripts' ``main`` (which prints ``errors.InputError`` as one line).

``glue_job`` (classification, ``scripts/run_glue_style.py``) and ``mlm_job`` (pre-training,
``scripts/run_mlm.py``) are built from these public names. The model's config fields become
flags here, once, from ``SinCosClsConfig``'s own signature and docstring; their defaults are
the config's except where the recipe (``RECIPE_CONFIG``) sets another value.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import logging
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import transformers
from transformers import HfArgumentParser, TrainingArguments

from ._compat import accelerator_available, warmup_ratio_field
from .configuration_sincos_cls import SinCosClsConfig, SinCosClsConfigError
from .data import OFFLINE_CORPORA
from .errors import InputError
from .recipe import MAX_POSITIONS, Choice
from .training import check_checkpoint_files, last_complete_checkpoint

logger = logging.getLogger(__name__)

# The recipe's encoder: the config's defaults (the blog's 512 x 6) but for these, measured on
# two CPU cores (model_card.md, "Results"): 128 wide, 2 blocks, the last 2 summed.
RECIPE_CONFIG = {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512,
                 "pooling_layers": 2}
# Config fields whose flag defaults to None: the recipe sets them from the data (recipe.py), the
# config's own default applies where it does not (pre-training), and a value given is kept.
RECIPE_DECIDES = ("ngram_bag_buckets", "ngram_bag_order", "word_dropout_prob")
# Config fields that are not flags: set from the tokenizer, the word vectors or the data (the
# multi-label threshold from the validation split).
_NOT_FLAGS = ("vocab_size", "pad_token_id", "embedding_size", "type_vocab_size", "sparse_prediction",
              "multi_label_threshold")


@dataclass
class JobTrainingArguments(TrainingArguments):
    """``TrainingArguments`` that read a ``--warmup_steps`` below 1 as a share of all steps on
    every transformers version (5.x does so itself; 4.x has a separate ``warmup_ratio``), with
    the defaults both jobs' recipes share: AdamW's weight decay 0.01, evaluation and a
    checkpoint each epoch, fifty log lines a run, to TensorBoard when it is installed; batches
    are pinned in memory only where there is an accelerator to copy them to. ``--overwrite_output_dir``
    (which transformers 5 dropped) lets a run write into a folder of other files (``errors.output_folder``)."""

    warmup_steps: float = field(default=0, metadata={"help": "Warm-up steps, or below 1 a share of all steps."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (not on biases and norms)."})
    per_device_eval_batch_size: int = field(default=128, metadata={"help": "Evaluation batch size per device."})
    eval_strategy: str = field(default="epoch", metadata={"help": "When to evaluate: no, steps or epoch."})
    save_strategy: str = field(default="epoch", metadata={"help": "When to save a checkpoint: no, steps or epoch."})
    logging_steps: float = field(default=0.02, metadata={"help": "Log every N steps, or below 1 a share of all steps."})
    report_to: None | str | list[str] = field(
        default="tensorboard" if importlib.util.find_spec("tensorboard") else "none",
        metadata={"help": "Where to log: tensorboard (when installed), wandb, none, ..."},
    )
    overwrite_output_dir: bool = field(
        default=False,
        metadata={"help": "Write into a non-empty --output_dir that is not one of this package's runs (it has no "
                          "sincos_cls_run.json), replacing its files of the same names."},
    )
    # What the user asked for, before TrainingArguments turns an evaluation schedule into
    # do_eval=True: whether any --do_* flag was given, and --do_eval itself (not flags).
    do_flags_given: bool = field(default=False, init=False, repr=False)
    do_eval_given: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        self.do_flags_given = bool(self.do_train or self.do_eval or self.do_predict)
        self.do_eval_given = bool(self.do_eval)
        self._check_sizes()
        # Pinned batches copy faster to an accelerator; without one, pinning only warns, each epoch.
        if self.dataloader_pin_memory and not accelerator_available():
            self.dataloader_pin_memory = False
        steps = self.warmup_steps
        if warmup_ratio_field(self):  # transformers 4.x: its check wants an int; a share waits here
            self.warmup_steps = int(steps) if steps >= 1 else 0
            super().__post_init__()
            # A --warmup_ratio given on 4.x wins over a share in warmup_steps (the recipe's 0.1).
            self.warmup_steps = 0 if self.warmup_ratio > 0 and steps < 1 else steps
        else:
            super().__post_init__()

    def _check_sizes(self) -> None:
        """Sizes transformers does not check: a 0 failed in the middle of training, or trained nothing."""
        check_sizes(self, {"per_device_train_batch_size": 1, "per_device_eval_batch_size": 1,
                           "gradient_accumulation_steps": 1})
        if self.num_train_epochs is not None and self.max_steps <= 0 and not self.num_train_epochs > 0:
            raise InputError(f"--num_train_epochs {self.num_train_epochs:g}: must be more than 0")
        if not self.learning_rate >= 0:
            raise InputError(f"--learning_rate {self.learning_rate:g}: must be 0 or more")

    def get_warmup_steps(self, num_training_steps: int) -> int:
        steps = self.warmup_steps
        if 0 < steps < 1:
            return math.ceil(num_training_steps * steps)
        if steps >= 1:
            return int(steps)
        return super().get_warmup_steps(num_training_steps)


def _config_flag_fields() -> list[tuple]:
    """(name, type, field) for each config field that is a flag, in the config's order: the
    config's own signature, with the help it declares (``SinCosClsConfig.field_help``)."""
    fields = []
    for name, parameter in inspect.signature(SinCosClsConfig.__init__).parameters.items():
        if name in ("self", "kwargs") or name in _NOT_FLAGS:
            continue
        default = None if name in RECIPE_DECIDES else RECIPE_CONFIG.get(name, parameter.default)
        kind = type(parameter.default) if parameter.default is not None else str
        text = SinCosClsConfig.field_help.get(name, "").replace("(rule ", "(model card rule ")
        if name in RECIPE_CONFIG:
            text += f" Recipe: {default} (the config's default: {parameter.default})."
        if name in RECIPE_DECIDES:
            kind = kind | None
            text += f" Default: the recipe's choice for the data (the config's default: {parameter.default})."
        fields.append((name, kind, field(default=default, metadata={"help": text})))
    return fields


@dataclass
class _ModelSource:
    """Which model to train: a saved one, or a new one built from the tokenizer, vector and config flags."""

    model_name_or_path: str | None = field(
        default=None, metadata={"help": "A folder or Hub id to continue from; omit to build a new model."}
    )
    trust_remote_code: bool = field(default=False, metadata={"help": "Load Hub code for --model_name_or_path."})
    glove: str = field(
        default="auto",
        metadata={"help": "Word vectors for a new model: 'auto' (GloVe 6B 50d for word tokens, none for character "
                          "tokens), a GloVe/word2vec text file (.txt, .txt.gz, .zip member), 'glove.6B.50d' (from "
                          "PyPI), or 'none' for random initialisation."},
    )
    min_vector_coverage: float = field(
        default=0.5,
        metadata={"help": "Skip the word vectors (with a logged reason) when fewer than this share of the "
                          "training tokens have one; 0 keeps them always."},
    )
    embedding_learning_rate: float | None = field(
        default=None,
        metadata={"help": "The word embeddings' (and the n-gram bag's) own learning rate; give --learning_rate's "
                          "value for one rate. Default: the recipe's choice, 3e-3 with pretrained word vectors, "
                          "1e-2 for a new classifier without them."},
    )
    warmup_hold_steps: float = field(
        default=0, metadata={"help": "Steps (or a ratio below 1) held at the peak rate after warm-up (model card rule 9)."}
    )
    tokenizer_max_vocab: int = field(default=30000, metadata={"help": "Largest vocabulary for a new tokenizer."})
    tokenizer_min_frequency: int = field(default=1, metadata={"help": "Rarest word kept in a new tokenizer."})
    tokenizer: str = field(
        default="auto",
        metadata={"help": "A new tokenizer's tokens: 'word' (split like GloVe 6B), 'char' (one token per character "
                          "of Chinese, Japanese, Thai..., other words whole) or 'auto' (char when most words of the "
                          "training texts are in such scripts)."},
    )
    type_vocab_size: int | None = field(
        default=None, metadata={"help": "Segment embeddings; default 2 for sentence pairs, else 0."}
    )


def _config_fields(self) -> dict:
    """The SinCosClsConfig fields these arguments set."""
    values = {name: getattr(self, name) for name, _, _ in _config_flag_fields()}
    values = {name: value for name, value in values.items() if not (name in RECIPE_DECIDES and value is None)}
    act = values.get("attention_projection_act")
    if isinstance(act, str) and act.lower() in ("none", "null", ""):
        values["attention_projection_act"] = None
    return values


ModelArguments = dataclasses.make_dataclass(
    "ModelArguments", _config_flag_fields(), bases=(_ModelSource,), namespace={"config_fields": _config_fields},
)
ModelArguments.__module__ = __name__
ModelArguments.__doc__ = ("Which model to train: a saved one, or a new one; every SinCosClsConfig field that "
                          "is not derived from the data is a flag, with the recipe's default.")

def check_sizes(arguments, least: dict[str, int]) -> None:
    """``InputError`` naming the flag when one of ``least``'s fields (None: not given) is not a
    whole number of at least its value; fields that ``arguments`` lacks are skipped."""
    for name, smallest in least.items():
        value = getattr(arguments, name, None)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
            raise InputError(f"--{name} {value!r}: must be a whole number of at least {smallest}")


@dataclass
class DataTrainingArguments:
    """Which data, and how it becomes model inputs (run_glue's names where the meaning is the same)."""

    corpus: str | None = field(
        default=None, metadata={"help": f"An offline corpus: {', '.join(sorted(OFFLINE_CORPORA))}."}
    )
    task_name: str | None = field(default=None, metadata={"help": "A GLUE task (from the Hub): cola, sst2, ..."})
    dataset_name: str | None = field(default=None, metadata={"help": "A dataset on the Hub."})
    dataset_config_name: str | None = field(default=None)
    train_file: str | None = field(
        default=None, metadata={"help": "A csv, tsv or json/jsonl training file (UTF-8, GBK/GB18030 or Big5); for "
                                        "pre-training also a .txt file, one text a line."}
    )
    validation_file: str | None = field(default=None)
    test_file: str | None = field(default=None)
    text_column_names: str | None = field(
        default=None, metadata={"help": "Text column(s) of local files, comma-separated (two for sentence pairs)."}
    )
    label_column_name: str = field(
        default="label",
        metadata={"help": "The label column of local files; several, comma-separated, for multi-label data with "
                          "one 0/1 column per label (toxic,obscene,insult)."},
    )
    max_seq_length: int | None = field(
        default=None, metadata={"help": f"Longer inputs are truncated (at most {MAX_POSITIONS:,}). Default: the "
                                        "model's positions."}
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "Train on the first N training rows only."})
    max_eval_samples: int | None = field(default=None, metadata={"help": "Only the first N validation rows."})
    max_predict_samples: int | None = field(default=None, metadata={"help": "Only the first N test rows."})
    length_grouping: bool = field(
        default=True, metadata={"help": "Batch examples of similar length together (with dynamic padding)."}
    )

    def __post_init__(self):
        # Checked before any data is read: a 0 trained on empty inputs, or named the split, not the flag.
        check_sizes(self, {"max_seq_length": 1, "max_train_samples": 1, "max_eval_samples": 1,
                           "max_predict_samples": 1, "early_stopping_patience": 1})
        if self.max_seq_length is not None and self.max_seq_length > MAX_POSITIONS:
            raise InputError(f"--max_seq_length {self.max_seq_length}: at most {MAX_POSITIONS:,} tokens, the longest "
                             "input a model of this package is built for")
        percentage = getattr(self, "validation_split_percentage", 0)  # the jobs' subclasses have it
        if isinstance(percentage, bool) or not isinstance(percentage, int) or not 0 <= percentage <= 99:
            raise InputError(f"--validation_split_percentage {percentage}: a whole number from 0 (hold nothing out) "
                             "to 99")

    def source(self):
        """The one data source named, or a clear error."""
        named = [name for name in ("corpus", "task_name", "dataset_name") if getattr(self, name)]
        if self.train_file or self.validation_file or self.test_file:
            named.append("train_file/validation_file/test_file")
        if len(named) != 1:
            raise InputError(
                "name exactly one data source: --corpus, --task_name, --dataset_name, or local files "
                f"(--train_file ...); got {named or 'none'}"
            )
        return named[0]


def parse_job_args(dataclass_types, argv: list[str] | None, default_args: list[str]):
    """A job's flags (``sys.argv[1:]`` when ``argv`` is None) or a single ``.json`` file of
    arguments, parsed into ``dataclass_types``; no flags at all means ``default_args``."""
    argv = sys.argv[1:] if argv is None else argv
    parser = HfArgumentParser(dataclass_types)
    if len(argv) == 1 and argv[0].endswith(".json"):
        path = Path(argv[0])
        arguments = _argument_file(path)
        try:
            return parser.parse_dict(arguments)
        except ValueError as error:  # an unknown key, or a value a dataclass refuses
            raise InputError(f"argument file {path}: {error}") from None
    try:
        return parser.parse_args_into_dataclasses(args=argv or default_args)
    except InputError:
        raise
    except ValueError as error:  # TrainingArguments' own checks of the flags' values
        raise InputError(str(error)) from error


def _argument_file(path: Path) -> dict:
    """The object in a ``.json`` arguments file; what is wrong with it names the file (and the
    line and column of a JSON error, which json's own message leaves without a file name)."""
    if path.is_dir():
        raise InputError(f"argument file {path} is a folder, not a file")
    if not path.is_file():
        raise InputError(f"argument file {path} does not exist")
    try:
        arguments = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise InputError(f"argument file {path} is not valid JSON: {error.msg} at line {error.lineno}, column "
                         f"{error.colno}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"argument file {path} is not UTF-8 ({error})") from None
    if not isinstance(arguments, dict):
        raise InputError(f"argument file {path} holds a JSON {type(arguments).__name__}; it needs one object of "
                         'flag names and values ({"train_file": "train.csv", ...})')
    return arguments


def _how_to_resume(arguments) -> str:
    """After Ctrl-C: the flag that continues the run, and from which checkpoint."""
    training_args = next((a for a in arguments if isinstance(a, TrainingArguments)), None)
    checkpoint = last_complete_checkpoint(training_args.output_dir) if training_args is not None else None
    if checkpoint is None:
        return "no checkpoint was saved yet; run the same command again to start over"
    return f"run the same command with --resume_from_checkpoint last to continue from {checkpoint}"


def script_main(parse_args: Callable, run: Callable) -> int:
    """A job script's body: parse, run, and turn bad input into one line on stderr and exit
    code 2, Ctrl-C into one line on how to resume and exit code 130 (128 + SIGINT, as a shell
    reports it); errors during training keep their traceback."""
    try:
        arguments = parse_args()
    except InputError as error:  # an unreadable arguments file, or a flag's value a dataclass refuses
        print(f"error: {error}", file=sys.stderr)
        return 2
    log_to_stdout()
    try:
        run(*arguments)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: {_how_to_resume(arguments)}", file=sys.stderr)
        return 130
    return 0


def log_to_stdout() -> None:
    """A command's log handler: timestamped lines on stdout. Called by the scripts (and the
    benchmark), never by the jobs themselves, so that a program calling ``run`` keeps its own."""
    logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", datefmt="%H:%M:%S",
                        handlers=[logging.StreamHandler(sys.stdout)], force=True)


def setup_logging(training_args: TrainingArguments) -> None:
    """Log levels for a job: the package's INFO messages in the main process (WARNING in the
    others), transformers' warnings. Where they go is the caller's choice (``log_to_stdout``)."""
    level = logging.INFO if training_args.should_log else logging.WARNING
    logging.getLogger("hf_sincos_cls").setLevel(level)
    transformers.utils.logging.set_verbosity_warning()


def load_data(data_args: DataTrainingArguments, require_labels: bool = True, label_separator: str | None = None):
    """The DatasetDict that ``data_args`` names (an offline corpus, GLUE, the Hub or local files);
    ``require_labels=False`` also reads local files of text alone, ``label_separator`` splits a
    label cell into several labels (``load_corpus``)."""
    from .data import load_corpus

    kind = data_args.source()
    columns = data_args.text_column_names.split(",") if data_args.text_column_names else None
    if kind in ("corpus", "task_name"):
        if label_separator is not None:
            raise InputError(f"--label_separator reads labels of local files and Hub data sets; {kind} "
                             f"{data_args.corpus or data_args.task_name} has its own")
        return load_corpus(data_args.corpus if kind == "corpus" else f"glue/{data_args.task_name}")
    labels = [name.strip() for name in data_args.label_column_name.split(",")]
    options = {"text_columns": columns, "label_column": labels if len(labels) > 1 else labels[0],
               "label_separator": label_separator, "require_labels": require_labels}
    if kind == "dataset_name":
        return load_corpus(data_args.dataset_name, data_args.dataset_config_name, **options)
    files = {split: getattr(data_args, f"{split}_file") for split in ("train", "validation", "test")}
    try:
        return load_corpus({split: path for split, path in files.items() if path}, **options)
    except (PermissionError, IsADirectoryError) as error:  # a file (or the cache beside it) we may not read
        raise InputError(f"cannot read {error.filename}: {error.strerror}") from error


def limit(dataset, n: int | None):
    """The first ``n`` rows of ``dataset`` (all of them when ``n`` is None)."""
    return dataset.select(range(min(n, len(dataset)))) if n is not None else dataset


def split_texts(split, columns):
    """Every text of a split, pair column included, as one stream."""
    return (text for column in (columns.text, columns.text_pair) if column for text in split[column])


def resume_checkpoint(training_args: TrainingArguments):
    """The checkpoint --resume_from_checkpoint names ("last": the newest complete one), its state
    files checked, or None when the run does not train."""
    checkpoint = training_args.resume_from_checkpoint
    # Without any --do_* flag the recipe decides to train only once it has read the data, and by
    # then it needs the checkpoint (its tokenizer reads the data): found here, used if it trains.
    deciding_later = not getattr(training_args, "do_flags_given", True)  # a plain TrainingArguments: as given
    if checkpoint is None or not (training_args.do_train or deciding_later):
        return None
    if checkpoint.lower() in ("true", "last"):
        found = last_complete_checkpoint(training_args.output_dir)
        if found is None:
            raise InputError(f"--resume_from_checkpoint {checkpoint}: no complete checkpoint-* folder in "
                             f"{training_args.output_dir}")
        checkpoint = found
    elif not Path(checkpoint).is_dir():
        raise InputError(f"--resume_from_checkpoint {checkpoint}: no such folder")
    check_checkpoint_files(checkpoint)
    return checkpoint


def new_tokenizer(texts: list[str], model_args, model_max_length: int):
    """A tokenizer trained on ``texts`` with the tokenizer flags, cut at ``model_max_length``
    (the new model's positions), and its mode with the reason (``--tokenizer auto`` is settled
    from the texts' writing: ``tokenization.detect_tokenizer_mode``)."""
    from .tokenization import SPECIAL_TOKENS, build_tokenizer, detect_tokenizer_mode

    # build_tokenizer's own refusals name its parameters, not the flags.
    check_sizes(model_args, {"tokenizer_max_vocab": len(SPECIAL_TOKENS) + 1, "tokenizer_min_frequency": 1})
    choice = detect_tokenizer_mode(texts, model_args.tokenizer)
    tokenizer = build_tokenizer(
        texts,
        max_vocab_size=model_args.tokenizer_max_vocab,
        min_frequency=model_args.tokenizer_min_frequency,
        char_level=choice.mode == "char",
        model_max_length=model_max_length,
    )
    return tokenizer, Choice("tokenizer", choice.mode, f"{choice.mode} ({choice.reason})")


def new_model(model_class, model_args, tokenizer, texts: list[str], positions: int, **config_fields):
    """A new ``model_class`` from the config flags of ``model_args`` (a plan's: ``glove`` is
    settled, ``auto`` no more) plus ``config_fields``, with ``positions`` positions, its word
    embeddings initialised from ``glove`` unless fewer than ``--min_vector_coverage`` of the
    tokens of ``texts`` have a vector. Returns the model, the vectors' coverage (None when none
    were looked up) and what was used, as a ``Choice`` (None when the plan already says it)."""
    try:
        config = SinCosClsConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **config_fields,
                                 **{**model_args.config_fields(), "max_position_embeddings": positions})
    except SinCosClsConfigError as error:  # a config flag's value the config refuses, named in the message
        raise InputError(str(error)) from error
    vectors = model_args.glove
    if vectors.lower() == "auto":  # a caller's mistake, not the user's: the recipe settles it
        raise ValueError("new_model takes a plan's model arguments (recipe.plan_*), where --glove auto is settled")
    if vectors.lower() == "none":
        return model_class(config), None, None
    from .word_vectors import build_model_with_word_vectors

    model, coverage = build_model_with_word_vectors(config, tokenizer, vectors, texts=texts, model_class=model_class,
                                                    min_token_share=model_args.min_vector_coverage)
    if model is None:
        return model_class(config), coverage, Choice(
            "word vectors", "none", f"none: {vectors} skipped, only {coverage.token_share:.1%} of the training tokens "
                                    f"have a vector (below --min_vector_coverage {model_args.min_vector_coverage:g}); "
                                    "random initialisation")
    return model, coverage, Choice("word vectors", vectors, f"{vectors}: {coverage}")
