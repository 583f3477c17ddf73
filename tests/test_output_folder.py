"""The folders the commands write to: a new or empty folder, one of this package's runs (it
holds sincos_cls_run.json), or, when told to, any other; a user's files are never replaced
unasked, a checkpoint no run of ours wrote is never rotated away, and two runs never share one
folder. Refusals come before any data is read, as one line that names the folder."""

import csv
import errno
import os
import shutil
import socket
import subprocess
import sys

import pytest
from helpers import REPO, TINY, subprocess_env, tiny_config, tiny_tokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.errors import RUN_LOCK, RUN_MARKER, InputError, OutputError, output_folder
from hf_sincos_cls.glue_job import parse_args, run


def _write_train(path, rows=40):
    """A csv of short texts with two labels, small enough to train in a second or two."""
    texts = [("a good fun movie", "pos"), ("the plot is dull", "neg"), ("good acting and a fun story", "pos"),
             ("a bad and dull film", "neg")]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(texts[i % len(texts)] for i in range(rows))
    return path


def _job(train, out, *extra):
    """The plain command on ``train`` with a tiny model and two steps, nothing evaluated or saved on the way."""
    return ["--train_file", str(train), "--output_dir", str(out), "--glove", "none", *TINY, "--max_steps", "2",
            "--eval_strategy", "no", "--save_strategy", "no", *extra]


def _users_folder(folder):
    """A folder of someone's own files, like those the issue found replaced or deleted."""
    (folder / "checkpoint-999").mkdir(parents=True)
    (folder / "checkpoint-999" / "trainer_state.json").write_text('{"global_step": 999}\n')
    (folder / "README.md").write_text("my notes\n")
    (folder / "config.json").write_text('{"model_type": "bert"}\n')
    (folder / "predict_results.txt").write_text("my predictions\n")
    return folder


def _model_and_a_users_folder(tmp_path):
    """A tiny saved classifier to export, and a folder holding someone's config.json."""
    model = tmp_path / "model"
    SinCosClsForSequenceClassification(tiny_config(vocab_size=12)).save_pretrained(model)
    tiny_tokenizer().save_pretrained(model)
    users = tmp_path / "mine"
    users.mkdir()
    (users / "config.json").write_text('{"model_type": "bert"}\n')
    return model, users


