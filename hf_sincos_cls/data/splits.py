"""Which rows go in which split: the seeded hash splits of the offline corpora, the stratified
subsample of the baselines, the reference split of a corpus and the one policy for a validation
split held out of training (the classification and the pre-training jobs share it).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from datasets import ClassLabel, Dataset, concatenate_datasets

from ..errors import InputError

if TYPE_CHECKING:
    from .columns import CorpusColumns

SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPLIT_NAMES = ("train", "validation", "test")


def reference_split_name(corpus: Mapping) -> str:
    """The split whose labels define the classes and whose columns the others are read like:
    train, else the first one. A corpus without splits is an ``InputError``."""
    if not corpus:
        raise InputError("the corpus has no splits")
    return "train" if "train" in corpus else next(iter(corpus))


def reference_split(corpus: Mapping) -> Dataset:
    """The reference split itself (:func:`reference_split_name`): train, else the first one."""
    return corpus[reference_split_name(corpus)]


def is_test_split(split: str) -> bool:
    # Test splits may come unlabelled (GLUE's test_matched, test_mismatched, a test file without labels).
    return split.startswith("test")


# --------------------------------------------------------------------------- deterministic splits


def _hash_key(seed: int, key: str) -> str:
    # A content hash instead of an RNG: the same rows land in the same split on every
    # machine, Python and numpy version, whatever order the source files are read in.
    return hashlib.sha256(f"{seed}\x00{key}".encode("utf-8")).hexdigest()


def stratified_split(
    texts: Sequence[str],
    labels: Sequence[int],
    fractions: Sequence[float] = SPLIT_FRACTIONS,
    seed: int = 0,
) -> list[list[int]]:
    """Row indices of each split: per class, rows ordered by a seeded hash of their text and cut by ``fractions``.

    Every split but the first gets ``fraction * class size`` rows of each class, rounded half
    up; the first gets the rest. Within a split, rows are in hash order, so classes are interleaved.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if not math.isclose(sum(fractions), 1.0) or any(f < 0 for f in fractions):
        raise ValueError(f"split fractions must be non-negative and sum to 1; got {tuple(fractions)}")
    keys = [_hash_key(seed, text) for text in texts]
    by_class: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    splits: list[list[int]] = [[] for _ in fractions]
    for members in by_class.values():
        members.sort(key=lambda i: (keys[i], i))
        sizes = [int(f * len(members) + 0.5) for f in fractions[1:]]
        sizes.insert(0, len(members) - sum(sizes))
        start = 0
        for split, size in zip(splits, sizes):
            split.extend(members[start : start + size])
            start += size
    return [sorted(split, key=lambda i: (keys[i], i)) for split in splits]


def stratified_subsample(dataset: Dataset, n: int, seed: int = 0, label_column: str = "label") -> Dataset:
    """``n`` rows in their original order, each class in proportion to its size (largest remainders); deterministic.

    For a float (regression) label the rows are drawn without stratification.
    """
    if n >= dataset.num_rows:
        return dataset
    keys = [_hash_key(seed, str(i)) for i in range(dataset.num_rows)]
    stratify = isinstance(dataset.features.get(label_column), ClassLabel)
    labels = list(dataset[label_column]) if stratify else [0] * dataset.num_rows
    by_class: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    exact = {label: n * len(members) / dataset.num_rows for label, members in by_class.items()}
    quota = {label: int(value) for label, value in exact.items()}
    by_remainder = sorted(exact, key=lambda label: (-(exact[label] - quota[label]), label))
    for label in by_remainder[: n - sum(quota.values())]:
        quota[label] += 1
    chosen = []
    for label, members in by_class.items():
        chosen.extend(sorted(members, key=lambda i: keys[i])[: quota[label]])
    return dataset.select(sorted(chosen))


# --------------------------------------------------------------------------- a held-out validation split


class HeldOut(NamedTuple):
    """What :func:`hold_out_validation` cut: the rows left to train on, the rows held out, and
    how, in the words the jobs log."""

    train: Dataset
    validation: Dataset
    description: str


