"""Training with transformers' Trainer: the blog's warm-up + cosine schedule, its optional hold
phase, a separate learning rate for the word vectors, class weights in the loss, training and
saving (into a folder held by ``errors.output_folder``), and finding and checking the
checkpoint to resume from."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import pickle
import zipfile
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import Trainer, TrainingArguments, get_cosine_schedule_with_warmup, get_wsd_schedule

from ._compat import numpy_core, optimizer_call_args
from .errors import InputError, OutputError, output_folder

logger = logging.getLogger(__name__)

# What a checkpoint holds besides the model, read back with torch's weights_only loader on resume.
PICKLED_STATE_FILES = ("optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth")


def cosine_schedule_with_warmup_and_hold(optimizer, num_warmup_steps: int, num_training_steps: int,
                                         num_hold_steps: int = 0):
    """Linear warm-up, ``num_hold_steps`` at the peak, then cosine decay to zero (model card rule 9).

    Without a hold this is transformers' ``get_cosine_schedule_with_warmup``; the blog's
    ``WarmUpCosineDecayScheduler`` adds the hold, which is transformers' ``get_wsd_schedule``
    (warm-up, stable, decay; the same parameters on 4.57 and 5.x). Our own lambda for it agreed
    with wsd to 0.0 on every step an optimizer takes, over 1,732 warm-up/hold/total combinations
    on both versions (``tests/test_training.py``), and differed only in the rate logged after
    the last update (wsd's 0 there, where a cosine formula would turn back up): so wsd it is.
    """
    if num_warmup_steps + num_hold_steps > num_training_steps:
        raise InputError(
            f"warm-up ({num_warmup_steps}) + hold ({num_hold_steps}) steps exceed the {num_training_steps} "
            "training steps"
        )
    if num_hold_steps == 0:
        return get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps)
    return get_wsd_schedule(optimizer, num_warmup_steps, num_training_steps - num_warmup_steps - num_hold_steps,
                            num_stable_steps=num_hold_steps, decay_type="cosine")


class SinCosClsTrainer(Trainer):
    """Trainer whose schedule is the warm-up + (hold) + cosine above, whose optimizer can give
    the word embeddings their own learning rate (GloVe rows want a larger step), and whose loss
    can weight the classes (``class_weights``: one weight per label; for multi-label data, the
    weight of each label's positive rows, BCE's ``pos_weight``)."""

    def __init__(self, *args, embedding_learning_rate: float | None = None, warmup_hold_steps: float = 0,
                 class_weights: torch.Tensor | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.embedding_learning_rate = embedding_learning_rate
        self.warmup_hold_steps = warmup_hold_steps
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.class_weights is None or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                        num_items_in_batch=num_items_in_batch)
        inputs = dict(inputs)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs["logits"]
        weights = self.class_weights.to(device=logits.device, dtype=logits.dtype)
        if labels.shape == logits.shape:  # multi-label: a 0/1 row per text
            loss = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), pos_weight=weights)
        else:
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), weight=weights)
        return (loss, outputs) if return_outputs else loss

    def create_optimizer(self, model=None):
        # transformers 5 passes the model to optimise; 4.x calls this without arguments.
        if self.embedding_learning_rate is None or self.optimizer is not None:
            return super().create_optimizer(*optimizer_call_args(model))
        model = self.model if model is None else model
        decay = set(self.get_decay_parameter_names(model))
        # Lookup tables, whose rows each see few updates: the word vectors and the n-gram bag.
        tables = {id(model.get_input_embeddings().weight)}
        if getattr(model, "ngram_bag", None) is not None:
            tables.add(id(model.ngram_bag.weight))
        groups: dict[tuple[bool, bool], list] = {}
        for name, param in model.named_parameters():
            if param.requires_grad:
                groups.setdefault((id(param) in tables, name in decay), []).append(param)
        param_groups = []
        # The encoder's groups first: Trainer logs the first group's rate, which should be --learning_rate.
        for (is_embedding, decays), params in sorted(groups.items(), key=lambda item: item[0][0]):
            group = {"params": params, "weight_decay": self.args.weight_decay if decays else 0.0}
            if is_embedding:
                group["lr"] = self.embedding_learning_rate
            param_groups.append(group)
        optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
        self.optimizer = optimizer_cls(param_groups, **optimizer_kwargs)
        return self.optimizer

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False):
        folder = Path(output_dir or self.args.output_dir)
        if self.args.should_save and folder.name.startswith("checkpoint-"):
            # A step saved again (a new run in a folder of ours): Trainer begins a checkpoint here
            # and writes trainer_state.json last, so the old one goes first, or a save that
            # stops half-way would pass for complete (``is_complete_checkpoint``).
            (folder / "trainer_state.json").unlink(missing_ok=True)
        super().save_model(output_dir, _internal_call=_internal_call)
        if self.args.should_save:
            follow_umask(folder.glob("*.safetensors"))

    def create_scheduler(self, num_training_steps: int, optimizer=None):
        if self.lr_scheduler is None:
            hold = self.warmup_hold_steps
            hold_steps = int(hold) if hold >= 1 else math.ceil(num_training_steps * hold)
            self.lr_scheduler = cosine_schedule_with_warmup_and_hold(
                optimizer if optimizer is not None else self.optimizer,
                self.args.get_warmup_steps(num_training_steps),
                num_training_steps,
                hold_steps,
            )
        return self.lr_scheduler


def follow_umask(paths) -> None:
    """Give ``paths`` the mode a new file gets (0644 under umask 022): safetensors writes through
    a private temporary file and leaves its weights 0600, unlike every other file of a folder."""
    mask = os.umask(0)  # reading the umask means setting it; restored at once
    os.umask(mask)
    for path in paths:
        os.chmod(path, 0o666 & ~mask)


def claim_output_dir(training_args: TrainingArguments, job: str):
    """``errors.output_folder`` for ``--output_dir`` (``--overwrite_output_dir`` lets a run into a
    folder of other files), in the process that saves; the others write nothing of their own."""
    if not training_args.should_save:
        return contextlib.nullcontext()
    return output_folder(training_args.output_dir, job, overwrite=getattr(training_args, "overwrite_output_dir", False))


def _is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error`` or its cause is a full disk. torch's zip writer names no errno: on a full
    disk it says "unexpected pos 704 vs 598" (a short write) or "file write failed"."""
    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if any(words in str(error) for words in ("No space left", "unexpected pos", "file write failed")):
            return True
        error = error.__cause__ or error.__context__
    return False


def _save_failure(trainer: Trainer, error: Exception) -> OutputError | None:
    """What to tell when training stopped while Trainer saved a checkpoint (it is then partial)
    or on a full disk; None for other errors, which keep their traceback."""
    output_dir = trainer.args.output_dir
    partial = Path(output_dir) / f"checkpoint-{trainer.state.global_step}"
    partial = partial if partial.is_dir() and not is_complete_checkpoint(partial) else None
    disk_full = _is_disk_full(error)
    if partial is None and not disk_full:
        return None
    reason = "the disk is full" if disk_full else f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    if partial is not None:
        what = f"saving {partial} failed ({reason}): that checkpoint is partial, and --resume_from_checkpoint " \
               "last skips it"
    else:
        what = f"writing to {output_dir} failed ({reason})"
    fix = "Free space on the disk" if disk_full else "Fix that"
    newest = last_complete_checkpoint(output_dir)
    if newest is None:
        return OutputError(f"{what}; no checkpoint is complete yet. {fix} and run the same command again")
    return OutputError(f"{what}; the newest complete checkpoint is {newest}. {fix} and rerun the same command with "
                       "--resume_from_checkpoint last")


def train_and_save(trainer: Trainer, train_dataset, checkpoint: str | None = None) -> dict:
    """Train (resuming from ``checkpoint`` if given), then save the model, the training metrics
    (logged, and in ``train_results.json``) and the trainer state; returns the metrics. A save
    that fails (a full disk) is an ``OutputError`` naming the partial folder."""
    try:
        train_result = trainer.train(resume_from_checkpoint=checkpoint)
        trainer.save_model()
    except Exception as error:
        failure = _save_failure(trainer, error)
        if failure is not None:
            raise failure from error
        raise
    metrics = {**train_result.metrics, "train_samples": len(train_dataset)}
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)
    trainer.save_state()
    return metrics