def _contents(folder):
    """Every file under ``folder`` with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_training_into_a_folder_of_the_users_files_is_refused_naming_it_and_them(tmp_path):
    users = _users_folder(tmp_path / "mine")
    before = _contents(users)
    with pytest.raises(OutputError) as refused:
        run(*parse_args(_job(_write_train(tmp_path / "data" / "train.csv"), users)))
    message = str(refused.value)
    assert str(users) in message and "README.md" in message and "checkpoint-999/" in message
    assert "--overwrite_output_dir" in message and len(message.splitlines()) == 1
    assert _contents(users) == before  # nothing written, not even the lock


def test_the_data_folder_itself_is_refused_as_output_dir(tmp_path):
    data = tmp_path / "data"
    train = _write_train(data / "train.csv")
    (data / "README.md").write_text("where the data comes from\n")
    before = _contents(data)
    with pytest.raises(InputError, match="train.csv"):
        run(*parse_args(_job(train, data)))
    assert _contents(data) == before


def test_overwrite_output_dir_still_refuses_a_checkpoint_no_run_of_ours_wrote(tmp_path):
    users = _users_folder(tmp_path / "mine")
    before = _contents(users)
    with pytest.raises(OutputError, match="checkpoint-999/, which no run of this package wrote"):
        run(*parse_args(_job(_write_train(tmp_path / "train.csv"), users, "--overwrite_output_dir")))
    assert _contents(users) == before  # rotation (save_total_limit) never got a chance at it


def test_pretraining_and_the_onnx_export_follow_the_same_rule(tmp_path):
    from hf_sincos_cls import mlm_job
    from hf_sincos_cls.onnx_export import export_onnx

    users = _users_folder(tmp_path / "mine")
    before = _contents(users)
    (tmp_path / "text.txt").write_text("the movie was good\nthe plot was dull\n" * 8)
    with pytest.raises(OutputError, match="--overwrite_output_dir"):
        mlm_job.run(*mlm_job.parse_args(["--train_file", str(tmp_path / "text.txt"), "--output_dir", str(users),
                                         "--glove", "none", *TINY]))
    model = tmp_path / "model"
    SinCosClsForSequenceClassification(tiny_config(vocab_size=12)).save_pretrained(model)
    tiny_tokenizer().save_pretrained(model)
    with pytest.raises(OutputError, match="--overwrite_output"):
        export_onnx(model, users)
    assert _contents(users) == before


def test_the_onnx_export_overwrites_the_users_folder_only_when_told(tmp_path):
    from hf_sincos_cls.onnx_export import export_onnx

    model, users = _model_and_a_users_folder(tmp_path)
    export_onnx(model, users, overwrite=True)
    assert (users / "model.onnx").is_file() and (users / RUN_MARKER).is_file() and not (users / RUN_LOCK).exists()
    export_onnx(model, users)  # now one of ours: no flag needed


@pytest.mark.slow
@pytest.mark.one_lane
def test_export_script_refuses_a_folder_of_other_files_with_one_line_unless_overwrite_output(tmp_path):
    model, users = _model_and_a_users_folder(tmp_path)
    script = [sys.executable, os.path.join(REPO, "scripts", "export_onnx.py"), "--model", str(model), "--output",
              str(users)]
    refused = subprocess.run(script, capture_output=True, text=True, env=subprocess_env(), timeout=300)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr[-3000:]
    assert str(users) in refused.stderr and "config.json" in refused.stderr and "--overwrite_output" in refused.stderr
    assert (users / "config.json").read_text() == '{"model_type": "bert"}\n'
    done = subprocess.run([*script, "--overwrite_output"], capture_output=True, text=True, env=subprocess_env(),
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_run_marks_its_folder_and_the_same_command_runs_into_it_again(tmp_path):
    """The plain command twice into one folder (the default job's outputs/rotten_tomatoes): the
    first run marks it as ours, the second needs no flag."""
    train, out = _write_train(tmp_path / "train.csv"), tmp_path / "out"
    run(*parse_args(_job(train, out)))
    assert (out / RUN_MARKER).is_file() and (out / "model.safetensors").is_file()
    assert not (out / RUN_LOCK).exists()
    run(*parse_args(_job(train, out)))


def test_overwrite_output_dir_writes_into_a_folder_of_other_files(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("kept\n")
    run(*parse_args(_job(_write_train(tmp_path / "train.csv"), folder, "--overwrite_output_dir")))
    assert (folder / "model.safetensors").is_file() and (folder / "notes.txt").read_text() == "kept\n"


def test_output_dir_that_is_a_file_is_refused_before_the_data_is_read(tmp_path):
    target = tmp_path / "out"
    target.write_text("a file\n")
    with pytest.raises(OutputError, match=f"--output_dir {target} is a file, not a folder"):
        run(*parse_args(_job(tmp_path / "no_such_train.csv", target)))
    assert target.read_text() == "a file\n"


def test_output_dir_that_cannot_be_written_is_refused_before_the_data_is_read(tmp_path, monkeypatch):
    # The tests run as root, whom permission bits do not stop: the folder refuses every new file
    # the way a read-only mount does.
    folder = tmp_path / "read_only"
    folder.mkdir()
    real_open = os.open

    def read_only_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(folder)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)
    with pytest.raises(OutputError, match=f"cannot write to --output_dir {folder}: Read-only file system"):
        run(*parse_args(_job(tmp_path / "no_such_train.csv", folder)))


def test_bad_input_leaves_no_output_folder_behind(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no_such_train.csv"):
        run(*parse_args(_job(tmp_path / "no_such_train.csv", out)))
    assert not out.exists()


# Two runs at once ------------------------------------------------------------------------

def _held_by(folder, pid, host=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_MARKER).write_text("{}\n")
    (folder / RUN_LOCK).write_text(f"{pid} {host or socket.gethostname()}\n")


def test_a_second_run_into_a_folder_in_use_is_refused_naming_the_owner(tmp_path):
    out = tmp_path / "out"
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _held_by(out, owner.pid)
        with pytest.raises(OutputError, match=f"in use by another run \\(process {owner.pid}; lock file"):
            run(*parse_args(_job(_write_train(tmp_path / "train.csv"), out)))
        assert (out / RUN_LOCK).read_text().split()[0] == str(owner.pid)  # still the owner's
    finally:
        owner.kill()
        owner.wait()


def test_a_lock_from_another_host_counts_as_held_and_says_how_to_clear_it(tmp_path):
    _held_by(tmp_path / "out", 1, host="elsewhere")
    with pytest.raises(OutputError, match="on host elsewhere; delete the lock file if that run is over"):
        with output_folder(tmp_path / "out", "test"):
            pass


def test_a_stale_lock_is_cleared_and_the_lock_is_removed_at_the_end(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its PID is gone now
    out = tmp_path / "out"
    _held_by(out, ended.pid)
    with output_folder(out, "test"):
        assert (out / RUN_LOCK).read_text().split() == [str(os.getpid()), socket.gethostname()]
    assert not (out / RUN_LOCK).exists()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_the_lock_is_removed_on_error_and_ctrl_c(tmp_path, stop):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(stop):
        with output_folder(out, "test"):
            assert (out / RUN_LOCK).exists()
            raise stop()
    assert not (out / RUN_LOCK).exists() and (out / RUN_MARKER).exists()


@pytest.mark.slow
@pytest.mark.parametrize("kept", ["finished", "checkpoints only"])
def test_a_run_from_before_the_marker_is_still_one_of_ours(tmp_path, kept):
    # Folders trained before sincos_cls_run.json existed: the default job run again into
    # outputs/rotten_tomatoes, or a killed run resumed, must not need --overwrite_output_dir.
    train = _write_train(tmp_path / "data" / "train.csv")
    old = tmp_path / "old"
    run(*parse_args(_job(train, old, "--save_strategy", "steps", "--save_steps", "1")))
    (old / RUN_MARKER).unlink()
    if kept == "checkpoints only":
        for path in old.iterdir():
            if not path.name.startswith("checkpoint-"):
                path.unlink() if path.is_file() else shutil.rmtree(path)
    run(*parse_args(_job(train, old, "--resume_from_checkpoint", "last") if kept == "checkpoints only"
                    else _job(train, old)))
    assert (old / RUN_MARKER).is_file() and (old / "model.safetensors").is_file()
