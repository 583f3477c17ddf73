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


def _schedule_cases() -> list[tuple[int, int, int]]:
    """(warm-up, hold, total) steps: a few given as counts, and every total up to 59 with warm-up
    and hold given as counts or as shares of the steps, rounded up as SinCosClsTrainer and
    TrainingArguments.get_warmup_steps round them (hold 0 included)."""
    cases = {(10, 20, 100), (0, 5, 10), (3, 0, 10), (0, 0, 10), (1, 1, 2), (0, 10, 10), (5, 5, 10), (1, 0, 1),
             (0, 1, 1), (2, 3, 7), (100, 400, 1000)}
    for total in range(1, 60):
        for warmup_share in (0, 0.05, 0.1, 0.5, 1, 3):
            for hold_share in (0, 0.1, 0.2, 0.5, 0.9, 1, 2):
                warmup, hold = (int(share) if share >= 1 else math.ceil(total * share)
                                for share in (warmup_share, hold_share))
                if warmup + hold <= total:
                    cases.add((warmup, hold, total))
    return sorted(cases)


def test_the_hold_is_transformers_wsd_and_matches_a_hand_written_cosine_on_every_step_trained():
    """The schedule with a hold is get_wsd_schedule: against the cosine formula written out, the
    same rate on every step an optimizer takes (0 to total - 1), on 1,732 warm-up/hold/totals;
    without a hold it is get_cosine_schedule_with_warmup's."""
    from transformers import get_wsd_schedule

    def factors(scheduler, steps):  # what LambdaLR multiplies the rate by at each step
        return [scheduler.lr_lambdas[0](step) for step in range(steps)]

    def formula(step, warmup, hold, total):
        if step < warmup:
            return step / max(1, warmup)
        if step < warmup + hold:
            return 1.0
        return 0.5 * (1.0 + math.cos(math.pi * (step - warmup - hold) / max(1, total - warmup - hold)))

    cases = _schedule_cases()
    assert len(cases) == 1732
    for warmup, hold, total in cases:
        ours = factors(cosine_schedule_with_warmup_and_hold(_optimizer(), warmup, total, hold), total + 2)
        if hold:
            wsd = factors(get_wsd_schedule(_optimizer(), warmup, total - warmup - hold, total), total + 2)
            assert ours == wsd, (warmup, hold, total)
        written = [formula(step, warmup, hold, total) for step in range(total)]
        assert max(abs(a - b) for a, b in zip(ours[:total], written)) <= 1e-12, (warmup, hold, total)
    assert _rates(get_wsd_schedule(_optimizer(), 10, 70, num_training_steps=100), 100) == pytest.approx(
        _rates(cosine_schedule_with_warmup_and_hold(_optimizer(), 10, 100, num_hold_steps=20), 100), abs=1e-12)


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
