"""What the package's commands refuse before they start work: ``InputError``, whose message
names the file, folder, field or value at fault. The scripts print it as one line and exit
with code 2; any other exception is a bug or an accident and keeps its traceback. Also the rule
for the folders the commands write to (``output_folder``). The module itself needs only the
standard library and the configuration.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import socket
import time
from pathlib import Path

logger = logging.getLogger(__name__)

CLASSIFIER_CLASS = "SinCosClsForSequenceClassification"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
# Every command that writes a folder (training, pre-training, the ONNX export) leaves RUN_MARKER
# in it when it starts: a non-empty folder without it holds someone else's files and is refused
# (``check_output_folder``). RUN_LOCK holds the PID of the run writing there now.
RUN_MARKER = "sincos_cls_run.json"
RUN_LOCK = "sincos_cls_run.lock"
SHOWN_FILES = 4  # how many of a refused folder's files the message names


class InputError(ValueError):
    """Bad input found before training starts (a file, column, split, label, checkpoint,
    model folder or argument); the message names it. The scripts print it without a traceback."""


class OutputError(InputError):
    """The output folder cannot take what a run writes (not a folder, not writable, the disk
    full, in use by another run); the message names the folder and what to do."""


class MissingFileError(InputError, FileNotFoundError):
    """A file or folder the user named is not there. Still a ``FileNotFoundError``, for callers
    that caught the plain one."""


class InputTypeError(InputError, TypeError):
    """A value of the wrong kind handed to one of the package's functions (a text that is not a
    string, say). Still a ``TypeError``, for callers that caught the plain one."""


def is_size_mismatch(error: BaseException) -> bool:
    """Whether ``error`` is the model's refusal of weights whose shapes differ from its config
    (a ``RuntimeError`` that names ``ignore_mismatched_sizes``): bad input, not a crash."""
    return isinstance(error, RuntimeError) and "ignore_mismatched_sizes" in str(error)


def is_config_error(error: BaseException) -> bool:
    """Whether ``error`` is the config's refusal of a field's value (``SinCosClsConfigError``),
    raised as a saved config.json is read: bad input. A copy of the configuration module loaded
    with ``trust_remote_code`` defines a class of its own of that name, which counts too."""
    from .configuration_sincos_cls import SinCosClsConfigError

    return isinstance(error, ValueError) and any(kind.__name__ == SinCosClsConfigError.__name__
                                                 for kind in type(error).__mro__)


def is_loading_error(error: BaseException) -> bool:
    """Whether ``error``, raised while transformers loads a saved config, model or tokenizer, is
    about what was named: an ``OSError`` (a file missing, unreadable or damaged, the Hub not
    reachable), a config.json field out of range, or weights of another shape than config.json."""
    return isinstance(error, OSError) or is_config_error(error) or is_size_mismatch(error)


@contextlib.contextmanager
def input_errors(error: type[InputError] = InputError, prefix: str = ""):
    """Inside the block, our own ``InputError`` is the one kind of bad input: one that is not an
    ``error`` already becomes one, prefixed with ``prefix``. Anything else, a ``ValueError`` or an
    ``OSError`` included, passes as it is with its traceback, so that a bug of ours does not read
    as the user's mistake. Around loading a saved model or tokenizer, use ``loading_errors``."""
    try:
        yield
    except InputError as problem:
        if isinstance(problem, error):
            raise
        raise error(f"{prefix}{problem}") from problem


@contextlib.contextmanager
def loading_errors(error: type[InputError] = InputError, prefix: str = ""):
    """``input_errors`` for a block that loads what the user named (``from_pretrained`` of a
    folder or Hub name): also what ``is_loading_error`` recognises becomes ``error``, prefixed.
    Other errors pass with their traceback."""
    try:
        with input_errors(error, prefix):
            yield
    except InputError:
        raise
    except Exception as problem:  # noqa: BLE001  sorted by is_loading_error, else re-raised
        if not is_loading_error(problem):
            raise
        raise error(f"{prefix}{problem}") from problem


