"""The app server this tool starts (and always stops), and memory read from ``/proc``."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The app as ``make run`` starts it (``adadelta.ui.launch``: compilation cache, warm-up,
    serving options) on ``address:port``; everything else from .streamlit/config.toml."""
    return [
        sys.executable,
        "-m",
        "adadelta.ui.launch",
        "--server.port",
        str(port),
        "--server.address",
        address,
    ]


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True if ``<url>/_stcore/health`` answers ``ok`` (no proxy: loopback only)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) or "<empty>"
    except OSError as error:
        return f"<could not read {path}: {error}>"


def stop(proc: subprocess.Popen) -> None:
    """Terminates ``proc``'s process group (it was started in its own session), then kills."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@dataclasses.dataclass
class Server:
    url: str
    pid: int
    started: float
    log: Path


@contextlib.contextmanager
def start_app(start_timeout: float = 120.0) -> Iterator[Server]:
    """Starts the app on a free loopback port and yields once ``/_stcore/health`` answers;
    stops it (and its children) on exit, also on Ctrl-C."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fd, log_name = tempfile.mkstemp(prefix="adadelta-load-", suffix=".log")
    log = Path(log_name)
    with os.fdopen(fd, "wb") as sink:
        started = time.monotonic()
        proc = subprocess.Popen(
            streamlit_command(port),
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while not healthy(url, timeout=1.0):
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() - started > start_timeout:
                raise RuntimeError(f"no answer on {url}/_stcore/health:\n{tail(log)}")
            time.sleep(0.05)
        yield Server(url, proc.pid, started, log)
    finally:
        stop(proc)
        log.unlink(missing_ok=True)


def parse_stat(text: str) -> tuple[int, int]:
    """(pid, parent pid) from the text of ``/proc/<pid>/stat`` (the name may hold spaces)."""
    pid = int(text.split(" ", 1)[0])
    fields = text.rsplit(")", 1)[1].split()
    return pid, int(fields[1])


def parents() -> dict[int, int]:
    """Parent pid of every process we can see."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid, ppid = parse_stat(Path(entry.path, "stat").read_text())
                found[pid] = ppid
    return found


def tree(roots: Iterable[int], parent_of: dict[int, int]) -> set[int]:
    """``roots`` and all their descendants that are alive in ``parent_of``."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent_of.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [pid for pid in roots if pid in parent_of]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


class RssSampler:
    """Samples the summed RSS of a process tree; keeps the peak since the last ``reset``, and
    the peak of each process (the largest one is the busiest replica)."""

    def __init__(self, roots: Iterable[int]) -> None:
        self.roots = list(roots)
        self.peak = 0
        self.peak_process = 0
        self.last = 0

    def sample(self) -> int:
        sizes = [rss_bytes(pid) for pid in tree(self.roots, parents())]
        self.last = sum(sizes)
        self.peak = max(self.peak, self.last)
        self.peak_process = max([self.peak_process, *sizes])
        return self.last

    def reset(self) -> None:
        self.peak = self.peak_process = 0