def is_complete_checkpoint(path: str | os.PathLike) -> bool:
    """Whether a ``checkpoint-N`` folder was written to the end.

    Trainer writes ``trainer_state.json`` last, so a save that stopped (killed, a full disk)
    leaves a folder without it or with it cut short; it must parse and name step N. (A step
    saved again first loses its old one: ``SinCosClsTrainer.save_model``.)
    """
    folder = Path(path)
    try:
        state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and str(state.get("global_step")) == folder.name.removeprefix("checkpoint-")


def last_complete_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest ``checkpoint-N`` folder that was written to the end (``is_complete_checkpoint``);
    transformers' ``get_last_checkpoint`` would pick a partial one and fail to resume."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    steps = []
    for path in folder.iterdir():
        name = path.name
        if path.is_dir() and name.startswith("checkpoint-") and name[len("checkpoint-"):].isdigit():
            steps.append((int(name[len("checkpoint-"):]), path))
    for _, path in sorted(steps, reverse=True):
        if not is_complete_checkpoint(path):
            logger.warning("skipping %s: it was not written to the end", path)
            continue
        return str(path)
    return None


def _numpy_array_types() -> list:
    """What a pickled numpy array needs beyond tensors: the types Trainer allows when it loads the
    RNG states (transformers' own helper, ``safe_globals``, lives in another module on 4.x and 5.x)."""
    import numpy as np

    core = numpy_core()
    return [core.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]


