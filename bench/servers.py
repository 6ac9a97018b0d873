"""The app in a real server process, started as ``make run`` starts it, for the benchmarks."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Server:
    """A running server: its base URL, its process and when it first answered its health check.

    Attributes:
        url: ``http://127.0.0.1:<port>``.
        process: the server process.
        healthy_after: seconds from the process start to the first ``ok`` from
            ``/_stcore/health``.
    """

    url: str
    process: subprocess.Popen
    healthy_after: float
    log: Any

    def log_text(self) -> str:
        """What the server printed so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_for_warm_up(self, timeout: float = 900.0) -> bool:
        """Waits until the warm-up thread has visited every page (``launch.warm_up``)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if re.search(r"warm-up: \d+ visits", self.log_text()):
                return True
            time.sleep(0.5)
        return False

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB (Linux ``/proc``)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(jax_cache: str | None = None, timeout: float = 300.0) -> Iterator[Server]:
    """``python -m adadelta.ui.launch`` on a free loopback port; stopped on exit.

    Args:
        jax_cache: the persistent compilation cache directory (``ADADELTA_JAX_CACHE``);
            None keeps the default.
        timeout: seconds to wait for the health check.
    """
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if jax_cache is not None:
        env["ADADELTA_JAX_CACHE"] = jax_cache
    command = [
        sys.executable,
        "-m",
        "adadelta.ui.launch",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield _healthy(process, f"http://127.0.0.1:{port}", start, log, timeout)
        finally:
            _stop(process)


def _healthy(process: subprocess.Popen, url: str, start: float, log: Any, timeout: float) -> Server:
    """Waits for the first ``ok`` of the health check (polled every 50 ms)."""
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited: {log.read()[-2000:].decode()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return Server(url, process, time.perf_counter() - start, log)
        except OSError:
            pass
        if time.perf_counter() - start > timeout:
            raise RuntimeError("the server did not answer its health check")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
