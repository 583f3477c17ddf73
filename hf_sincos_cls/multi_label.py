"""Multi-label data: texts that carry any number of labels at once.

Three forms of a local file (or Hub data set) read as one: a label cell holding several labels
joined by a separator the user names (``"sport;politics"``), one 0/1 column per label
(``toxic,obscene,insult``), or a json list of labels (``"labels": ["sport", "politics"]``).
Each becomes a ``label`` column of label-id lists, datasets' own multi-label feature
(``Sequence(ClassLabel)``); ``multi_hot`` turns a list into the 0/1 row that the loss wants,
and ``choose_threshold`` picks the score above which a label is predicted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from datasets import ClassLabel
from datasets import Sequence as SequenceFeature

from .errors import InputError

# Scores tried as the decision threshold on validation (0.05 steps).
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 20))
DEFAULT_THRESHOLD = 0.5
_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def list_feature_inner(feature):
    """The element feature of a list feature (``Sequence``/``List``), else None."""
    inner = getattr(feature, "feature", None)
    return None if inner is None or isinstance(inner, dict) else inner


def is_multi_label_feature(feature) -> bool:
    """Whether a ``label`` feature is the multi-label one that ``read_label_sets`` writes."""
    return isinstance(list_feature_inner(feature), ClassLabel)


def label_set_feature(names: Sequence[str]):
    return SequenceFeature(ClassLabel(names=list(names)))


def multi_hot(ids, num_labels: int) -> list[float] | None:
    """``[0, 2]`` as ``[1.0, 0.0, 1.0]`` for three labels; None (no labels known) stays None."""
    if ids is None:
        return None
    row = [0.0] * num_labels
    for index in ids:
        row[index] = 1.0
    return row


def read_label_sets(raw, label_columns: list[str], separator: str | None, reference: str, source: str,
                    is_test_split) -> tuple[dict[str, list], list[str]]:
    """Each split's rows as label-id lists (None for a test row without labels), and the label
    names: the 0/1 columns' names in the order given, else the training split's labels sorted.
    A label that training never has, or a cell that is not 0/1, is a one-line error naming the
    split, the row and the value."""
    if len(label_columns) > 1:
        return _from_indicator_columns(raw, label_columns, reference, source, is_test_split), list(label_columns)
    column = label_columns[0]
    cells = {split: _label_cells(ds, column, separator, split, source) if column in ds.column_names
             else [None] * ds.num_rows for split, ds in raw.items()}
    names = _names_of(cells[reference], raw[reference].features[column])
    if not names:
        raise InputError(f"no labels in column {column!r} of split {reference!r} of {source}: every row's label "
                         "set is empty")
    lookup = {name: index for index, name in enumerate(names)}
    ids = {}
    for split, rows in cells.items():
        if not is_test_split(split) and any(row is None for row in rows):
            missing = sum(row is None for row in rows)
            raise InputError(f"split {split!r} of {source} has {missing:,} rows without a {column!r}")
        ids[split] = [None if row is None else _ids(row, lookup, split, index, source, names)
                      for index, row in enumerate(rows)]
    return ids, names


def _label_cells(ds, column: str, separator: str | None, split: str, source: str) -> list:
    """The label names of each row of one split: split on ``separator``, or a list as it is."""
    feature = ds.features[column]
    inner = list_feature_inner(feature)
    values = ds[column]
    if inner is not None:
        if isinstance(inner, ClassLabel):
            return [None if row is None else [inner.names[i] for i in row] for row in values]
        return [None if row is None else [str(label).strip() for label in row if str(label).strip()]
                for row in values]
    if separator is None:
        raise InputError(f"label column {column!r} of split {split!r} of {source} holds {feature}, not lists; "
                         "pass label_separator (--label_separator) to read several labels from one cell")
    cells = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            cells.append([])  # an empty cell: no label applies
        else:
            cells.append([part.strip() for part in str(value).split(separator) if part.strip()])
    return cells


def _names_of(rows: list, feature) -> list[str]:
    inner = list_feature_inner(feature)
    if isinstance(inner, ClassLabel):
        return list(inner.names)
    return sorted({label for row in rows if row for label in row})


def _ids(row: list[str], lookup: dict, split: str, index: int, source: str, names: list[str]) -> list[int]:
    ids = []
    for label in row:
        if label not in lookup:
            raise InputError(f"label {label!r} in row {index + 1} of split {split!r} of {source} never occurs in "
                             f"training (training labels: {names})")
        ids.append(lookup[label])
    return sorted(set(ids))


def _from_indicator_columns(raw, columns: list[str], reference: str, source: str, is_test_split) -> dict[str, list]:
    """Rows of one 0/1 column per label as label-id lists; a test split without those columns is unlabelled."""
    if len(set(columns)) != len(columns):
        raise InputError(f"label columns {columns} name a column twice")
    ids = {}
    for split, ds in raw.items():
        present = [column for column in columns if column in ds.column_names]
        if not present and is_test_split(split):
            ids[split] = [None] * ds.num_rows
            continue
        absent = [column for column in columns if column not in ds.column_names]
        if absent:
            raise InputError(f"label columns {absent} are not in split {split!r} of {source}; its columns: "
                             f"{ds.column_names}")
        flags = np.zeros((ds.num_rows, len(columns)), dtype=bool)
        for position, column in enumerate(columns):
            for index, value in enumerate(ds[column]):
                flags[index, position] = _flag(value, column, split, index, source)
        ids[split] = [np.flatnonzero(row).tolist() for row in flags]
    positives = np.zeros(len(columns), dtype=int)
    for row in ids[reference]:
        positives[row] += 1
    never = [column for column, count in zip(columns, positives) if count == 0]
    if never:
        raise InputError(f"label columns {never} are 0 in every row of split {reference!r} of {source}: a label "
                         "needs training rows that have it")
    return ids


def _flag(value, column: str, split: str, index: int, source: str) -> bool:
    """A 0/1 cell (also true/false, yes/no) as a bool; anything else is an error naming it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)) and value in (0, 1):
        return bool(value)
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"label column {column!r}, row {index + 1} of split {split!r} of {source} holds {value!r}; "
                     "one column per label holds 1 (the label applies) or 0 (it does not)")


def choose_threshold(probabilities: np.ndarray, references: np.ndarray) -> tuple[float, float]:
    """The score threshold (of ``THRESHOLDS``) with the best micro-F1 on these rows, and that F1;
    a tie goes to the threshold nearest 0.5."""
    from sklearn.metrics import f1_score

    best = (DEFAULT_THRESHOLD, -1.0)
    for threshold in sorted(THRESHOLDS, key=lambda t: (abs(t - DEFAULT_THRESHOLD), t)):
        score = f1_score(references, probabilities >= threshold, average="micro", zero_division=0)
        if score > best[1]:
            best = (threshold, float(score))
    return best


__all__ = ["DEFAULT_THRESHOLD", "THRESHOLDS", "choose_threshold", "is_multi_label_feature", "label_set_feature",
           "list_feature_inner", "multi_hot", "read_label_sets"]
