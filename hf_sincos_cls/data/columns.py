"""From a source's own splits to load_corpus's shape: the text column(s), chosen or found and
checked in every split, and a ``label`` column of class ids, id lists (multi-label) or floats;
for pre-training, the texts alone with the label ``-1``. :func:`corpus_columns` reads the shape back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from datasets import ClassLabel, Dataset, DatasetDict, Value

from .._compat import is_json_feature
from ..errors import InputError
from ..multi_label import is_multi_label_feature, label_set_feature, list_feature_inner, read_label_sets
from .labels import FLOAT_DTYPES, STRING_DTYPES, encode_labels, label_coding, value_kinds
from .splits import is_test_split, reference_split, reference_split_name

logger = logging.getLogger(__name__)

#: Longer texts are cut here when read (``_cut_long_texts``): 12 characters a token at the longest
#: input a model of this package reads (8,192 tokens), and about 0.1 s to tokenise.
MAX_TEXT_CHARS = 100_000
_HOW_TO_NAME = ("choose them with --label_column_name (the labels) and --text_column_names (the texts); "
                "label_column and text_columns in load_corpus")


class CorpusColumns(NamedTuple):
    """What a training script needs to know about a corpus from :func:`load_corpus`."""

    text: str
    text_pair: str | None
    label_names: list[str] | None
    is_regression: bool
    #: each row holds a list of label ids (``Sequence(ClassLabel)``), any number of them
    is_multi_label: bool = False


def corpus_columns(corpus: DatasetDict) -> CorpusColumns:
    """Text column, pair column (or None), label names (None for regression) and whether it is regression."""
    reference = reference_split(corpus)
    text = [name for name in reference.column_names if name != "label"]
    if "label" not in reference.column_names or len(text) not in (1, 2):
        raise ValueError(
            f"expected one or two text columns and 'label' (as load_corpus returns); got {reference.column_names}"
        )
    feature = reference.features["label"]
    if isinstance(feature, ClassLabel):
        return CorpusColumns(text[0], text[1] if len(text) == 2 else None, list(feature.names), False)
    if is_multi_label_feature(feature):
        return CorpusColumns(text[0], text[1] if len(text) == 2 else None, list(feature.feature.names), False, True)
    if isinstance(feature, Value) and feature.dtype in FLOAT_DTYPES:
        return CorpusColumns(text[0], text[1] if len(text) == 2 else None, None, True)
    raise ValueError(f"label column holds {feature}, neither a ClassLabel nor floats; load the corpus with load_corpus")


class LabelSpec(NamedTuple):
    """Where a file's labels are: one column, one 0/1 column per label, or one column split on a separator."""

    columns: list[str]
    separator: str | None = None

    def is_multi_label(self, ds: Dataset) -> bool:
        """Several labels a row: 0/1 columns, a separator, or a label column of lists."""
        if len(self.columns) > 1 or self.separator is not None:
            return True
        feature = ds.features.get(self.columns[0])
        return feature is not None and list_feature_inner(feature) is not None


