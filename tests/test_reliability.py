"""Guarantees for jobs that get killed, teams that use several processes, and inputs from anywhere."""

import csv
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import REPO, subprocess_env, tiny_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load_file
from helpers import SCRIPT, TINY, check_ok, run_script
from transformers import AutoModelForSequenceClassification, TrainerCallback, pipeline

from hf_sincos_cls import SinCosClsForSequenceClassification, jobs
from hf_sincos_cls.errors import InputError
from hf_sincos_cls.glue_job import parse_args, run
from hf_sincos_cls.tokenization import build_tokenizer
from hf_sincos_cls.training import is_complete_checkpoint, last_complete_checkpoint

# A job of 24 optimizer steps, checkpointed every 8: long enough to kill in the middle.
JOB = ["--corpus", "bbc_news", "--do_train", "--do_eval", "--glove", "none", "--max_train_samples", "192",
       "--max_eval_samples", "64", "--max_steps", "24", "--save_strategy", "steps", "--save_steps", "8",
       "--eval_strategy", "no", "--learning_rate", "1e-3", "--warmup_steps", "0.1", *TINY]


def _weights(folder):
    return load_file(str(folder / "model.safetensors"))


def _max_weight_difference(a, b):
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    return max(float(np.abs(wa[k] - wb[k]).max()) for k in wa)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "run"
    check_ok(run_script(*JOB, "--output_dir", str(out)))
    return out


KILL_AT_STEP_8 = """
import os, signal, sys
from transformers import TrainerCallback
from hf_sincos_cls.glue_job import parse_args, run

class KillAfterCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == 8:
            os.kill(os.getpid(), signal.SIGKILL)  # as a scheduler or the OOM killer would

run(*parse_args(sys.argv[1:]), callbacks=[KillAfterCheckpoint()])
"""


@pytest.mark.slow
def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path, uninterrupted):
    out = tmp_path / "killed"
    killed = subprocess.run([sys.executable, "-c", KILL_AT_STEP_8, *JOB, "--output_dir", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=600)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert not (out / "model.safetensors").exists()  # it really died before the end

    # The killed run's folder is intact: its checkpoint loads and its state parses.
    checkpoint = out / "checkpoint-8"
    assert json.loads((checkpoint / "trainer_state.json").read_text())["global_step"] == 8
    AutoModelForSequenceClassification.from_pretrained(checkpoint)

    check_ok(run_script(*JOB, "--output_dir", str(out), "--resume_from_checkpoint", "last"))
    # Same seed, same data order, RNG states restored from the checkpoint: equal to float32
    # rounding (measured: 0.0; 1e-6 allows for a different summation order across BLAS builds).
    assert _max_weight_difference(out, uninterrupted) <= 1e-6
    resumed = json.loads((out / "eval_results.json").read_text())
    plain = json.loads((uninterrupted / "eval_results.json").read_text())
    assert resumed["eval_accuracy"] == plain["eval_accuracy"]
    assert resumed["eval_loss"] == pytest.approx(plain["eval_loss"], abs=1e-5)


@pytest.mark.slow
def test_resume_skips_a_checkpoint_that_was_not_written_to_the_end(tmp_path, uninterrupted):
    out = tmp_path / "partial"
    shutil.copytree(uninterrupted, out)
    torn = out / "checkpoint-99"
    torn.mkdir()
    (torn / "model.safetensors").write_bytes(b"cut")  # trainer_state.json never written
    from hf_sincos_cls.training import last_complete_checkpoint

    assert last_complete_checkpoint(out) == str(out / "checkpoint-24")


@pytest.mark.slow
def test_resume_from_missing_checkpoint_is_a_clear_error(tmp_path):
    result = run_script(*JOB, "--output_dir", str(tmp_path / "none"), "--resume_from_checkpoint", "last")
    assert result.returncode == 2 and "no complete checkpoint" in result.stderr


@pytest.mark.slow
def test_same_seed_gives_same_metrics_and_weights(tmp_path, uninterrupted):
    again = tmp_path / "again"
    check_ok(run_script(*JOB, "--output_dir", str(again)))
    assert _max_weight_difference(again, uninterrupted) == 0.0
    assert (json.loads((again / "eval_results.json").read_text())["eval_loss"]
            == json.loads((uninterrupted / "eval_results.json").read_text())["eval_loss"])


# Resuming in-process: the one-command resume, changed data, tampered state, faults ----------

TEXTS = [("a good fun movie", "pos"), ("the plot is dull", "neg"), ("good acting and a fun story", "pos"),
         ("a bad and dull film", "neg")]


def _write_train(path, rows=TEXTS, count=40):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows[i % len(rows)] for i in range(count))
    return path


