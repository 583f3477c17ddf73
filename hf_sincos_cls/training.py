"""Training with transformers' Trainer: the blog's warm-up + cosine schedule, its optional hold
phase, a separate learning rate for the word vectors, class weights in the loss, training and
saving, and finding the checkpoint to resume from."""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import LambdaLR
from transformers import Trainer, get_cosine_schedule_with_warmup

logger = logging.getLogger(__name__)


def cosine_schedule_with_warmup_and_hold(optimizer, num_warmup_steps: int, num_training_steps: int,
                                         num_hold_steps: int = 0):
    """Linear warm-up, ``num_hold_steps`` at the peak, then cosine decay to zero (model card rule 9).

    Without a hold this is exactly transformers' ``get_cosine_schedule_with_warmup``; the
    blog's ``WarmUpCosineDecayScheduler`` adds the hold.
    """
    if num_warmup_steps + num_hold_steps > num_training_steps:
        raise ValueError(
            f"warm-up ({num_warmup_steps}) + hold ({num_hold_steps}) steps exceed the {num_training_steps} "
            "training steps"
        )
    if num_hold_steps == 0:
        return get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps)
    decay_start = num_warmup_steps + num_hold_steps

    def factor(step: int) -> float:
        if step < num_warmup_steps:
            return step / max(1, num_warmup_steps)
        if step < decay_start:
            return 1.0
        progress = (step - decay_start) / max(1, num_training_steps - decay_start)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))

    return LambdaLR(optimizer, factor)


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
            return super().create_optimizer() if model is None else super().create_optimizer(model)
        model = self.model if model is None else model
        decay = set(self.get_decay_parameter_names(model))
        embedding = model.get_input_embeddings().weight
        groups: dict[tuple[bool, bool], list] = {}
        for name, param in model.named_parameters():
            if param.requires_grad:
                groups.setdefault((param is embedding, name in decay), []).append(param)
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


def train_and_save(trainer: Trainer, train_dataset, checkpoint: str | None = None) -> dict:
    """Train (resuming from ``checkpoint`` if given), then save the model, the training metrics
    (logged, and in ``train_results.json``) and the trainer state; returns the metrics."""
    train_result = trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model()
    metrics = {**train_result.metrics, "train_samples": len(train_dataset)}
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)
    trainer.save_state()
    return metrics


def last_complete_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest ``checkpoint-N`` folder that was written to the end.

    Trainer writes ``trainer_state.json`` last, so a run killed while saving leaves a folder
    without it (or with it cut short); transformers' ``get_last_checkpoint`` would pick that
    folder and fail to resume, this skips it.
    """
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    steps = []
    for path in folder.iterdir():
        name = path.name
        if path.is_dir() and name.startswith("checkpoint-") and name[len("checkpoint-"):].isdigit():
            steps.append((int(name[len("checkpoint-"):]), path))
    for _, path in sorted(steps, reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("skipping %s: it was not written to the end", path)
            continue
        return str(path)
    return None