def load_state_file(path: str | os.PathLike):
    """A checkpoint's pickled state the way Trainer reads it on resume: torch's weights_only
    loader with numpy's array types allowed; mapped, not read, where the file is torch's zip format."""
    with torch.serialization.safe_globals(_numpy_array_types()):
        return torch.load(path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))


def _refused_global(problem: pickle.UnpicklingError) -> str:
    """What torch's long weights_only message says it refused ("Unsupported global: GLOBAL io.open
    ...", or "Unsupported operand 149" for a plain pickle), in one line."""
    text = str(problem)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].split(". ")[0] if lines else type(problem).__name__


def check_checkpoint_files(checkpoint: str | os.PathLike) -> None:
    """``InputError`` naming the first pickled state file of ``checkpoint`` (optimizer, scheduler,
    scaler, RNG states) that cannot be loaded safely or at all, before any work."""
    for path in sorted(Path(checkpoint).iterdir()):
        if not (path.name in PICKLED_STATE_FILES or path.name.startswith("rng_state_")):
            continue
        try:
            load_state_file(path)
        except pickle.UnpicklingError as problem:
            raise InputError(f"{path} cannot be loaded safely: it holds objects other than tensors and plain values, "
                             f"which torch's weights_only loader refuses ({_refused_global(problem)}); resume from "
                             "another checkpoint, or delete the file to resume without it (that state then starts "
                             "afresh)") from problem
        except (RuntimeError, OSError, EOFError) as problem:
            raise InputError(f"{path} cannot be read ({str(problem).strip().splitlines()[0]}): damaged or cut short; "
                             "resume from another checkpoint") from problem


def _check_same_labels(checkpoint: str, config, label_fields: dict) -> None:
    """``InputError`` naming the difference when the data's labels are not the checkpoint's."""
    problem = label_fields.get("problem_type")
    if problem and config.problem_type and problem != config.problem_type:
        raise InputError(f"{checkpoint} is a {config.problem_type} model and the data is {problem}: resume with the "
                         "data the run started with, or start a new run in another --output_dir")
    if "id2label" not in label_fields:
        return
    saved = [config.id2label[i] for i in range(config.num_labels)]
    data = [label_fields["id2label"][i] for i in range(label_fields["num_labels"])]
    if saved != data:
        raise InputError(f"{checkpoint} was trained for labels {saved}, the data has {data}: resume with the data "
                         "the run started with, or start a new run in another --output_dir")


def resumed_tokenizer_and_model(checkpoint: str, model_class, label_fields: dict | None = None, **load_kwargs):
    """The tokenizer and model ``checkpoint`` holds. A resume reads the data with the vocabulary
    the weights learned, not one rebuilt from data that may have changed since (the ids would
    mean other words); ``label_fields`` (``num_labels``, ``problem_type``, ``id2label``) must be
    the checkpoint's, an ``InputError`` names the difference otherwise."""
    from transformers import AutoConfig

    from .tokenization import load_tokenizer, portable_tokenizer

    if not (Path(checkpoint) / "tokenizer.json").is_file():
        raise InputError(f"{checkpoint} has no tokenizer.json: it cannot be resumed with the vocabulary its weights "
                         "learned")
    config = AutoConfig.from_pretrained(checkpoint, **load_kwargs)
    if label_fields:
        _check_same_labels(checkpoint, config, label_fields)
    tokenizer = portable_tokenizer(load_tokenizer(checkpoint, **load_kwargs))
    model = model_class.from_pretrained(checkpoint, config=config, **load_kwargs)
    logger.info("resuming from %s: its tokenizer (%s tokens) and config, not new ones from the data", checkpoint,
                f"{len(tokenizer):,}")
    return tokenizer, model