def _plain(train, out, steps, *extra):
    """The plain command (no --do_* flag: the recipe decides) with a tiny model, a checkpoint every 2 steps."""
    return ["--train_file", str(train), "--output_dir", str(out), "--glove", "none", *TINY, "--max_steps", str(steps),
            "--save_strategy", "steps", "--save_steps", "2", "--eval_strategy", "no", *extra]


@pytest.fixture(scope="module")
def stopped_at_2(tmp_path_factory):
    """A run of the plain command stopped after its checkpoint at step 2 (as if killed), its
    training file beside it; each test resumes a copy."""
    root = tmp_path_factory.mktemp("stopped")
    train = _write_train(root / "train.csv")
    run(*parse_args(_plain(train, root / "out", 2)))
    assert last_complete_checkpoint(root / "out") == str(root / "out" / "checkpoint-2")
    return root


def _copy(stopped, tmp_path):
    shutil.copytree(stopped, tmp_path / "run")
    return tmp_path / "run" / "train.csv", tmp_path / "run" / "out"


class _Steps(TrainerCallback):
    """The optimizer steps a run takes."""

    def __init__(self):
        self.taken = []

    def on_step_end(self, args, state, control, **kwargs):
        self.taken.append(state.global_step)


def test_resume_last_without_any_do_flag_continues_from_the_checkpoint(stopped_at_2, tmp_path):
    train, out = _copy(stopped_at_2, tmp_path)
    steps = _Steps()
    run(*parse_args(_plain(train, out, 4, "--resume_from_checkpoint", "last")), callbacks=[steps])
    assert steps.taken == [3, 4]  # steps 1 and 2 came from checkpoint-2


def test_resume_last_without_any_do_flag_and_no_checkpoint_is_a_clear_error(tmp_path):
    train = _write_train(tmp_path / "train.csv")
    with pytest.raises(InputError, match="--resume_from_checkpoint last: no complete checkpoint-\\* folder in"):
        run(*parse_args(_plain(train, tmp_path / "out", 4, "--resume_from_checkpoint", "last")))


def _vocabulary(folder):
    return json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]


def test_resume_after_the_training_file_changed_reads_it_with_the_checkpoints_tokenizer(stopped_at_2, tmp_path):
    train, out = _copy(stopped_at_2, tmp_path)
    # Two words renamed and one added: a vocabulary rebuilt from this file has other ids and another size.
    renamed = [(text.replace("good", "great").replace("dull", "boring") + " indeed", label) for text, label in TEXTS]
    _write_train(train, renamed)
    learned = _vocabulary(out / "checkpoint-2")
    run(*parse_args(_plain(train, out, 4, "--do_train", "--resume_from_checkpoint", "last")))
    assert _vocabulary(out) == _vocabulary(out / "checkpoint-4") == learned


@pytest.mark.slow
def test_pretraining_resumed_after_the_text_changed_reads_it_with_the_checkpoints_tokenizer(tmp_path):
    from hf_sincos_cls import mlm_job

    text = tmp_path / "text.txt"
    text.write_text("the movie was good and fun\nthe plot was dull\n" * 16)
    args = ["--train_file", str(text), "--output_dir", str(tmp_path / "out"), "--glove", "none", *TINY,
            "--max_steps", "2", "--save_strategy", "steps", "--save_steps", "2"]
    mlm_job.run(*mlm_job.parse_args(args))
    learned = _vocabulary(tmp_path / "out" / "checkpoint-2")
    text.write_text("the film was great and fun indeed\nthe story was boring\n" * 16)
    mlm_job.run(*mlm_job.parse_args([*args, "--max_steps", "4", "--resume_from_checkpoint", "last"]))
    assert _vocabulary(tmp_path / "out") == learned


