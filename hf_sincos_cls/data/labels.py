"""Label encoding: one label column's raw values, split by split, as the ids of datasets' own
``ClassLabel`` (classification) or as floats (regression), checked against the training classes.

The ``ClassLabel`` is the encoder: it holds the class names and turns string labels into ids
(``str2int``). Ours are the checks and their messages (a training row without a label, a label
training never has), ``-1`` for a test row without one, and integer labels, which are classes in
numeric order (see :func:`label_coding`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from datasets import ClassLabel, Dataset, Value

from .._compat import is_json_feature
from ..errors import InputError

FLOAT_DTYPES = frozenset({"float16", "float32", "float64"})
STRING_DTYPES = frozenset({"string", "large_string"})
_CATEGORY_DTYPES = STRING_DTYPES | {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"
}


class LabelCoding(NamedTuple):
    """How a corpus's raw labels become ``label`` values: ``feature`` is what the column becomes
    (a ``ClassLabel`` of the training classes, or ``float32``); ``kind`` says what the raw values
    are: ``"ids"`` of a ``ClassLabel`` already, ``"strings"``, ``"numbers"`` (integers or
    booleans, looked up in ``numbers``) or ``"floats"`` (regression)."""

    feature: ClassLabel | Value
    kind: str
    label_column: str
    source: str
    numbers: dict | None = None


def label_coding(feature, reference: Dataset, label_column: str, source: str) -> LabelCoding:
    """The coding of a label column whose feature in the reference split is ``feature``: a
    ``ClassLabel`` keeps its names; strings and integers become classes in sorted order (numbers
    numerically: ``["2", "10"]``); floats mean regression. Any other feature is an ``InputError``."""
    if isinstance(feature, ClassLabel):
        return LabelCoding(ClassLabel(names=list(feature.names)), "ids", label_column, source)
    dtype = getattr(feature, "dtype", None)
    if dtype in FLOAT_DTYPES:
        return LabelCoding(Value("float32"), "floats", label_column, source)
    if dtype in _CATEGORY_DTYPES:
        present = sorted(value for value in reference.unique(label_column) if not is_missing(value))
        names = ClassLabel(names=[str(value) for value in present])
        if dtype in STRING_DTYPES:
            return LabelCoding(names, "strings", label_column, source)
        # Ours, not class_encode_column's: it names integers as strings and sorts the names
        # ("10" before "2"), and str2int cannot find 1 read as 1.0 (pandas reads an integer
        # column with an empty cell as floats): a dict of the values themselves can.
        return LabelCoding(names, "numbers", label_column, source, {value: i for i, value in enumerate(present)})
    kinds = value_kinds(reference[label_column]) if is_json_feature(feature) else []
    if len(kinds) > 1:  # json labels of several kinds: datasets gives up on a type and calls it Json
        raise InputError(f"label column {label_column!r} of {source} mixes {' and '.join(kinds)}: a label column "
                         "holds one kind, strings or integers (classification) or floats (regression)")
    raise InputError(
        f"label column {label_column!r} of {source} holds {feature}; expected strings or integers "
        "(classification) or floats (regression)"
    )


def encode_labels(coding: LabelCoding, values: list, split: str, allow_missing: bool) -> list:
    """One split's raw label values as ids (``-1``: no label, in a split that may lack them) or
    floats (NaN); a missing label where labels are required, or a class training never has, is
    an ``InputError`` naming the split."""
    missing = sum(map(is_missing, values))
    if missing and not allow_missing:
        raise InputError(f"split {split!r} of {coding.source} has {missing:,} rows without a {coding.label_column!r}")
    if coding.kind == "floats":
        return [math.nan if is_missing(value) else float(value) for value in values]
    names = coding.feature.names
    known = set(names)
    out = []
    for value in values:
        # -1 is ClassLabel's "no label", as in GLUE's test splits.
        if is_missing(value) or (allow_missing and coding.kind == "ids" and value == -1):
            out.append(-1)
            continue
        if coding.kind == "ids":
            label = value if 0 <= value < coding.feature.num_classes else None
        elif coding.kind == "numbers":
            label = coding.numbers.get(value)
        else:  # str2int alone would read "1" as id 1 and " pos" as "pos": it is asked only for a name it has
            label = coding.feature.str2int(value) if value in known else None
        if label is None:
            raise InputError(
                f"label {value!r} in split {split!r} of {coding.source} never occurs in training "
                f"(training labels: {names})"
            )
        out.append(label)
    return out


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def value_kinds(values) -> list[str]:
    """The Python types among ``values`` with the row each first appears in: ``['int (row 1)', 'str (row 2)']``."""
    first: dict[str, int] = {}
    for row, value in enumerate(values, 1):
        if value is not None:
            first.setdefault(type(value).__name__, row)
    return [f"{kind} (row {row})" for kind, row in first.items()]