def hold_out_validation(train: Dataset, percentage: int, seed: int, columns: CorpusColumns | None,
                        rows: str = "rows", source: str = "the training split") -> HeldOut:
    """``percentage`` percent of ``train`` held out for validation, for data without a validation split.

    With ``columns`` of classification data, the cut is stratified by label where every class
    has two rows (and the cut can give each class one), then single rows move so that every
    class (every label of multi-label data) with two rows or more has one on each side. With
    ``columns`` None (regression, texts without labels) or a dataset without a ``label`` column
    it is a plain seeded random cut. A percentage outside (0, 100), or one that leaves nothing
    to train on, is an ``InputError``. ``rows`` and ``source`` name what is cut, for the
    description ("texts", "the pre-training texts").
    """
    if not 0 < percentage < 100:
        raise InputError(f"--validation_split_percentage {percentage} must lie between 0 and 100")
    held_rows = math.ceil(len(train) * percentage / 100)  # as train_test_split counts them
    if held_rows >= len(train):
        raise InputError(f"--validation_split_percentage {percentage} of {len(train):,} {rows} leaves none to train "
                         "on: give more data, a validation split, or --validation_split_percentage 0")
    labelled = columns is not None and "label" in train.column_names
    feature = train.features["label"] if labelled else None
    stratify = None
    if isinstance(feature, ClassLabel) and min(np.bincount(train["label"], minlength=feature.num_classes)) >= 2:
        stratify = "label"
    try:
        parts = train.train_test_split(test_size=percentage / 100, seed=seed, stratify_by_column=stratify)
    except ValueError:  # too few rows for a stratified cut (fewer held-out rows than classes)
        stratify = None
        parts = train.train_test_split(test_size=percentage / 100, seed=seed)
    kept, held, remarks = parts["train"], parts["test"], ""
    if labelled and not columns.is_regression:
        kept, held, remarks = _every_class_on_both_sides(kept, held, columns.label_names, columns.is_multi_label)
    description = (f"{len(held):,} {rows} ({percentage}%) held out of {source}"
                   + (", stratified by label" if stratify else "")
                   + " (the data has no validation split)" + remarks)
    return HeldOut(kept, held, description)


def _every_class_on_both_sides(train: Dataset, validation: Dataset, label_names: list[str],
                               multi_label: bool) -> tuple[Dataset, Dataset, str]:
    """Move single rows between the two parts of a held-out split so that each class with two
    rows or more has one in training and one in validation (a stratified cut of 10% gives a
    class of 4 rows none). Returns both parts and what was done, for the log."""

    def classes(label):
        return label if multi_label else [label]

    sides = {"train": [classes(label) for label in train["label"]],
             "validation": [classes(label) for label in validation["label"]]}
    counts = {side: Counter(c for row in rows for c in row) for side, rows in sides.items()}
    moved: dict[str, list[int]] = {"train": [], "validation": []}  # row indices leaving that side
    for label in range(len(label_names)):
        for side, other in (("validation", "train"), ("train", "validation")):
            if counts[side][label] or not counts[other][label] or (side == "validation" and counts[other][label] < 2):
                continue
            # A row of this class whose other classes keep a row where it leaves.
            for index, row in enumerate(sides[other]):
                if label in row and index not in moved[other] and all(counts[other][c] >= 2 for c in row if c != label):
                    moved[other].append(index)
                    for c in row:
                        counts[other][c] -= 1
                        counts[side][c] += 1
                    break
    alone = [name for label, name in enumerate(label_names)
             if counts["train"][label] + counts["validation"][label] == 1]
    remarks = ""
    if moved["train"] or moved["validation"]:
        remarks += (f"; {len(moved['train']) + len(moved['validation'])} rows moved so that every class with two rows "
                    "has one in training and one in validation")
    if alone:
        remarks += f"; {alone} have a single row: it trains, and validation cannot score them"
    if not (moved["train"] or moved["validation"]):
        return train, validation, remarks

    def staying(ds: Dataset, side: str) -> Dataset:
        gone = set(moved[side])
        return ds.select([index for index in range(len(ds)) if index not in gone])

    return (concatenate_datasets([staying(train, "train"), validation.select(moved["validation"])]),
            concatenate_datasets([staying(validation, "validation"), train.select(moved["train"])]), remarks)
