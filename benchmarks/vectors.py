"""How fast word vectors load: ``word_vectors.read_word_vectors`` + ``embedding_matrix`` against the blog's
``load_word_embedding`` + ``build_matrix``, on the 400,000-word GloVe 6B 50d text file.

``python -m benchmarks`` calls ``word_vectors_benchmark``; by hand::

    python -c "from benchmarks.vectors import word_vectors_benchmark as b; print(b())"   # from the repository root
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import string
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from hf_sincos_cls.cache import cache_dir
from hf_sincos_cls.tokenization import build_tokenizer
from hf_sincos_cls.word_vectors import GLOVE_DEFAULT, embedding_matrix, read_word_vectors

# ---------------------------------------------------------------------------------------------
# The blog's reference, ported to Python/numpy as written (its MODEL_DIM became ``dim``).
# Used only to time it against ours; it reads every line's numbers, and it joins the parts of
# a word that holds spaces without them (model card rule 2 keeps them).
# ---------------------------------------------------------------------------------------------


def blog_load_word_embedding(filepath, dim, progress=True):
    """The blog's ``load_word_embedding``: a dict from every word to its float32 vector."""
    embeddings_index = {}
    f = open(filepath, encoding="utf8")
    for line in tqdm(f, disable=not progress):
        values = line.split()
        word = "".join(values[:-dim])
        coefs = np.asarray(values[-dim:], dtype="float32")
        embeddings_index[word] = coefs
    f.close()
    return embeddings_index


def blog_build_matrix(word_index, path, dim, progress=True):
    """The blog's ``build_matrix``: row i is the vector of the word whose index is i, zeros if missing."""
    embedding_index = blog_load_word_embedding(path, dim, progress)
    embedding_matrix = np.zeros((len(word_index) + 1, dim))
    for word, i in word_index.items():
        if word in embedding_index:
            embedding_matrix[i] = embedding_index[word]
    return embedding_matrix


# ---------------------------------------------------------------------------------------------


def glove_text_file() -> Path:
    """The packaged GloVe 6B 50d written as GloVe's own text file (400,000 lines), cached."""
    path = cache_dir() / "benchmark" / "glove.6B.50d.txt"
    if path.is_file():
        return path
    vectors = read_word_vectors(GLOVE_DEFAULT)
    words, matrix = vectors.words, vectors.vectors
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for lo in tqdm(range(0, len(words), 20000), desc="writing glove.6B.50d.txt", delay=1.0):
                # float32's shortest repr gives back GloVe's own digits ("0.418", not "0.41800001").
                numbers = matrix[lo:lo + 20000].astype(str)
                f.write("".join(f"{w} {' '.join(row)}\n" for w, row in zip(words[lo:lo + 20000], numbers)))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _synthetic_texts(words: list[str], vocab_size: int, seed: int) -> list[str]:
    """Texts holding ``vocab_size`` distinct words: nine in ten from GloVe across its frequency
    range (more from the frequent end, as in a real corpus), one in ten made up, so missing
    words are exercised too."""
    rng = random.Random(seed)
    alphabetic = [w for w in words if w.isascii() and w.isalpha()]
    known = set(words)
    glove_part = vocab_size - vocab_size // 10
    bands = [(0, 20000, 0.5), (20000, 100000, 0.3), (100000, len(alphabetic), 0.2)]
    chosen: list[str] = []
    for lo, hi, share in bands:
        chosen += rng.sample(alphabetic[lo:hi], round(glove_part * share))
    made_up: set[str] = set()
    while len(made_up) < vocab_size - len(chosen):
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(7, 12)))
        if word not in known:
            made_up.add(word)
    vocabulary = chosen + sorted(made_up)
    rng.shuffle(vocabulary)
    return [" ".join(vocabulary[i:i + 50]) for i in range(0, len(vocabulary), 50)]


