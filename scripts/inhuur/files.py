"""Safe file writes: one writer at a time, never a workbook open in Excel or LibreOffice, atomic, previous kept."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
import time
import zlib
from datetime import datetime
from pathlib import Path
from typing import Callable, IO, Iterator

from inhuur.errors import WorkbookBusy, WorkbookLocked, WorkbookReadOnly

LOCK_WAIT_VARIABLE = "INHUUR_WACHTTIJD"   # seconds a second writer waits for the first (default 20)
DEFAULT_LOCK_WAIT = 20.0


def real_path(path: Path) -> Path:
    """The file a path names, through any symbolic links: what is written, locked and kept as the previous version."""
    return Path(os.path.realpath(path))


def lock_file(path: Path) -> Path | None:
    """The lock file Excel (~$name) or LibreOffice (.~lock.name#) keeps next to an open file, if any.

    Through a symbolic link both places count: the application may have opened the link or the file it points to.
    """
    candidates = []
    for named in dict.fromkeys([Path(path), real_path(path)]):
        folder, name = named.parent, named.name
        candidates += [folder / f"~${name}", folder / f".~lock.{name}#"]
        if len(name) > 2:
            candidates.append(folder / f"~${name[2:]}")  # Excel shortens the lock name for long file names
    for candidate in candidates:
        try:
            if candidate.exists():
                return candidate
        except OSError:  # a name too long for a lock file: no application could have made one
            continue
    return None


def ensure_not_open(path: Path) -> None:
    """Raise WorkbookLocked when the file is open in Excel or LibreOffice."""
    lock = lock_file(path)
    if lock is not None:
        raise WorkbookLocked(path, lock)


def ensure_writable(path: Path) -> None:
    """Raise WorkbookReadOnly when the file is marked read-only (its owner or Windows set it so on purpose)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not mode & stat.S_IWUSR:
        raise WorkbookReadOnly(path)


def backup_path(path: Path) -> Path:
    """Where the previous version of a workbook is kept: name.vorige.xlsx beside it (beside a link's target)."""
    path = real_path(path)
    return path.with_name(f"{path.stem}.vorige{path.suffix}")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], keep_backup: bool = True) -> None:
    """Write a file through a temp file in the same folder and os.replace, keeping the old one as backup.

    The file keeps its permission bits (colleagues on a shared folder keep their access); a read-only or
    open file is refused before anything is written, and no temporary file is left behind on failure. A symbolic
    link stays a link: the file it points to is replaced.
    """
    ensure_not_open(Path(path))
    ensure_writable(Path(path))
    path = real_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else _default_mode()
    backup_tmp = path.with_name(f".inhuur-{os.getpid()}.bak.tmp")

    def keep_previous() -> None:
        if keep_backup and path.exists():
            shutil.copy2(path, backup_tmp)
            os.replace(backup_tmp, backup_path(path))
        ensure_not_open(path)  # it may have been opened while we were writing

    try:
        _replace(path, write, mode, keep_previous)
    finally:
        with contextlib.suppress(OSError):
            backup_tmp.unlink()


def _replace(path: Path, write: Callable[[IO[bytes]], None], mode: int,
             before: Callable[[], None] = lambda: None) -> None:
    """Write through a temp file in path's folder, then os.replace it onto path (which never follows a link there)."""
    fd, tmp_name = tempfile.mkstemp(prefix=".inhuur-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        before()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_own_file(path: Path, data: bytes) -> None:
    """Write a file inhuur makes in a letters folder (a letter, manifest.json, an .eml), whole or not at all.

    Never through a symbolic link: a link planted at path is replaced by the new regular file, so the file it
    pointed to (another workbook, say) is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(path, lambda out: out.write(data), _default_mode())


def write_text_atomic(path: Path, text: str) -> None:
    """A small text file (a manifest) written whole or not at all."""
    atomic_write(path, lambda out: out.write(text.encode("utf-8")), keep_backup=False)


# ---------------------------------------------------------------------------------------------- one writer

def writer_lock_path(path: Path) -> Path:
    """The lock every writing command takes, beside the workbook (a short name, also for long workbook names).

    Beside the file itself, through any symbolic link: every path to one workbook takes the same lock.
    """
    path = real_path(path)
    digest = zlib.crc32(path.name.encode("utf-8"))  # zlib, not hashlib: OpenSSL takes 2 ms to load
    return path.parent / f".~inhuur-{digest:08x}.lock"


@contextlib.contextmanager
def writing(path: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the workbook's writer lock while a command reads, changes and saves it.

    A second command waits up to `wait` seconds (INHUUR_WACHTTIJD, default 20), then is refused with who
    holds the lock. The operating system releases the lock when its holder ends, also after kill -9.
    """
    path = Path(path)
    if wait is None:
        wait = float(os.environ.get(LOCK_WAIT_VARIABLE, DEFAULT_LOCK_WAIT))
    lock = writer_lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        handle = open(lock, "a+b")
        if _try_lock(handle):
            if _same_file(handle, lock):
                break
            _unlock(handle)  # the holder before us removed this file as it finished: take the new one
        elif time.monotonic() >= deadline:
            holder = _holder(handle)
            handle.close()
            raise WorkbookBusy(path, holder)
        else:
            time.sleep(0.1)
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(_holder_lines({"wie": _user(), "computer": _computer(), "proces": os.getpid(),
                                    "opdracht": command, "sinds": datetime.now().replace(microsecond=0)
                                    .isoformat(sep=" ")}))
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # no lock file left beside the workbook; a waiter notices and retries (_same_file)
        _unlock(handle)
        handle.close()


def _same_file(handle, lock: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(lock))
    except OSError:
        return False


def _holder_lines(info: dict) -> bytes:
    """What the lock file says of its holder: a 'key: value' line each (json would cost a button press 1 ms)."""
    return "".join(f"{key}: {' '.join(str(value).split())}\n" for key, value in info.items()).encode("utf-8")


def _user() -> str:
    """Who runs this command, found as getpass.getuser finds it (importing getpass costs a button press 1 ms)."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(variable):
            return os.environ[variable]
    try:
        import pwd  # POSIX only; Windows always sets USERNAME

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no user name in this environment (a service account): say so, never fail
        return "onbekend"


def _computer() -> str:
    """This computer's name, as Windows and POSIX keep it (the socket module would cost a button press 2 ms)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    return os.environ.get("COMPUTERNAME", "onbekend")


def _holder(handle) -> str:
    try:
        handle.seek(0)
        text = handle.read().decode("utf-8")
    except (OSError, ValueError):
        text = ""
    if text.startswith("{"):  # an earlier inhuur wrote json: a colleague may still run one on a shared folder
        import json

        try:
            info = json.loads(text)
        except ValueError:
            info = {}
    else:
        info = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    if not info:
        return "een ander proces"
    return (f"{info.get('wie', '?')} op {info.get('computer', '?')} (inhuur {info.get('opdracht', '?')}, "
            f"sinds {info.get('sinds', '?')})")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
