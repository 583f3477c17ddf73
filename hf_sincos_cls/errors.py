"""What the package's commands refuse before they start work: ``InputError``, whose message
names the file, folder, field or value at fault. The scripts print it as one line and exit
with code 2. The module itself needs only the standard library and the configuration.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from pathlib import Path

CLASSIFIER_CLASS = "SinCosClsForSequenceClassification"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")


class InputError(ValueError):
    """Bad input found before training starts (a file, column, split, label, checkpoint,
    model folder or argument); the message names it. The scripts print it without a traceback."""


def is_size_mismatch(error: BaseException) -> bool:
    """Whether ``error`` is the model's refusal of weights whose shapes differ from its config
    (a ``RuntimeError`` that names ``ignore_mismatched_sizes``): bad input, not a crash."""
    return isinstance(error, RuntimeError) and "ignore_mismatched_sizes" in str(error)


@contextlib.contextmanager
def input_errors(error: type[InputError] = InputError, prefix: str = ""):
    """Inside the block, what reading input raises becomes ``error`` (prefixed with ``prefix``):
    ``ValueError``, ``OSError`` (unreadable files and folders, the Hub unreachable) and weights
    of another shape than their config. Other errors pass as they are, with their traceback."""
    try:
        yield
    except InputError:
        raise
    except (ValueError, OSError, RuntimeError) as problem:
        if isinstance(problem, RuntimeError) and not is_size_mismatch(problem):
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


__all__ = ["InputError", "check_classifier_folder", "input_errors", "is_size_mismatch", "require_extra"]