def as_list(columns: str | Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    return [columns] if isinstance(columns, str) else list(columns)


# --------------------------------------------------------------------------- labelled and unlabelled shapes


def standardise(raw: DatasetDict, text_columns: list[str] | None, labels: LabelSpec, source: str) -> DatasetDict:
    """Keep the text column(s) and the label (renamed ``label``); labels to ids, id lists (multi-label) or
    floats; check every split."""
    for split, ds in raw.items():
        if ds.num_rows == 0:
            raise InputError(f"split {split!r} of {source} is empty")
    reference = reference_split_name(raw)
    ref = raw[reference]
    if labels.is_multi_label(ref):
        return _standardise_label_sets(raw, text_columns, labels, source)
    label_column = labels.columns[0]

    def check_label_column(split: str, ds) -> None:
        if label_column not in ds.column_names:
            raise InputError(f"label column {label_column!r} is not in split {split!r} of {source}; its columns: "
                             f"{ds.column_names} (name it with label_column, --label_column_name in the scripts)")

    check_label_column(reference, ref)
    text_columns = checked_text_columns(raw, text_columns, labels.columns, source)
    for split, ds in raw.items():
        if not is_test_split(split):
            check_label_column(split, ds)

    coding = label_coding(ref.features[label_column], ref, label_column, source)
    corpus = DatasetDict()
    for split, ds in raw.items():
        feature = ds.features.get(label_column)
        if isinstance(feature, ClassLabel) and coding.kind == "ids" and feature.names != coding.feature.names:
            raise InputError(f"split {split!r} of {source} names its labels {feature.names}, training names them "
                             f"{coding.feature.names}")
        values = list(ds[label_column]) if label_column in ds.column_names else [None] * ds.num_rows
        ids = encode_labels(coding, values, split, allow_missing=is_test_split(split))
        ds = _cut_long_texts(_empty_texts_as_strings(ds.select_columns(text_columns)), split, source)
        corpus[split] = ds.add_column("label", ids, feature=coding.feature)
    return corpus


def _standardise_label_sets(raw: DatasetDict, text_columns: list[str] | None, labels: LabelSpec,
                            source: str) -> DatasetDict:
    """``standardise`` for multi-label data: each row's labels as a list of ids (``multi_label``)."""
    reference = reference_split_name(raw)
    for split, ds in raw.items():
        missing = [column for column in labels.columns if column not in ds.column_names]
        # A test split may come without labels: without any of the label columns.
        unlabelled_test = is_test_split(split) and split != reference and len(missing) == len(labels.columns)
        if missing and not unlabelled_test:
            raise InputError(f"label column(s) {missing} not in split {split!r} of {source}; its columns: "
                             f"{ds.column_names} (name them with label_column, --label_column_name in the scripts)")
    text_columns = checked_text_columns(raw, text_columns, labels.columns, source)
    ids, names = read_label_sets(raw, labels.columns, labels.separator, reference, source, is_test_split)
    corpus = DatasetDict()
    for split, ds in raw.items():
        ds = _cut_long_texts(_empty_texts_as_strings(ds.select_columns(text_columns)), split, source)
        corpus[split] = ds.add_column("label", ids[split], feature=label_set_feature(names))
    return corpus


def unlabelled(raw: DatasetDict, text_columns: list[str] | None, label_columns: list[str], source: str) -> DatasetDict:
    """Text for pre-training, whether or not the files have labels: the text column(s), empty
    texts dropped, and a ``label`` of -1 (no class) so that the corpus has load_corpus's shape."""
    text_columns = checked_text_columns(raw, text_columns, label_columns, source)
    corpus = DatasetDict()
    for split, ds in raw.items():
        ds = _empty_texts_as_strings(ds.select_columns(text_columns))
        ds = ds.filter(lambda rows: [any(text.strip() for text in texts) for texts in zip(*rows.values())],
                       batched=True, desc="dropping empty lines")
        if ds.num_rows == 0:
            raise InputError(f"split {split!r} of {source} holds no text")
        corpus[split] = ds.add_column("label", [-1] * ds.num_rows, feature=ClassLabel(names=[]))
    return corpus


# --------------------------------------------------------------------------- text columns


def checked_text_columns(raw: DatasetDict, text_columns: list[str] | None, label_columns: list[str],
                         source: str) -> list[str]:
    """The text column(s) named, or run_glue's default: one or two, none of them a label column,
    in every split, holding text."""
    if text_columns is None:
        text_columns = _default_text_columns(reference_split(raw), label_columns, source)
    if not 1 <= len(text_columns) <= 2:
        raise InputError(f"give one text column, or two for sentence pairs; got {text_columns}")
    _check_not_labels(text_columns, label_columns, source)
    for split, ds in raw.items():
        for column in text_columns:
            _check_text_column(ds, column, split, source)
    return text_columns


def _check_not_labels(text_columns: list[str], label_columns: list[str], source: str) -> None:
    """A column holds the texts or the labels, and a text column cannot be named 'label' (the
    name the label column takes), which is where a label column named after the texts leads."""
    both = [column for column in text_columns if column in label_columns]
    if both:
        raise InputError(f"label column {both[0]!r} is also the text column of {source}: {_HOW_TO_NAME}")
    if "label" in text_columns:
        raise InputError(f"the label column is {label_columns[0]!r}, so column 'label' of {source} would be read as "
                         f"the text: if {label_columns[0]!r} holds the texts, the labels are in 'label' (the "
                         f"default); {_HOW_TO_NAME}")


def _check_text_column(ds: Dataset, column: str, split: str, source: str) -> None:
    """The column is in the split and holds strings, not all of them empty."""
    if column not in ds.column_names:
        raise InputError(
            f"text column {column!r} is not in split {split!r} of {source}; its columns: {ds.column_names} "
            "(name the text column(s) with text_columns, --text_column_names in the scripts)"
        )
    # An all-empty csv column reads as float64 nulls: say so rather than that it holds floats.
    if _has_no_text(ds, column):
        raise InputError(f"text column {column!r} of split {split!r} of {source} has no text: every cell is empty")
    feature = ds.features[column]
    if getattr(feature, "dtype", None) not in STRING_DTYPES:
        kinds = value_kinds(ds[column]) if is_json_feature(feature) else []
        held = f"mixes {' and '.join(kinds)}" if len(kinds) > 1 else f"holds {feature}, not strings"
        raise InputError(f"text column {column!r} of split {split!r} of {source} {held}")


def _has_no_text(ds: Dataset, column: str) -> bool:
    """Whether every cell of a column is null or blank (one pass in Arrow, not in Python)."""
    import pyarrow.compute as pc

    values = ds.data.column(column)
    if values.null_count == len(values):
        return True
    if getattr(ds.features[column], "dtype", None) not in STRING_DTYPES:
        return False
    return not pc.max(pc.utf8_length(pc.utf8_trim_whitespace(values))).as_py()


def _default_text_columns(ds: Dataset, label_columns: list[str], source: str) -> list[str]:
    """run_glue's rule, limited to string columns: sentence1/sentence2, else the first two, else the first."""
    candidates = [
        name for name, feature in ds.features.items()
        if name not in label_columns and getattr(feature, "dtype", None) in STRING_DTYPES
    ]
    if "sentence1" in candidates and "sentence2" in candidates:
        chosen = ["sentence1", "sentence2"]
    else:
        chosen = candidates[:2]
    if not chosen:  # an all-empty csv column reads as nulls of no string type: take it, to be named
        chosen = [name for name in ds.column_names
                  if name not in label_columns and ds.data.column(name).null_count == ds.num_rows][:1]
    if not chosen:
        besides = label_columns[0] if len(label_columns) == 1 else label_columns
        raise InputError(f"no text column in {source}: no string column besides {besides!r} in {ds.column_names}")
    logger.info("text column(s) of %s: %s (name them with text_columns to choose others)", source, chosen)
    return chosen


def _empty_texts_as_strings(ds: Dataset) -> Dataset:
    """None in a text column (an empty csv cell) becomes ``""``: the model knows what an empty text gets."""
    nullable = [column for column in ds.column_names if ds.data.column(column).null_count]
    if not nullable:
        return ds
    return ds.map(
        lambda batch: {column: ["" if text is None else text for text in batch[column]] for column in nullable},
        batched=True,
        features=ds.features,
        desc="empty texts to ''",
    )


def _cut_long_texts(ds: Dataset, split: str, source: str) -> Dataset:
    """Texts longer than ``MAX_TEXT_CHARS`` cut there, with one warning naming the first: a model
    reads a few thousand tokens of a text at most, and the tokenizer, the vector coverage and the
    length statistics would each tokenise a 50 MB cell whole (minutes)."""
    import pyarrow.compute as pc

    lengths = np.max([pc.utf8_length(ds.data.column(column)).to_numpy(zero_copy_only=False)
                      for column in ds.column_names], axis=0)
    long = np.flatnonzero(lengths > MAX_TEXT_CHARS)
    if not len(long):
        return ds
    logger.warning("row %d of split %r of %s holds %s characters: cut to its first %s, as is every text longer "
                   "than that (%s in all); a model reads a few thousand tokens of a text at most",
                   long[0] + 1, split, source, f"{int(lengths[long[0]]):,}", f"{MAX_TEXT_CHARS:,}", f"{len(long):,}")
    return ds.map(lambda batch: {column: [text[:MAX_TEXT_CHARS] for text in texts] for column, texts in batch.items()},
                  batched=True, features=ds.features, desc="cutting long texts")
