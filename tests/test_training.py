"""The schedule and the optimizer that SinCosClsTrainer builds."""

import math

import pytest
import torch
from helpers import tiny_config
from transformers import TrainingArguments, get_cosine_schedule_with_warmup

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.training import SinCosClsTrainer, cosine_schedule_with_warmup_and_hold


def _rates(scheduler, steps):
    rates = []
    for _ in range(steps):
        rates.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return rates


def _optimizer():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)


def test_without_hold_the_schedule_is_transformers_cosine_with_warmup():
    ours = _rates(cosine_schedule_with_warmup_and_hold(_optimizer(), 10, 100), 100)
    theirs = _rates(get_cosine_schedule_with_warmup(_optimizer(), 10, 100), 100)
    assert ours == pytest.approx(theirs)


def test_hold_keeps_the_peak_then_decays_by_cosine_to_zero():
    rates = _rates(cosine_schedule_with_warmup_and_hold(_optimizer(), 10, 100, num_hold_steps=20), 101)
    assert rates[5] == pytest.approx(0.5)  # linear warm-up
    assert rates[10:30] == pytest.approx([1.0] * 20)  # the blog's hold_base_rate_steps
    assert rates[30 + 35] == pytest.approx(0.5 * (1 + math.cos(math.pi * 35 / 70)))
    assert rates[100] == pytest.approx(0.0, abs=1e-12)


def test_warmup_and_hold_longer_than_training_is_refused():
    with pytest.raises(ValueError, match="exceed the 20 training steps"):
        cosine_schedule_with_warmup_and_hold(_optimizer(), 10, 20, num_hold_steps=15)


def test_embedding_learning_rate_gets_its_own_param_group(tmp_path):
    model = SinCosClsForSequenceClassification(tiny_config())
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=5e-4, weight_decay=0.01, report_to="none",
                             use_cpu=True)
    trainer = SinCosClsTrainer(model=model, args=args, embedding_learning_rate=3e-3, warmup_hold_steps=0.2)
    optimizer = trainer.create_optimizer()
    embedding = model.get_input_embeddings().weight
    groups = [g for g in optimizer.param_groups if any(p is embedding for p in g["params"])]
    assert len(groups) == 1 and groups[0]["lr"] == 3e-3 and groups[0]["params"] == [embedding]
    others = [g for g in optimizer.param_groups if g is not groups[0]]
    assert {g["lr"] for g in others} == {5e-4}
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))
    scheduler = trainer.create_scheduler(100, optimizer)
    index = optimizer.param_groups.index(groups[0])
    rates = []
    for _ in range(22):
        rates.append(scheduler.get_last_lr()[index])
        optimizer.step()
        scheduler.step()
    assert rates[:20] == pytest.approx([3e-3] * 20)  # no warm-up, then a hold of 0.2 x 100 steps
    assert rates[21] < 3e-3


def test_batches_are_pinned_only_where_there_is_an_accelerator(tmp_path):
    from hf_sincos_cls.glue_job import parse_args

    accelerator = getattr(torch, "accelerator", torch.cuda).is_available()
    args = ["--corpus", "rotten_tomatoes", "--output_dir", str(tmp_path)]
    assert parse_args(args)[-1].dataloader_pin_memory is accelerator
    assert parse_args([*args, "--no_dataloader_pin_memory"])[-1].dataloader_pin_memory is False  # transformers' flag
