"""Safe file writes: refuse workbooks open in Excel or LibreOffice, write atomically, keep the previous version."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, IO

from inhuur.errors import WorkbookLocked


def lock_file(path: Path) -> Path | None:
    """The lock file Excel (~$name) or LibreOffice (.~lock.name#) keeps next to an open file, if any."""
    folder, name = path.parent, path.name
    candidates = [folder / f"~${name}", folder / f".~lock.{name}#"]
    if len(name) > 2:
        candidates.append(folder / f"~${name[2:]}")  # Excel shortens the lock name for long file names
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return None


def ensure_not_open(path: Path) -> None:
    """Raise WorkbookLocked when the file is open in Excel or LibreOffice."""
    lock = lock_file(path)
    if lock is not None:
        raise WorkbookLocked(path, lock)


def backup_path(path: Path) -> Path:
    """Where the previous version of a workbook is kept: name.vorige.xlsx beside it."""
    return path.with_name(f"{path.stem}.vorige{path.suffix}")


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], keep_backup: bool = True) -> None:
    """Write a file through a temp file in the same folder and os.replace, keeping the old one as backup."""
    path = Path(path)
    ensure_not_open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            backup_tmp = tmp.with_suffix(".bak.tmp")
            shutil.copy2(path, backup_tmp)
            os.replace(backup_tmp, backup_path(path))
        ensure_not_open(path)  # it may have been opened while we were writing
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
