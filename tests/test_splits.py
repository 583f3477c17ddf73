"""data.splits: the hash splits, the stratified subsample, the reference split and the held-out validation split."""

import random

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

from hf_sincos_cls.data import (
    CorpusColumns,
    HeldOut,
    hold_out_validation,
    reference_split,
    reference_split_name,
    stratified_split,
    stratified_subsample,
)
from hf_sincos_cls.errors import InputError


def _labelled(rows, names):
    """A training split of (text, label name) rows, and its CorpusColumns."""
    features = Features({"text": Value("string"), "label": ClassLabel(names=names)})
    ds = Dataset.from_dict({"text": [text for text, _ in rows], "label": [names.index(name) for _, name in rows]},
                           features=features)
    return ds, CorpusColumns("text", None, list(names), False)


def _class_counts(ds, names):
    return [list(ds["label"]).count(i) for i in range(len(names))]


# --------------------------------------------------------------------------- splitting helpers


def test_stratified_split_does_not_depend_on_input_order():
    texts = [f"text {i}" for i in range(200)]
    labels = [i % 3 for i in range(200)]
    order = list(range(200))
    random.Random(0).shuffle(order)
    first = [{texts[i] for i in part} for part in stratified_split(texts, labels)]
    shuffled = stratified_split([texts[i] for i in order], [labels[i] for i in order])
    second = [{texts[order[i]] for i in part} for part in shuffled]
    assert first == second


def test_stratified_subsample_keeps_class_proportions():
    ds = Dataset.from_dict(
        {"text": [f"t{i}" for i in range(100)], "label": [0] * 70 + [1] * 20 + [2] * 10},
        features=Features({"text": Value("string"), "label": ClassLabel(names=["a", "b", "c"])}),
    )
    sample = stratified_subsample(ds, 10)
    assert sorted(sample["label"]) == [0] * 7 + [1] * 2 + [2]


def test_stratified_subsample_is_deterministic():
    ds = Dataset.from_dict({"text": [f"t{i}" for i in range(50)], "label": [float(i) for i in range(50)]})
    assert stratified_subsample(ds, 7)["text"] == stratified_subsample(ds, 7)["text"]
    assert stratified_subsample(ds, 7)["text"] != stratified_subsample(ds, 7, seed=1)["text"]


# --------------------------------------------------------------------------- the reference split


def test_the_reference_split_is_train_else_the_first():
    train, test = Dataset.from_dict({"text": ["a"]}), Dataset.from_dict({"text": ["b"]})
    assert reference_split_name(DatasetDict({"test": test, "train": train})) == "train"
    assert reference_split(DatasetDict({"test": test, "train": train})) is train
    assert reference_split_name({"validation": train, "test": test}) == "validation"
    with pytest.raises(InputError, match="the corpus has no splits"):
        reference_split_name(DatasetDict())


# --------------------------------------------------------------------------- a held-out validation split


def test_held_out_validation_is_datasets_stratified_cut_and_says_so():
    rows = [(f"good film {i}", "fresh") for i in range(90)] + [(f"bad film {i}", "rotten") for i in range(10)]
    train, columns = _labelled(rows, ["fresh", "rotten"])
    held = hold_out_validation(train, 10, 42, columns)
    assert isinstance(held, HeldOut)
    expected = train.train_test_split(test_size=0.1, seed=42, stratify_by_column="label")
    assert list(held.train["text"]) == list(expected["train"]["text"])
    assert list(held.validation["text"]) == list(expected["test"]["text"])
    assert _class_counts(held.validation, ["fresh", "rotten"]) == [9, 1]
    assert held.description == ("10 rows (10%) held out of the training split, stratified by label "
                                "(the data has no validation split)")


def test_a_held_out_validation_split_keeps_a_row_of_every_class():
    # 10% of 4 rows is none: the stratified cut alone leaves 'rare' out of validation
    names = ["common", "rare", "single"]
    rows = [(f"common text {i}", "common") for i in range(60)] + [(f"rare text {i}", "rare") for i in range(4)]
    rows += [("single text", "single")]
    train, columns = _labelled(rows, names)
    held = hold_out_validation(train, 10, 42, columns)
    assert "rows moved so that every class with two rows has one in training and one in validation" in held.description
    assert "['single'] have a single row: it trains" in held.description
    assert "stratified by label" not in held.description  # 'single' has one row: no stratified cut
    train_counts, validation_counts = _class_counts(held.train, names), _class_counts(held.validation, names)
    assert (train_counts[1], validation_counts[1]) == (3, 1) and (train_counts[2], validation_counts[2]) == (1, 0)
    assert sorted([*held.train["text"], *held.validation["text"]]) == sorted(train["text"])


def test_a_held_out_multi_label_split_keeps_a_row_of_every_label():
    names = ["a", "b", "c", "d"]
    labels = [[i % 3] + ([3] if i % 17 == 0 else []) for i in range(60)]
    features = Features({"text": Value("string"), "label": Sequence(ClassLabel(names=names))})
    train = Dataset.from_dict({"text": [f"t{i}" for i in range(60)], "label": labels}, features=features)
    held = hold_out_validation(train, 10, 42, CorpusColumns("text", None, names, False, True))
    for side in (held.train, held.validation):
        assert {label for row in side["label"] for label in row} == {0, 1, 2, 3}
    assert held.description.startswith("6 rows (10%) held out of the training split (the data has no validation")
    assert len(held.train) + len(held.validation) == 60


@pytest.mark.parametrize("dataset", [
    Dataset.from_dict({"text": [f"text {i}" for i in range(50)]}),  # texts for pre-training
    Dataset.from_dict({"text": [f"text {i}" for i in range(50)], "label": [float(i) for i in range(50)]}),
])
def test_texts_without_classes_are_held_out_by_a_plain_seeded_cut(dataset):
    held = hold_out_validation(dataset, 10, 7, None)
    expected = dataset.train_test_split(test_size=0.1, seed=7)
    assert list(held.train["text"]) == list(expected["train"]["text"])
    assert list(held.validation["text"]) == list(expected["test"]["text"])
    assert held.description == "5 rows (10%) held out of the training split (the data has no validation split)"
    assert list(hold_out_validation(dataset, 10, 8, None).validation["text"]) != list(held.validation["text"])


@pytest.mark.parametrize("percentage", [0, 100, -5])
def test_a_held_out_share_outside_0_to_100_is_refused(percentage):
    with pytest.raises(InputError, match=f"--validation_split_percentage {percentage} must lie between 0 and 100"):
        hold_out_validation(Dataset.from_dict({"text": ["a", "b"]}), percentage, 0, None)
