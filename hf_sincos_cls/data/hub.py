"""Corpora from the Hugging Face Hub: a GLUE task, with run_glue's task-to-columns table, or any
other data set id, read into load_corpus's shape like a local file.
"""

from __future__ import annotations

from pathlib import Path

import datasets
from datasets import DatasetDict

from ..errors import InputError
from .columns import LabelSpec, as_list, standardise, unlabelled
from .corpora import OFFLINE_CORPORA
from .files import SUPPORTED_EXTENSIONS

#: GLUE task -> (text column, text pair column or None), as in transformers' run_glue.py.
GLUE_TASKS: dict[str, tuple[str, str | None]] = {
    "cola": ("sentence", None),
    "mnli": ("premise", "hypothesis"),
    "mrpc": ("sentence1", "sentence2"),
    "qnli": ("question", "sentence"),
    "qqp": ("question1", "question2"),
    "rte": ("sentence1", "sentence2"),
    "sst2": ("sentence", None),
    "stsb": ("sentence1", "sentence2"),
    "wnli": ("sentence1", "sentence2"),
}
GLUE_REGRESSION_TASKS = frozenset({"stsb"})
GLUE_HUB_ID = "nyu-mll/glue"
_MNLI_SPLITS = {"validation_matched": "validation", "test_matched": "test"}
# Suffixes that mark a string as a file name rather than a Hub id, so that a typo in a file
# name is reported as a missing file instead of a failed Hub lookup.
_FILE_LIKE_SUFFIXES = frozenset(SUPPORTED_EXTENSIONS) | {
    ".tsv", ".txt", ".parquet", ".arrow", ".xlsx", ".xls", ".gz", ".bz2", ".zip", ".xml", ".pkl",
}


class HubUnavailable(InputError, ConnectionError):
    """A GLUE task the Hub did not provide (a ``ConnectionError`` too, as before)."""


def glue_task(name: str, config_name: str | None) -> str | None:
    """The GLUE task a name points at, None when it is not GLUE; an unknown task is an error."""
    if name in ("glue", GLUE_HUB_ID):
        task = config_name
    elif name.startswith(("glue/", GLUE_HUB_ID + "/")):
        task = name.rsplit("/", 1)[1]
    else:
        return None
    if task not in GLUE_TASKS:
        raise InputError(f"unknown GLUE task {task!r}; the tasks are {', '.join(sorted(GLUE_TASKS))}")
    return task


def load_glue(task: str) -> DatasetDict:
    """A GLUE task from the Hub, MNLI's matched splits as validation and test."""
    try:
        raw = datasets.load_dataset(GLUE_HUB_ID, task)
    except (ConnectionError, FileNotFoundError) as err:
        raise HubUnavailable(
            f"GLUE task {task!r} comes from the Hub ({GLUE_HUB_ID}), which did not provide it: {err}. "
            f"Offline corpora: {', '.join(sorted(OFFLINE_CORPORA))}."
        ) from err
    except (ValueError, OSError) as err:  # the Hub's or the datasets cache's refusal, in its words
        raise InputError(f"GLUE task {task!r} ({GLUE_HUB_ID}) did not load: {err}") from err
    if task == "mnli":
        # run_glue evaluates on the matched sets; the mismatched ones stay as extra splits.
        raw = DatasetDict({_MNLI_SPLITS.get(split, split): ds for split, ds in raw.items()})
    text, pair = GLUE_TASKS[task]
    return standardise(raw, [text] if pair is None else [text, pair], LabelSpec(["label"]), f"glue/{task}")


def load_hub(name: str, config_name: str | None, text_columns, labels: LabelSpec,
             require_labels: bool = True) -> DatasetDict:
    """Any other Hub data set; a name the Hub does not know is an error listing what else a name can be."""
    try:
        raw = datasets.load_dataset(name, config_name)
    except (ConnectionError, FileNotFoundError) as err:
        raise InputError(
            f"unknown corpus {name!r}: not an offline corpus ({', '.join(sorted(OFFLINE_CORPORA))}), "
            f"not a GLUE task (glue/{{{','.join(sorted(GLUE_TASKS))}}}), not a local file "
            f"({', '.join(sorted(SUPPORTED_EXTENSIONS))}), and the Hub did not provide it: {err}"
        ) from err
    except (ValueError, OSError) as err:  # a missing or unknown config, files of mixed formats, no access
        shown = name if config_name is None else f"{name} (config {config_name!r})"
        raise InputError(f"Hub data set {shown} did not load: {err}") from err
    if not isinstance(raw, DatasetDict):
        raise InputError(f"Hub data set {name!r} did not load as named splits (got {type(raw).__name__})")
    if not require_labels:
        return unlabelled(raw, as_list(text_columns), labels.columns, name)
    return standardise(raw, as_list(text_columns), labels, name)


def looks_like_file(name: str) -> bool:
    # A local folder is left to datasets.load_dataset, which reads folders of data files.
    path = Path(name)
    return path.is_file() or path.suffix.lower() in _FILE_LIKE_SUFFIXES