def require_extra(module: str, extra: str, purpose: str) -> None:
    """``InputError`` naming the pip extra to install when ``module`` is not importable."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"{purpose} needs {module}, which is not installed: pip install 'hf_sincos_cls[{extra}]'")


def check_classifier_folder(model_dir: str | Path, error: type[InputError] = InputError) -> dict:
    """The ``config.json`` of a folder written by ``save_pretrained`` for a sincos_cls
    classifier, as a dict, once the folder is known to hold one with its weights and fast
    tokenizer; ``error`` (an ``InputError`` class) naming what is missing otherwise."""
    from .configuration_sincos_cls import SinCosClsConfig

    folder = Path(model_dir)
    if not folder.is_dir():
        raise error(f"model folder {folder} does not exist")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise error(f"{folder} has no config.json: not a folder written by save_pretrained")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as problem:
        raise error(f"{config_file} is not valid JSON ({problem})") from problem
    if not isinstance(config, dict) or config.get("model_type") != SinCosClsConfig.model_type:
        found = config.get("model_type") if isinstance(config, dict) else None
        raise error(f"{folder} holds a model of type {found!r}, not {SinCosClsConfig.model_type!r}")
    architectures = config.get("architectures") or []
    if CLASSIFIER_CLASS not in architectures:
        raise error(f"{folder} holds {', '.join(architectures) or 'no named architecture'}, not a "
                    f"{CLASSIFIER_CLASS} (fine-tune it for classification first: run_glue_style.py "
                    "--model_name_or_path)")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise error(f"{folder} has config.json but no weights ({WEIGHT_FILES[0]}): the model was not saved there, "
                    "or the run stopped before saving")
    if not (folder / "tokenizer.json").is_file():
        raise error(f"{folder} has no tokenizer.json: save the fast tokenizer beside the model")
    return config


def _listing(folder: Path, names: list[str]) -> str:
    """A few of ``names`` (folders marked with /) and how many more there are."""
    shown = [name + ("/" if (folder / name).is_dir() else "") for name in names[:SHOWN_FILES]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def check_output_folder(path: str | os.PathLike, *, overwrite: bool = False, flag: str = "--output_dir",
                        overwrite_flag: str = "--overwrite_output_dir", checkpoints: bool = True) -> None:
    """``OutputError`` unless ``path`` may receive a run's files: it does not exist, is empty, or
    holds ``RUN_MARKER`` (one of this package's runs); any other folder only with ``overwrite``.
    With ``checkpoints`` (a training job) a ``checkpoint-*`` folder that no run of ours wrote is
    refused even then: Trainer's ``save_total_limit`` rotation and ``--resume_from_checkpoint
    last`` would take it for one of the run's own."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{flag} {folder} is a file, not a folder: name a folder to write to")
    if not folder.is_dir():
        return
    try:
        names = sorted(os.listdir(folder))
    except OSError as problem:
        raise OutputError(f"cannot read {flag} {folder}: {problem.strerror or problem}") from problem
    if not names or RUN_MARKER in names or names == [RUN_LOCK]:  # a run of ours that stopped before marking it
        return
    if _written_before_markers(folder, names):
        return
    if not overwrite:
        raise OutputError(f"{flag} {folder} is not empty and is not a folder of this package's runs (it has no "
                          f"{RUN_MARKER}); it holds {_listing(folder, names)}: choose a new or empty folder, or "
                          f"pass {overwrite_flag} to write there anyway (files of the same names are replaced)")
    foreign = [name for name in names if name.startswith("checkpoint-") and (folder / name).is_dir()]
    if checkpoints and foreign:
        raise OutputError(f"{flag} {folder} holds {_listing(folder, foreign)}, which no run of this package wrote: "
                          "checkpoint rotation (--save_total_limit) could delete it and --resume_from_checkpoint "
                          f"last could resume from it; move it out of the folder or choose another {flag}")


def _is_sincos_state(folder: Path) -> bool:
    """A saved sincos_cls model with Trainer's state beside it: what a training run of ours leaves."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    from .configuration_sincos_cls import SinCosClsConfig

    return isinstance(config, dict) and config.get("model_type") == SinCosClsConfig.model_type and any(
        (folder / name).is_file() for name in ("trainer_state.json", "all_results.json", "train_results.json"))


def _written_before_markers(folder: Path, names: list[str]) -> bool:
    """A run of this package from before RUN_MARKER existed: a finished one (the model and its
    results at the top), or one that stopped with its checkpoints alone (each one ours)."""
    if _is_sincos_state(folder):
        return True
    checkpoints = [folder / name for name in names if name.startswith("checkpoint-") and (folder / name).is_dir()]
    return bool(checkpoints) and all(_is_sincos_state(path) for path in checkpoints)


def _lock_owner(lock: Path) -> tuple[int, str] | None:
    """The (PID, host) a lock file names, or None when it names none (being written, or garbage)."""
    try:
        pid, host = lock.read_text(encoding="utf-8").split(maxsplit=1)
        return int(pid), host.strip()
    except (OSError, ValueError):
        return None


def _is_running(pid: int) -> bool:
    """Whether process ``pid`` of this machine exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _lock_is_stale(lock: Path) -> bool:
    """A lock whose process is gone; one from another host cannot be checked and counts as held."""
    owner = _lock_owner(lock)
    if owner is None:
        # Empty for the instant between its creation and its write; older, its writer died at once.
        try:
            return time.time() - lock.stat().st_mtime > 10
        except FileNotFoundError:
            return True
    pid, host = owner
    return host == socket.gethostname() and not _is_running(pid)


def _take_lock(folder: Path, flag: str) -> None:
    """Create ``folder/RUN_LOCK`` holding this process's PID and host, clearing a stale one;
    ``OutputError`` when another live run holds it or the folder cannot be written."""
    lock = folder / RUN_LOCK
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            if not _lock_is_stale(lock):
                break
            logger.warning("removing the stale lock %s: the run that held it (%s) has ended", lock,
                           _lock_owner(lock) or "no PID recorded")
            lock.unlink(missing_ok=True)
            continue
        except OSError as problem:
            raise OutputError(f"cannot write to {flag} {folder}: {problem.strerror or problem}") from problem
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {socket.gethostname()}\n")
        return
    pid, host = _lock_owner(lock) or ("unknown", socket.gethostname())
    where = "" if host == socket.gethostname() else f" on host {host}; delete the lock file if that run is over"
    raise OutputError(f"{flag} {folder} is in use by another run (process {pid}{where}; lock file {lock}): wait "
                      f"for it to end, or choose another {flag}")


def _release_lock(folder: Path) -> None:
    """Remove the lock if it is still this process's."""
    lock = folder / RUN_LOCK
    if _lock_owner(lock) == (os.getpid(), socket.gethostname()):
        lock.unlink(missing_ok=True)


def _mark_as_run(folder: Path, job: str, flag: str) -> None:
    """Write RUN_MARKER unless the folder has one: from now on it is one of our runs."""
    marker = folder / RUN_MARKER
    if marker.exists():
        return
    try:
        marker.write_text(json.dumps({"written_by": "hf_sincos_cls", "job": job}) + "\n", encoding="utf-8")
    except OSError as problem:
        raise OutputError(f"cannot write to {flag} {folder}: {problem.strerror or problem}") from problem


def _remove_if_unused(folder: Path) -> None:
    """Remove a folder this run created and left with nothing but its marker (bad input, say)."""
    try:
        if os.listdir(folder) == [RUN_MARKER]:
            (folder / RUN_MARKER).unlink()
            folder.rmdir()
    except OSError:
        pass


@contextlib.contextmanager
def output_folder(path: str | os.PathLike, job: str, *, overwrite: bool = False, flag: str = "--output_dir",
                  overwrite_flag: str = "--overwrite_output_dir", checkpoints: bool = True):
    """Hold ``path`` for one run of ``job``: checked (``check_output_folder``), created, locked
    against a second run and marked as one of ours, all before any work; on leaving (an error
    or Ctrl-C included) the lock is removed, and so is a folder it created that stayed empty."""
    check_output_folder(path, overwrite=overwrite, flag=flag, overwrite_flag=overwrite_flag, checkpoints=checkpoints)
    folder = Path(path)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise OutputError(f"cannot create {flag} {folder}: {problem.strerror or problem}") from problem
    _take_lock(folder, flag)
    try:
        _mark_as_run(folder, job, flag)
        yield folder
    finally:
        _release_lock(folder)
        if created:
            _remove_if_unused(folder)


__all__ = ["InputError", "InputTypeError", "MissingFileError", "OutputError", "RUN_LOCK", "RUN_MARKER",
           "check_classifier_folder", "check_output_folder", "input_errors", "is_config_error", "is_loading_error",
           "is_size_mismatch", "loading_errors", "output_folder", "require_extra"]


# -- Folders to serve and explain: the tokenizer file, ONNX exports, encoder weights ----------

ONNX_FILES = ("model.onnx", "model_quantized.onnx")
_TOKENIZER_FIX = "save the tokenizer again (save_pretrained), or copy tokenizer.json from the folder of the run"


def _one_line(problem: BaseException) -> str:
    return " ".join(str(problem).split())


def _read_utf8(path: Path, error: type[InputError], fix: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"{path} is not UTF-8 text (byte {problem.start}: {problem.reason}){fix}") from problem
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}") from problem