def word_vectors_benchmark(vocab_size: int = 20000, *, texts=None, repeats: int = 3, seed: int = 0,
                           progress: bool = False) -> dict:
    """Time the blog's loading against ours on the 400,000-word GloVe 6B 50d text file.

    Builds a ``vocab_size``-word tokenizer (from ``texts``, or synthetic texts over GloVe's
    words plus a tenth of made-up ones), then times, in this process and with the file in the
    OS page cache for both: the blog's ``build_matrix`` (once) and
    ``embedding_matrix(read_word_vectors(path), tokenizer)`` (``repeats`` times, each from
    scratch, no cache; the median counts). Checks both find the same words with the same
    vectors. Returns the seconds and their ratio.
    """
    path = glove_text_file()
    words = read_word_vectors(GLOVE_DEFAULT).words
    texts = _synthetic_texts(words, vocab_size, seed) if texts is None else texts
    tokenizer = build_tokenizer(texts, max_vocab_size=vocab_size + 4)
    vocab = tokenizer.get_vocab()
    special = set(tokenizer.all_special_ids)
    word_ids = sorted(i for i in vocab.values() if i not in special)
    id_to_token = {i: t for t, i in vocab.items()}
    word_index = {id_to_token[i]: k + 1 for k, i in enumerate(word_ids)}  # as Keras' Tokenizer numbers words

    with open(path, "rb") as f:  # page cache warm for both readers
        while f.read(1 << 24):
            pass

    gc.collect()
    start = time.perf_counter()
    blog = blog_build_matrix(word_index, path, 50, progress)
    blog_seconds = time.perf_counter() - start

    ours_seconds, read_seconds = [], []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        vectors = read_word_vectors(path, progress=progress)
        read_seconds.append(time.perf_counter() - start)
        ours = embedding_matrix(vectors, tokenizer)
        ours_seconds.append(time.perf_counter() - start)

    tokens = [id_to_token[i] for i in word_ids]
    found = vectors.lookup(tokens) >= 0
    in_file = set(words)
    blog_found = np.array([t in in_file for t in tokens])  # the blog's dict holds every word of the file
    ours_rows = ours.matrix[np.asarray(word_ids)[found]]
    blog_rows = blog[[word_index[t] for t in np.asarray(tokens)[found]]].astype(np.float32)
    rows_equal = bool(np.array_equal(found, blog_found) and np.array_equal(ours_rows, blog_rows))
    ours_median = statistics.median(ours_seconds)
    warm_seconds = _warm_load_seconds(path, tokenizer, repeats)
    return {
        "file": str(path),
        "file_words": len(words),
        "dim": 50,
        "vocab_words": len(word_ids),
        "found_words": int(found.sum()),
        "blog_seconds": round(blog_seconds, 4),
        "ours_seconds": round(ours_median, 4),
        "ours_read_seconds": round(statistics.median(read_seconds), 4),
        "ours_seconds_each": [round(s, 4) for s in ours_seconds],
        "ratio": round(blog_seconds / ours_median, 1),
        "warm_seconds": round(statistics.median(warm_seconds), 4),
        "warm_seconds_each": [round(s, 4) for s in warm_seconds],
        "rows_equal": rows_equal,
    }


def _warm_load_seconds(path: Path, tokenizer, repeats: int) -> list[float]:
    """A model built on the vectors again, as a second run of a job builds it: the aligned matrix
    comes from the cache that the first build wrote (into a scratch cache folder here)."""
    from hf_sincos_cls import SinCosClsConfig
    from hf_sincos_cls.word_vectors import build_model_with_word_vectors

    config = SinCosClsConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                             intermediate_size=32, pooling_layers=1)
    seconds = []
    with tempfile.TemporaryDirectory() as scratch:
        previous = os.environ.get("HF_SINCOS_CLS_CACHE")
        os.environ["HF_SINCOS_CLS_CACHE"] = scratch
        try:
            build_model_with_word_vectors(config, tokenizer, path)  # cold: fills the cache
            for _ in range(repeats):
                start = time.perf_counter()
                build_model_with_word_vectors(config, tokenizer, path)
                seconds.append(time.perf_counter() - start)
        finally:
            if previous is None:
                os.environ.pop("HF_SINCOS_CLS_CACHE", None)
            else:
                os.environ["HF_SINCOS_CLS_CACHE"] = previous
    return seconds


__all__ = ["blog_build_matrix", "blog_load_word_embedding", "glove_text_file", "word_vectors_benchmark"]
