"""Users' local files as splits: csv, tsv, json and jsonl (labelled), txt (one text a line, for
pre-training). A csv, tsv or txt file that is not UTF-8 is read from a UTF-8 copy (``encoding``);
a missing file, a line with more fields than the header or a JSON syntax error is a one-line
``InputError`` naming the file and the line, instead of what datasets or pandas would say.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import datasets
import pandas
from datasets import Dataset, DatasetDict
from datasets.exceptions import DatasetGenerationError
from pandas.errors import ParserError

from ..errors import InputError
from .columns import LabelSpec, as_list, standardise, unlabelled
from .encoding import utf8_copy

#: File extension -> file kind; :data:`_READERS` says how datasets reads each kind.
SUPPORTED_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "json", ".txt": "text"}
# GLUE-style tsv files hold unbalanced quotes (``it's 5" tall``): in a tsv a quote is text.
_READERS: dict[str, tuple[str, dict]] = {
    "csv": ("csv", {}),
    "tsv": ("csv", {"delimiter": "\t", "quoting": csv.QUOTE_NONE}),
    "json": ("json", {}),
    "text": ("text", {}),  # one text a line, no labels: unlabelled text for pre-training
}


class DataFileNotFound(InputError, FileNotFoundError):
    """A data file named that does not exist (a ``FileNotFoundError`` too, as before)."""


def load_files(files: Mapping[str, str | Path | Sequence[str | Path]], text_columns, labels: LabelSpec,
               require_labels: bool = True) -> DatasetDict:
    """Each split read from its file(s), on its own, then put in load_corpus's shape."""
    if not files:
        raise InputError("no data files given: pass at least {'train': path}")
    raw = DatasetDict()
    for split, paths in files.items():
        paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        kinds = {_file_kind(path) for path in paths}
        if len(kinds) != 1:
            raise InputError(f"split {split!r} mixes file kinds ({', '.join(map(str, paths))}); use one kind per split")
        kind = kinds.pop()
        if kind == "text" and require_labels:
            raise InputError(f"{paths[0]}: a .txt file is read as text alone, one text a line, for pre-training "
                             "(run_mlm.py); labelled data goes in a .csv, .tsv, .json or .jsonl file")
        # A csv/tsv/txt file in another encoding is read from a UTF-8 copy (json is UTF-8 by definition).
        readable = paths if kind == "json" else [utf8_copy(path) for path in paths]
        # datasets fails on a file without rows with an unrelated message (or StopIteration).
        if not any(_has_rows(path, kind) for path in readable):
            raise InputError(f"split {split!r} is empty: {', '.join(map(str, paths))} has no data rows")
        # Each split is read on its own so a schema difference between files (a test file
        # without labels) does not stop the others from loading.
        raw[split] = _read_split(split, kind, readable, paths)
    source = ", ".join(f"{split}={paths}" for split, paths in files.items())
    if not require_labels:
        return unlabelled(raw, as_list(text_columns), labels.columns, source)
    return standardise(raw, as_list(text_columns), labels, source)


def _file_kind(path: Path) -> str:
    """csv, tsv, json (json and jsonl) or text (txt) by the extension; an unknown extension or a
    missing file is an error."""
    kind = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"file extension {path.suffix or '(none)'!r} of {path} is not supported; "
            f"use {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    if path.is_dir():
        raise InputError(f"data file {path} is a folder, not a file: name a {path.suffix} file (in it, or elsewhere)")
    if not path.is_file():
        raise DataFileNotFound(f"data file {path} does not exist")
    return kind


def _has_rows(path: Path, kind: str) -> bool:
    """Whether a csv/tsv file (UTF-8) has a line after its header, a text file a line that is not
    blank, or a json/jsonl file holds anything but ``[]``."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        if kind == "text":
            return any(line.strip() for line in handle)
        if kind in ("csv", "tsv"):
            lines = (line for line in handle if line.strip())
            return next(lines, None) is not None and next(lines, None) is not None
        head = handle.read(4096).lstrip()
        return bool(head) and not (head.startswith("[") and head[1:].lstrip().startswith("]"))


def _read_split(split: str, kind: str, readable: list[Path], originals: list[Path]) -> Dataset:
    """One split from its files (``readable``: the UTF-8 copies of ``originals``).

    A malformed csv/tsv file (a line with more fields than the header) or json/jsonl file (a
    JSON syntax error) is an ``InputError`` that names the original file and the line, instead of
    datasets' DatasetGenerationError or a message without either.
    """
    builder, options = _READERS[kind]
    try:
        return datasets.load_dataset(builder, data_files={split: [str(p) for p in readable]}, split=split, **options)
    except (DatasetGenerationError, ValueError) as err:  # ParserError is a ValueError
        problem = _json_problem(originals) if kind == "json" else None
        if problem is not None:
            raise InputError(problem) from None
        # datasets wraps pandas' ParserError; anything else is not about the file's shape.
        parser_error = err if isinstance(err, ParserError) else err.__cause__
        if not isinstance(parser_error, ParserError):
            raise
        culprit: Path | str = originals[0]
        if len(readable) > 1:
            # datasets does not say which of the files it failed on: ask pandas, file by file.
            found = _first_malformed(readable, originals, options)
            culprit, parser_error = found or (", ".join(map(str, originals)), parser_error)
        raise InputError(_malformed_message(kind, culprit, parser_error)) from None


def _first_malformed(readable: list[Path], originals: list[Path], options: dict) -> tuple[Path, ParserError] | None:
    """The first file pandas cannot parse (as datasets' csv builder reads it) and its error; None if all parse."""
    for path, original in zip(readable, originals):
        try:
            for _ in pandas.read_csv(path, dtype=str, chunksize=10_000, **options):
                pass
        except ParserError as err:
            return original, err
    return None


_PANDAS_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _malformed_message(kind: str, path: Path | str, error: ParserError) -> str:
    """One line: the file, the line pandas stopped at and its field count, and how to fix the file."""
    detail = " ".join(str(error).split()).removeprefix("Error tokenizing data. C error: ")
    if kind == "csv":
        hint = "a text that holds a comma, a quote or a line break must be in double quotes, its quotes doubled"
    else:
        hint = "a text in a tsv file cannot hold a tab or a line break"
    counts = _PANDAS_FIELD_COUNT.search(detail)
    if counts is None:
        return f"malformed {kind} file {path}: {detail} ({hint})"
    expected, line, saw = counts.groups()
    return f"malformed {kind} file {path}: line {line} has {saw} fields where the header has {expected} ({hint})"


def _json_problem(paths: list[Path]) -> str | None:
    """Where the first of these json/jsonl files that is not JSON breaks: file, line and column
    of json's error (of the line's own, in JSON lines); None when they all parse."""
    for path in paths:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        try:
            json.loads(text)
            continue  # one JSON document
        except json.JSONDecodeError as error:
            whole = error
        lines = text.split("\n")  # not splitlines: a JSON string may hold U+2028
        first = next((line for line in lines if line.strip()), "")
        if _json_error(first) is not None:  # not JSON lines: the document's own error
            return f"data file {path} is not valid JSON: line {whole.lineno}, column {whole.colno}: {whole.msg}"
        for number, line in enumerate(lines, 1):
            error = _json_error(line) if line.strip() else None
            if error is not None:
                return (f"data file {path} is not valid JSON lines: line {number}, column {error.colno}: "
                        f"{error.msg} (each line holds one JSON object)")
    return None


def _json_error(text: str) -> json.JSONDecodeError | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return error
    return None