def test_resume_with_other_labels_is_refused_naming_them(stopped_at_2, tmp_path):
    train, out = _copy(stopped_at_2, tmp_path)
    _write_train(train, [(text, {"pos": "positive", "neg": "negative"}[label]) for text, label in TEXTS])
    with pytest.raises(InputError, match=r"checkpoint-2 was trained for labels \['neg', 'pos'\], the data has "
                                         r"\['negative', 'positive'\]"):
        run(*parse_args(_plain(train, out, 4, "--do_train", "--resume_from_checkpoint", "last")))


@pytest.mark.parametrize("name", ["optimizer.pt", "rng_state.pth"])
def test_a_checkpoint_state_file_that_is_not_plain_tensors_is_named(stopped_at_2, tmp_path, name):
    train, out = _copy(stopped_at_2, tmp_path)
    tripwire = tmp_path / "unpickled.txt"
    torch.save({"state": _Tripwire(str(tripwire))}, out / "checkpoint-2" / name)
    with pytest.raises(InputError) as refused:
        run(*parse_args(_plain(train, out, 4, "--do_train", "--resume_from_checkpoint", "last")))
    assert str(refused.value).startswith(f"{out / 'checkpoint-2' / name} cannot be loaded safely")
    assert len(str(refused.value).splitlines()) == 1 and not tripwire.exists()


def _full_disk_error():
    """The error torch itself raises when a save meets a full disk (/dev/full accepts no byte)."""
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full character device here")
    try:
        torch.save({"weights": torch.zeros(1000)}, "/dev/full")
    except RuntimeError as error:
        return error
    pytest.fail("torch.save to /dev/full did not fail")


@pytest.mark.slow
def test_a_full_disk_while_saving_names_the_partial_checkpoint_and_resume_skips_it(stopped_at_2, tmp_path,
                                                                                    monkeypatch):
    train, out = _copy(stopped_at_2, tmp_path)
    full, real_save = _full_disk_error(), torch.save

    def save(obj, path, *args, **kwargs):
        if "checkpoint-4" in str(path):
            raise full
        return real_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(InputError) as stopped:
        run(*parse_args(_plain(train, out, 6, "--do_train", "--resume_from_checkpoint", "last")))
    message = str(stopped.value)
    assert f"saving {out / 'checkpoint-4'} failed (the disk is full)" in message
    assert f"newest complete checkpoint is {out / 'checkpoint-2'}" in message and len(message.splitlines()) == 1
    assert (out / "checkpoint-4").is_dir() and last_complete_checkpoint(out) == str(out / "checkpoint-2")
    monkeypatch.setattr(torch, "save", real_save)
    run(*parse_args(_plain(train, out, 6, "--resume_from_checkpoint", "last")))
    assert json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())["global_step"] == 6


def test_a_step_saved_again_and_cut_short_is_not_taken_for_complete(stopped_at_2, tmp_path, monkeypatch):
    """A new run (not a resume) into a folder of ours saves checkpoint-2 again; stopped half-way,
    the folder must not pass for complete with the first run's trainer_state.json."""
    train, out = _copy(stopped_at_2, tmp_path)
    full, real_save = _full_disk_error(), torch.save

    def save(obj, path, *args, **kwargs):
        if "checkpoint-2" in str(path):
            raise full
        return real_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(InputError, match=f"saving {out / 'checkpoint-2'} failed"):
        run(*parse_args(_plain(train, out, 4, "--do_train")))
    assert not is_complete_checkpoint(out / "checkpoint-2") and last_complete_checkpoint(out) is None


