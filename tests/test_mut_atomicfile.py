"""The atomic write, call by call: data flushed and fsynced before the rename, refusals by message.

Written against the mutation run's survivors (docs/TESTING.md). The order of effects is the
behaviour here, so spies record it; what is on disk at each step is read with os.pread, which sees
only what left Python's buffer.
"""

import errno
import os
import stat

import pytest

from simulator import atomicfile
from simulator.atomicfile import (
    NAME_MAX,
    _alive,
    _name_max,
    check_writable,
    real_target,
    remove_stale_temporaries,
    short_stem,
    write_atomically,
)

PAYLOAD = b"x" * 100 + b"end"  # less than a buffer: only a flush puts it in the file


def test_data_is_flushed_and_fsynced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    # bug caught: os.replace before the flush and the fsync (a crash then leaves a short file
    # under the target's name); also a dropped flush (fsync of an empty file) and a dropped fsync
    target = tmp_path / "state.mark1"
    target.write_bytes(b"old")
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(("fsync", kind, os.fstat(fd).st_size if kind == "file" else None))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(src).startswith(".state.mark1."), target.read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomically(target, lambda fh: fh.write(PAYLOAD))
    assert events == [("fsync", "file", len(PAYLOAD)), ("replace", True, b"old"), ("fsync", "folder", None)]
    assert target.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.mark1"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def write(fh):
        fh.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left on device"):
        write_atomically(target, write)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_new_file_gets_the_umask_mode_and_a_replaced_file_keeps_its_own(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new", lambda fh: fh.write(b"1"))
        kept = tmp_path / "kept"
        kept.write_bytes(b"0")
        kept.chmod(0o604)
        write_atomically(kept, lambda fh: fh.write(b"1"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o640  # 0o666 & ~0o027
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604


def test_short_stem_keeps_a_name_that_fits_exactly_and_shortens_one_byte_more():
    assert short_stem("a" * 20, 20) == "a" * 20
    cut = short_stem("a" * 21, 20)
    assert cut.startswith("a" * 9 + "~") and len(cut.encode()) == 20  # 9 + "~" + a 10-digit hash
    assert short_stem("a" * 21, 20) != short_stem("a" * 20 + "b", 20)  # the hash keeps them apart


def test_a_name_of_exactly_the_limit_is_allowed_and_one_more_byte_refused(tmp_path):
    assert check_writable(tmp_path / ("n" * NAME_MAX)).name == "n" * NAME_MAX
    with pytest.raises(OSError, match=rf"the file name is {NAME_MAX + 1} bytes long, the most this file "
                                      rf"system allows is {NAME_MAX}; choose a shorter name") as info:
        check_writable(tmp_path / ("n" * (NAME_MAX + 1)))
    assert info.value.errno == errno.ENAMETOOLONG


def _file(path):
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make, match, code", [
    (lambda p: str(p / "x") + "/", r"names a folder \(it ends in a slash\); give a file name", errno.EISDIR),
    (lambda p: (p / "d").mkdir() or p / "d", r"is a folder; give a file name", errno.EISDIR),
    (lambda p: p / "missing" / "x", r"folder .*missing does not exist; create it first", errno.ENOENT),
    (lambda p: _file(p / "f") / "x", r"f is not a folder", errno.ENOTDIR),
    (lambda p: _file(p / "f") / "sub" / "x", r"/f is not a folder", errno.ENOTDIR),  # the file, not sub
])
def test_check_writable_refusals_name_what_is_wrong(tmp_path, make, match, code):
    with pytest.raises(OSError, match=match) as info:
        check_writable(make(tmp_path))
    assert info.value.errno == code


def test_a_device_is_not_replaced(tmp_path):
    with pytest.raises(OSError, match=r"is not a regular file \(a device, pipe or socket\)") as info:
        check_writable("/dev/null")
    assert info.value.errno == errno.EINVAL


def test_a_loop_of_links_is_named(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match=r"is a loop of symbolic links; point it at a file") as info:
        real_target(tmp_path / "a")
    assert info.value.errno == errno.ELOOP


def test_the_probe_leaves_nothing_and_no_probe_creates_nothing(tmp_path, monkeypatch):
    created = []
    real_create = atomicfile._create
    monkeypatch.setattr(atomicfile, "_create",
                        lambda tmp, path: created.append(tmp) or real_create(tmp, path))
    check_writable(tmp_path / "x", probe=False)
    assert created == []
    check_writable(tmp_path / "x")
    assert len(created) == 1 and list(tmp_path.iterdir()) == []


def test_only_a_dead_writers_temporary_of_this_target_is_removed(tmp_path):
    target = tmp_path / "t.bin"
    dead = 2**22 + 12345  # above the kernel's pid_max default of 4,194,304: no such process
    names = {
        "dead": f".t.bin.{dead}.abcdef12.tmp",
        "mine": f".t.bin.{os.getpid()}.abcdef12.tmp",
        "other target": f".u.bin.{dead}.abcdef12.tmp",
        "not ours": f".t.bin.{dead}.ABCDEF12.tmp",
        "not a pid": f".t.bin.{10**30}.abcdef12.tmp",   # os.kill overflows: left alone
    }
    for n in names.values():
        (tmp_path / n).write_bytes(b"")
    assert remove_stale_temporaries(target) == [names["dead"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(v for k, v in names.items() if k != "dead")


def test_the_temporary_of_a_255_byte_name_fits_even_with_a_10_digit_pid(tmp_path, monkeypatch):
    # ".{stem}.{pid}.{8 random}.tmp" must fit NAME_MAX for the largest pid a system may give
    monkeypatch.setattr(os, "getpid", lambda: 4_294_967_295)
    target = tmp_path / ("n" * NAME_MAX)
    write_atomically(target, lambda fh: fh.write(b"ok"))
    assert target.read_bytes() == b"ok"


def test_check_writable_takes_probe_by_keyword_only(tmp_path):
    with pytest.raises(TypeError):
        check_writable(tmp_path / "x", False)


@pytest.mark.parametrize("error, code, said", [
    (OSError(errno.EROFS, "Read-only file system"), errno.EROFS, "Read-only file system"),
    (OSError("no reason given"), errno.EACCES, "no reason given"),
])
def test_a_temporary_that_cannot_be_created_is_one_line_keeping_the_reason(tmp_path, monkeypatch,
                                                                           error, code, said):
    def refuse(*args, **kwargs):
        raise error
    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(OSError, match=rf"^\[Errno {code}\] cannot create files in {tmp_path} \({said}\); "
                                      r"choose another place: ") as info:
        write_atomically(tmp_path / "x", lambda fh: fh.write(b""))
    assert info.value.errno == code


def test_a_write_creates_one_temporary_file_the_probe_is_the_write_itself(tmp_path, monkeypatch):
    created = []
    real_create = atomicfile._create
    monkeypatch.setattr(atomicfile, "_create",
                        lambda tmp, path: created.append(tmp) or real_create(tmp, path))
    write_atomically(tmp_path / "x", lambda fh: fh.write(b"1"))
    assert len(created) == 1


@pytest.mark.parametrize("error", [OSError(errno.EINVAL, "Invalid argument"), ValueError("bad name"), None])
def test_a_file_system_that_does_not_say_its_name_limit_gets_255(tmp_path, monkeypatch, error):
    if error is None:  # no os.pathconf at all (Windows)
        monkeypatch.delattr(os, "pathconf")
    else:
        def pathconf(*args):
            raise error
        monkeypatch.setattr(os, "pathconf", pathconf)
    assert _name_max(str(tmp_path)) == NAME_MAX == 255


@pytest.mark.parametrize("error, alive", [(ProcessLookupError(), False), (PermissionError(), True),
                                          (OverflowError(), True), (ValueError(), True), (None, True)])
def test_a_writer_is_taken_for_alive_unless_no_such_process_exists(monkeypatch, error, alive):
    def kill(pid, sig):
        assert sig == 0  # asked, never signalled
        if error is not None:
            raise error
    monkeypatch.setattr(os, "kill", kill)
    assert _alive(12345) is alive


def test_stale_temporaries_in_a_folder_that_cannot_be_listed_are_left(tmp_path):
    assert remove_stale_temporaries(tmp_path / "missing" / "t.bin") == []


def test_a_stale_temporary_that_cannot_be_removed_is_left_without_an_error(tmp_path, monkeypatch):
    stale = tmp_path / f".t.bin.{2**22 + 12345}.abcdef12.tmp"
    stale.write_bytes(b"")

    def unlink(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(os, "unlink", unlink)
    assert remove_stale_temporaries(tmp_path / "t.bin") == []
    assert stale.exists()


def test_a_failed_write_whose_temporary_is_already_gone_raises_its_own_error(tmp_path):
    target = tmp_path / "x"

    def write(fh):
        for p in tmp_path.glob(".x.*.tmp"):
            p.unlink()
        raise ValueError("the writer's own error")

    with pytest.raises(ValueError, match="^the writer's own error$"):
        write_atomically(target, write)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_fsynced_does_not_fail_the_write(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "Invalid argument")  # some file systems refuse it
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    write_atomically(tmp_path / "x", lambda fh: fh.write(b"kept"))
    assert (tmp_path / "x").read_bytes() == b"kept"