def _parse_json(text: str, path: Path, error: type[InputError], fix: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise error(f"{path} is not valid JSON (line {problem.lineno}, column {problem.colno}: {problem.msg})"
                    f"{fix}") from problem


def read_json_file(path: str | Path, error: type[InputError] = InputError, fix: str = ""):
    """The JSON value in ``path``; ``error`` naming the file, and the byte or the line and column,
    when it cannot be read, is not UTF-8 or is not JSON (``fix`` is appended to the message)."""
    path = Path(path)
    return _parse_json(_read_utf8(path, error, fix), path, error, fix)


def load_tokenizer_file(path: str | Path, error: type[InputError] = InputError):
    """The ``tokenizers.Tokenizer`` in a ``tokenizer.json``; ``error`` naming the file when it is
    not UTF-8, not JSON, or not a tokenizer the ``tokenizers`` library reads (no ``model``, an
    unknown one, a field of the wrong type): that library's own message names none of it."""
    from tokenizers import Tokenizer  # here, not at the top: the rest of the module needs only the standard library

    path, fix = Path(path), f": {_TOKENIZER_FIX}"
    text = _read_utf8(path, error, fix)
    data = _parse_json(text, path, error, fix)
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        found = "no 'model'" if isinstance(data, dict) else f"a JSON {type(data).__name__}"
        raise error(f"{path} is not a tokenizer (a tokenizer.json is an object with a 'model'; this one holds "
                    f"{found}): {_TOKENIZER_FIX}")
    try:
        return Tokenizer.from_str(text)
    except Exception as problem:  # tokenizers raises a bare Exception, e.g. "Model missing. at line 1 column 2"
        raise error(f"{path} is not a tokenizer the tokenizers library reads ({_one_line(problem)}): "
                    f"{_TOKENIZER_FIX}") from problem


def _weight_names(folder: Path) -> set[str] | None:
    """The tensor names of a folder's safetensors weights, from the file's JSON header (or the
    shards' index) without reading a tensor; None when unreadable, which the loader reports."""
    try:
        index = folder / WEIGHT_FILES[1]
        if index.is_file():
            return set(json.loads(index.read_text(encoding="utf-8"))["weight_map"])
        with open(folder / WEIGHT_FILES[0], "rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            if not 0 < size <= 100_000_000:  # safetensors' own limit on the header
                return None
            return set(json.loads(handle.read(size))) - {"__metadata__"}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_explainable_folder(model_dir: str | Path, error: type[InputError] = InputError) -> dict:
    """``check_classifier_folder``, and also naming the folders that pass it wrongly or fail
    it with a misleading line: an ONNX export (config and tokenizer, but no torch weights) and
    weights without a classifier (an encoder's, which would get a random head)."""
    folder = Path(model_dir)
    exported = [name for name in ONNX_FILES if (folder / name).is_file()]
    if exported and not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise error(f"{folder} holds an ONNX export ({exported[0]}), not the torch weights this needs: pass the "
                    "folder it was exported from (export_onnx.py's --model), or serve this one with "
                    "hf_sincos_cls.onnx_serving.OnnxTextClassifier")
    config = check_classifier_folder(folder, error)
    names = _weight_names(folder)
    if names is not None and "classifier.weight" not in names:
        raise error(f"{folder}'s weights hold no classifier (no classifier.weight in {WEIGHT_FILES[0]}): an encoder, "
                    "e.g. run_mlm.py's, would get a random head; fine-tune it first (run_glue_style.py "
                    "--model_name_or_path) and pass that run's folder")
    return config


__all__ += ["ONNX_FILES", "check_explainable_folder", "load_tokenizer_file", "read_json_file"]
