"""Word vectors aligned with a tokenizer (model card rule 2): the matrix whose row i is the
vector of token id i, how much of the vocabulary and of a corpus found a vector, and a model
built on it. ``build_model_with_word_vectors`` caches the matrix it aligns (``cache.cache_dir()``
/ ``word_vectors``), so a second run reads no vectors.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from ..cache import cache_dir, write_atomically
from ..errors import InputError
from .reading import GLOVE_DEFAULT, PACKAGED, WordVectors, read_word_vectors, zip_member

logger = logging.getLogger(__name__)

_STATISTICS_ROWS = 2048  # rows sampled to estimate the vectors' mean and std


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
        raise InputError(f"missing={missing!r}: choose 'normal' (the vectors' own mean and std) or 'zeros' (the blog)")
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
    """The ``Coverage`` of ``found``; with ``texts``, also of their tokens (encoded 1,024 at a time)."""
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
    if source in PACKAGED:
        package, version, vectors_member, _ = PACKAGED[source]
        return f"pypi:{package}=={version}:{vectors_member}"
    path = Path(source)
    in_zip = None if path.is_file() else zip_member(path)
    if in_zip is not None and in_zip[1]:
        with zipfile.ZipFile(in_zip[0]) as zf:
            info = zf.getinfo(in_zip[1])
        return f"zip:{in_zip[1]}:{info.CRC:08x}:{info.file_size}"
    stat = path.stat()
    return f"file:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _cache_key(fingerprint: str, tokenizer, tokens: list[str | None], missing: str, seed: int) -> str:
    """The cache file's name: a hash of all that the aligned matrix depends on (``format`` is
    raised when what is saved changes)."""
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


def _cached_aligned(vectors, tokenizer, vocabulary, missing: str, seed: int, use_cache: bool):
    """``_aligned``'s matrix and mask, from the cache when it holds them; else the vectors are
    read, aligned and (with ``use_cache``) saved, whole or not at all (``write_atomically``)."""
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
        write_atomically(path, lambda f: np.savez(f, matrix=matrix, found=found))
    return matrix, found


def build_model_with_word_vectors(
    config,
    tokenizer,
    vectors: str | os.PathLike | WordVectors = GLOVE_DEFAULT,
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
    is cached under ``cache.cache_dir()``, keyed by the vectors (package pin, zip member
    CRC, or file path, size and modification time), the vocabulary and the options, so a second
    run does not read the vectors again.

    Returns ``(model, coverage)``; ``model_class`` defaults to ``SinCosClsForSequenceClassification``.
    With ``texts``, a coverage below ``min_token_share`` of their tokens returns ``(None, coverage)``:
    vectors for a few words in a sea of random rows are not worth a model built around their width.
    """
    if model_class is None:
        from ..modeling_sincos_cls import SinCosClsForSequenceClassification as model_class
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
    set_word_vectors(model, matrix)
    return model, coverage


def set_word_vectors(model, matrix, trainable: bool = True) -> None:
    """Copy a (vocab_size, embedding_size) matrix, e.g. GloVe rows, into ``model``'s word embeddings."""
    weight = model.get_input_embeddings().weight
    tensor = torch.as_tensor(np.asarray(matrix) if not torch.is_tensor(matrix) else matrix)
    if tuple(tensor.shape) != tuple(weight.shape):
        raise ValueError(f"embedding matrix has shape {tuple(tensor.shape)}, but the model's word embeddings are "
                         f"(vocab_size={weight.shape[0]}, embedding_size={weight.shape[1]})")
    if not torch.isfinite(tensor).all():
        raise ValueError("embedding matrix holds NaN or infinite values")
    with torch.no_grad():
        weight.copy_(tensor.to(dtype=weight.dtype, device=weight.device))
    weight.requires_grad_(trainable)


__all__ = [
    "AlignedEmbeddings",
    "Coverage",
    "build_model_with_word_vectors",
    "set_word_vectors",
    "embedding_matrix",
]
