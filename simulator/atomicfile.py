"""Atomic file writes: a crash or a kill leaves the old file or the new one, never half.

State files, counters, calibration, charts and screenshots all go through
:func:`write_atomically`. The new contents go to a temporary file beside the target,
``.{name}.{pid}.{random}.tmp``, which is flushed to disk and renamed over the target.

- A target that is a symbolic link is followed: the file it points to is replaced, in its own
  folder, and the link stays (a dangling link's target is created), as editors do.
- A temporary file left by a writer that was killed (its pid no longer runs) is removed by the
  next write to the same target.
- Every problem is an :class:`OSError` whose ``strerror`` is one line saying what is wrong and
  what to do, so callers can pass it on as it is.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

#: Longest file name in bytes where the file system does not say (Linux, macOS, Windows).
NAME_MAX = 255
_TMP = re.compile(r"\.(\d+)\.[0-9a-z]{8}\.tmp\Z")


def _name_max(folder: str) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def short_stem(name: str, room: int) -> str:
    """``name`` itself if it fits in ``room`` bytes, else a prefix of it and a hash of the whole.

    Temporary and lock files are named after their target with a few bytes added; a target
    whose name is near the file system's limit gets a shorter, still unique, stem instead.
    """
    raw = os.fsencode(name)
    if len(raw) <= room:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:10]
    return os.fsdecode(raw[:max(room - 11, 1)]) + "~" + digest


def _temp_stem(name: str) -> str:
    # ".{stem}.{pid up to 10 digits}.{8 random}.tmp" must fit in NAME_MAX bytes
    return short_stem(name, NAME_MAX - 1 - 1 - 10 - 1 - 8 - 4)


def _fail(code: int, what: str, path) -> OSError:
    return OSError(code, what, os.fspath(path))


def real_target(path) -> Path:
    """The file a write to ``path`` replaces: ``path`` with symbolic links followed.

    Raises
    ------
    OSError
        With a one-line ``strerror`` when ``path`` is a loop of links or a folder on the way is a
        file.
    """
    p = os.fspath(path)
    try:
        os.stat(p)
    except FileNotFoundError:
        pass  # missing, or a dangling link: its target will be created
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _fail(errno.ELOOP, "is a loop of symbolic links; point it at a file", p) from None
        if exc.errno == errno.ENOTDIR:
            raise _fail(errno.ENOTDIR, f"{_file_on_the_way(p)} is not a folder", p) from None
        if exc.errno != errno.ENAMETOOLONG:  # a name too long is told in detail by check_writable
            raise
    return Path(os.path.realpath(p))


def _file_on_the_way(p: str) -> Path:
    """The first folder named in ``p`` that is in fact a file."""
    for parent in reversed(Path(p).parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return Path(p).parent


def check_writable(path, *, probe: bool = True) -> Path:
    """Check, before any long work, that a file can be written at ``path``; return its real target.

    Nothing is left behind: the check creates a temporary file the way the write will and
    removes it at once.

    Parameters
    ----------
    path : str or path
        Where the output will go.
    probe : bool
        Create and remove a temporary file to be sure one can be created there.

    Returns
    -------
    Path
        The file that will be replaced (symbolic links followed).

    Raises
    ------
    OSError
        With ``strerror`` one line saying what is wrong and what to do: the path is a folder or
        a device, its folder is missing or a file, the name is too long, the links loop, or no
        file can be created there.
    """
    if os.fspath(path).endswith(("/", os.sep)):
        raise _fail(errno.EISDIR, "names a folder (it ends in a slash); give a file name", path)
    target = real_target(path)
    folder = target.parent
    if not folder.is_dir():
        if folder.exists():
            raise _fail(errno.ENOTDIR, f"{folder} is not a folder", path)
        raise _fail(errno.ENOENT, f"folder {folder} does not exist; create it first", path)
    size = len(os.fsencode(target.name))
    most = _name_max(str(folder))
    if size > most:
        raise _fail(errno.ENAMETOOLONG, f"the file name is {size} bytes long, the most this file "
                    f"system allows is {most}; choose a shorter name", path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise _fail(errno.EISDIR, "is a folder; give a file name", path)
    if mode is not None and not stat.S_ISREG(mode):
        # replacing /dev/null or a pipe by a file would break the system, not write the output
        raise _fail(errno.EINVAL, "is not a regular file (a device, pipe or socket); give a file name",
                    path)
    if not probe:
        return target
    trial = folder / _temp_name(target.name)
    os.close(_create(trial, path))
    os.unlink(trial)
    return target


def _create(tmp: Path, path) -> int:
    """Create the temporary file ``tmp`` (private until written); its fd."""
    try:
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise _fail(exc.errno or errno.EACCES, f"cannot create files in {tmp.parent} "
                    f"({exc.strerror or exc}); choose another place", path) from None


def _temp_name(name: str) -> str:
    return f".{_temp_stem(name)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill would end the process there, not ask about it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid: leave it alone
    return True


def remove_stale_temporaries(target: Path) -> list[str]:
    """Remove temporary files of ``target`` left by writers that no longer run; return their names.

    A temporary file is named ``.{name}.{pid}.{random}.tmp``; it is stale when no process ``pid``
    exists. Files of live writers (and of this process) are left alone.
    """
    prefix = f".{_temp_stem(target.name)}."
    removed = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        m = _TMP.fullmatch(name[len(prefix) - 1:])
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            os.unlink(target.parent / name)
            removed.append(name)
        except OSError:
            pass  # another run cleaned it first, or the folder is read-only: not ours to fix
    return removed


def write_atomically(path, write) -> None:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, fsync, rename over it.

    Parameters
    ----------
    path : str or path
        The file to write; a symbolic link is followed and kept.
    write : callable
        Writes the whole contents to the binary file object it is given.

    Raises
    ------
    OSError
        Whatever stops the write (a full disk, a folder that is missing, a file name too long,
        ...), with a one-line ``strerror``; the old file, if any, is untouched and no temporary
        file is left.
    """
    target = check_writable(path, probe=False)  # creating the temporary file is the probe
    directory = target.parent
    remove_stale_temporaries(target)
    tmp = directory / _temp_name(target.name)
    fh = os.fdopen(_create(tmp, path), "wb")
    try:
        with fh:
            # a private temporary file; give the result the mode a plain open() would have
            try:
                mode = target.stat().st_mode & 0o777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(fh.fileno(), mode)
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
