"""LibreOffice headless: recalculate workbooks and convert documents, many files in one process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from inhuur.errors import ConversionFailed

# Recalculate every formula on load (0 = always) so the saved values are LibreOffice's own, not stale ones.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """The LibreOffice executable, or None where it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if os.path.exists(candidate):
            return candidate
    return None


def convert(sources: Sequence[Path], out_dir: Path, target: str, timeout: float | None = None) -> list[Path]:
    """Convert all sources to `target` (e.g. 'xlsx', 'pdf') in one LibreOffice process; return the outputs."""
    soffice = find_soffice()
    if soffice is None:
        raise ConversionFailed("LibreOffice (soffice) is niet geïnstalleerd")
    sources = [Path(s).resolve() for s in sources]
    if not sources:
        return []
    stems = [s.stem for s in sources]
    if len(set(stems)) != len(stems):
        raise ValueError("sources must have distinct names: LibreOffice writes <stem>.<target>")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = [out_dir / f"{s.stem}.{target.split(':')[0]}" for s in sources]
    for path in expected:
        if os.path.lexists(path) and path not in sources:
            path.unlink()  # also a symbolic link planted there: LibreOffice would write through it
    with tempfile.TemporaryDirectory(prefix="inhuur-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck",
                   f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", target,
                   "--outdir", str(out_dir), *map(str, sources)]
        limit = timeout if timeout is not None else 60 + 3 * len(sources)
        try:
            stderr = _run(command, limit)
        except subprocess.TimeoutExpired:
            raise ConversionFailed(f"LibreOffice reageerde niet binnen {limit:.0f} seconden")
    missing = [p for p in expected if not p.is_file() or p.stat().st_size == 0]
    if missing:
        detail = stderr.decode("utf-8", "replace").strip()[-500:]
        raise ConversionFailed(f"LibreOffice maakte {len(missing)} van de {len(expected)} bestanden niet"
                               + (f" ({detail})" if detail else ""), missing)
    return expected


# LibreOffice's `soffice` starts oosplash, which starts soffice.bin: a grandchild, which neither a kill of inhuur
# nor a parent-death signal on the child reaches. So a small watchdog leads a process group of its own with
# LibreOffice in it, and holds the read end of a pipe whose write end only inhuur holds: when inhuur ends, however
# it ends (also kill -9), the pipe reads end-of-file and the watchdog kills the whole group, itself included.
_WATCHDOG = """
import os, signal, subprocess, sys, threading
office = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
def watch():
    while sys.stdin.buffer.read(1):
        pass
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=watch, daemon=True).start()
sys.exit(office.wait())
"""


def _run(command: list[str], limit: float) -> bytes:
    """Run LibreOffice so that it ends with inhuur: normally, on a timeout, Ctrl-C, SIGTERM or kill -9; its stderr.

    Raises subprocess.TimeoutExpired after `limit` seconds, LibreOffice ended.
    """
    if os.name != "posix" or not sys.executable:  # pragma: no cover - Windows: no process groups to kill
        return subprocess.run(command, capture_output=True, timeout=limit, stdin=subprocess.DEVNULL).stderr
    alive, held = os.pipe()
    try:
        process = subprocess.Popen([sys.executable, "-I", "-c", _WATCHDOG, *command], stdin=alive,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    finally:
        os.close(alive)
    try:
        return process.communicate(timeout=limit)[1]
    finally:
        if process.poll() is None:  # not yet reaped, so its process group cannot be anyone else's
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(held)


def recalculate(workbooks: Sequence[Path], out_dir: Path) -> list[Path]:
    """Copies of the workbooks, fully recalculated and saved by LibreOffice (with cached values)."""
    return convert(workbooks, out_dir, "xlsx:Calc Office Open XML")