class _CtrlC(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == 3:
            raise KeyboardInterrupt


def test_ctrl_c_says_how_to_resume_in_one_line_and_exits_130(stopped_at_2, tmp_path, capsys, monkeypatch):
    train, out = _copy(stopped_at_2, tmp_path)
    monkeypatch.setattr(jobs, "log_to_stdout", lambda: None)  # keep pytest's log handlers
    args = _plain(train, out, 6, "--do_train", "--resume_from_checkpoint", "last", "--disable_tqdm", "true")
    code = jobs.script_main(lambda: parse_args(args), lambda *arguments: run(*arguments, callbacks=[_CtrlC()]))
    assert code == 130
    err = capsys.readouterr().err  # above the line: the data sets' progress bars
    assert "Traceback" not in err and err.strip().splitlines()[-1] == (
        f"interrupted: run the same command with --resume_from_checkpoint last to continue from {out / 'checkpoint-2'}")
    assert not (out / "sincos_cls_run.lock").exists()


def test_saved_weights_follow_the_umask_like_every_other_file(stopped_at_2):
    out = stopped_at_2 / "out"
    expected = stat.S_IMODE(os.stat(out / "config.json").st_mode)
    for folder in (out, out / "checkpoint-2"):
        assert stat.S_IMODE(os.stat(folder / "model.safetensors").st_mode) == expected == 0o666 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Distributed ----------------------------------------------------------------------------

DDP_JOB = ["--corpus", "bbc_news", "--do_train", "--do_eval", "--max_train_samples", "256", "--num_train_epochs", "2",
           "--save_strategy", "no", "--eval_strategy", "no", "--use_cpu", "--learning_rate", "2e-3",
           "--embedding_learning_rate", "5e-3", "--max_eval_samples", "128", *TINY]


def _launch(launcher, out):
    env = subprocess_env(OMP_NUM_THREADS="1")
    result = subprocess.run([*launcher, SCRIPT, *DDP_JOB, "--output_dir", str(out)], capture_output=True,
                            text=True, cwd=REPO, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads((out / "trainer_state.json").read_text())


def _single_process_eval(folder, tmp_path):
    out = tmp_path / "single_eval"
    check_ok(run_script("--model_name_or_path", str(folder), "--corpus", "bbc_news", "--do_eval", "--max_seq_length",
                        "64", "--output_dir", str(out), "--report_to", "none", "--per_device_eval_batch_size", "64",
                        "--max_eval_samples", "128"))
    return json.loads((out / "eval_results.json").read_text())


def _check_two_process_run(out, state, tmp_path):
    # 256 examples, 16 per device, 2 processes, 2 epochs: 16 optimizer steps (one process: 32).
    assert state["global_step"] == 16
    distributed = json.loads((out / "eval_results.json").read_text())
    single = _single_process_eval(out, tmp_path)
    assert distributed["eval_samples"] == single["eval_samples"] == 128
    assert distributed["eval_accuracy"] == pytest.approx(single["eval_accuracy"], abs=1e-9)
    # 128 rows: one full batch of 64 on each process. With all 213 validation rows the last
    # batches are partial and padded, and Trainer's distributed loss drifts from the mean of the
    # per-text losses (which one process gives at any batch size): measured 1.5138 (2 x 64),
    # 1.5168 (2 x 32) and 1.5179 (2 x 107) against 1.5200, on transformers 4.57 and 5.x alike.
    assert distributed["eval_loss"] == pytest.approx(single["eval_loss"], rel=1e-6)


@pytest.mark.slow
def test_torchrun_two_processes_train_and_evaluate_like_one(tmp_path):
    out = tmp_path / "torchrun"
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    state = _launch([torchrun, "--nproc_per_node", "2", "--master_port", "29561"], out)
    _check_two_process_run(out, state, tmp_path)


@pytest.mark.slow
def test_accelerate_launch_with_repo_config_trains_two_processes(tmp_path):
    out = tmp_path / "accelerate"
    accelerate = os.path.join(os.path.dirname(sys.executable), "accelerate")
    config = os.path.join(REPO, "configs", "accelerate_cpu_2proc.yaml")
    state = _launch([accelerate, "launch", "--config_file", config, "--main_process_port", "29562"], out)
    _check_two_process_run(out, state, tmp_path)


# Safe loading --------------------------------------------------------------------------

class _Tripwire:
    """Unpickling this writes a file: proof that a loader ran pickle on our folder."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_weights_are_never_unpickled(tmp_path):
    folder = tmp_path / "pickled"
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "unpickled.txt"
    with open(folder / "pytorch_model.bin", "wb") as handle:
        pickle.dump(_Tripwire(str(marker)), handle)
    with pytest.raises(OSError, match="safetensors"):
        AutoModelForSequenceClassification.from_pretrained(folder)
    assert not marker.exists()


def test_corrupted_safetensors_is_a_clear_error(tmp_path):
    folder = tmp_path / "corrupt"
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(OSError, match="model.safetensors is damaged or truncated"):
        AutoModelForSequenceClassification.from_pretrained(folder)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    folder = tmp_path / "mismatch"
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_size=32, intermediate_size=64)
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(RuntimeError, match="ignore_mismatched_sizes"):
        AutoModelForSequenceClassification.from_pretrained(folder)


def test_new_label_count_reinitialises_only_the_classifier_when_asked(tmp_path):
    folder = tmp_path / "labels"
    original = SinCosClsForSequenceClassification(tiny_config(num_labels=3))
    original.save_pretrained(folder)
    with pytest.raises(RuntimeError, match="ignore_mismatched_sizes"):
        AutoModelForSequenceClassification.from_pretrained(folder, num_labels=5)
    widened = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=5, ignore_mismatched_sizes=True)
    assert widened.classifier.weight.shape == (5, 16)
    assert torch.equal(widened.model.layers[0].attention.qkv.weight, original.model.layers[0].attention.qkv.weight)


# Bad input through the tokenizer and the pipeline ---------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A saved model + tokenizer trained on a few English words, loaded by pipeline."""
    folder = tmp_path_factory.mktemp("served") / "model"
    tokenizer = build_tokenizer(["a good movie", "a bad movie", "the plot is fun", "the acting is dull"],
                                model_max_length=32)
    config = tiny_config(vocab_size=len(tokenizer), num_labels=2, max_position_embeddings=32,
                         id2label={0: "rotten", 1: "fresh"}, label2id={"rotten": 0, "fresh": 1})
    SinCosClsForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, pipeline("text-classification", model=str(folder), trust_remote_code=True)


ODD_TEXTS = {
    "empty": "",
    "whitespace": " \t\n  ",
    "emoji": "🎬🍿 great 👍",
    "unknown_characters": "\x00\ufffd\u200b zzqx",
    "mixed_scripts": "good 电影 фильм فيلم film",
    "long": "good movie " * 50_000,  # 100,000+ characters, far past 32 positions
}


@pytest.mark.parametrize("kind", sorted(ODD_TEXTS))
def test_pipeline_returns_a_distribution_for_odd_text(served, kind):
    _, classify = served
    scores = classify(ODD_TEXTS[kind], top_k=None)
    assert sorted(s["label"] for s in scores) == ["fresh", "rotten"]
    assert sum(s["score"] for s in scores) == pytest.approx(1.0, abs=1e-5)
    assert all(0.0 <= s["score"] <= 1.0 for s in scores)


def test_pipeline_batch_of_odd_texts_matches_one_by_one(served):
    _, classify = served
    texts = [ODD_TEXTS[k] for k in ("empty", "emoji", "mixed_scripts", "whitespace")]
    batched = classify(texts, top_k=None, batch_size=4)
    for text, scores in zip(texts, batched):
        alone = classify(text, top_k=None)
        assert {s["label"]: round(s["score"], 5) for s in scores} == {s["label"]: round(s["score"], 5) for s in alone}


def test_pipeline_with_none_in_a_batch_is_a_clear_error(served):
    _, classify = served
    with pytest.raises((TypeError, ValueError)) as caught:
        classify(["a good movie", None])
    assert "Traceback" not in str(caught.value) and str(caught.value)


def test_tokenizer_truncates_long_text_to_model_length(served):
    folder, _ = served
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoded = tokenizer(ODD_TEXTS["long"], truncation=True)
    assert len(encoded["input_ids"]) == 32
    assert tokenizer("   ")["input_ids"] == []
    assert tokenizer("🎬")["input_ids"] == [tokenizer.unk_token_id]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_pipeline_never_crashes_and_returns_a_distribution_on_any_unicode(served, text):
    _, classify = served
    scores = classify(text, top_k=None, truncation=True)
    assert sorted(s["label"] for s in scores) == ["fresh", "rotten"]
    assert sum(s["score"] for s in scores) == pytest.approx(1.0, abs=1e-5)
    assert all(0.0 <= s["score"] <= 1.0 and s["score"] == s["score"] for s in scores)
