"""``make serve REPLICAS=2``: N replicas of the app behind nginx, in the foreground.

Each replica is what ``make run`` starts (``python -m adadelta.ui.launch``: the compilation
cache, the warm-up and the serving options) on its own loopback port with the same
``.streamlit/config.toml`` and the same cookie secret; nginx (Debian's package, its own prefix
and config in a temporary directory, never the system service) listens on the front port with
sticky sessions and websocket upgrade (``deploy/nginx.conf``). The front opens only once every
replica answers ``/_stcore/health``. Ctrl-C stops everything.

Health: this script polls every replica's ``/_stcore/health`` every few seconds, reports changes
and restarts a replica whose process has exited. nginx itself only checks passively: a replica
that refuses a connection is skipped for ``fail_timeout``. A replica that hangs while still
accepting connections is reported here but not taken out of nginx's rotation.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf")
START_TIMEOUT_S = 180.0
POLL_S = 5.0
FAIL_TIMEOUT_S = 10


def render(template: str, *, run_dir: str, listen: str, replica_ports: list[int]) -> str:
    """The nginx config for ``replica_ports`` (each on 127.0.0.1) behind ``listen``."""
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;"
        for port in replica_ports
    )
    text = (
        template.replace("@@RUN@@", run_dir)
        .replace("@@LISTEN@@", listen)
        .replace("@@SERVERS@@", servers)
    )
    left = sorted(set(re.findall(r"@@[A-Z_]+@@", text)))
    if left:
        raise ValueError(f"unfilled fields in {TEMPLATE.name}: {', '.join(left)}")
    return text


def replica_counts(access_log: str) -> Counter:
    """Websocket sessions (``/_stcore/stream`` requests) per replica, from nginx's access log."""
    counts: Counter = Counter()
    for line in access_log.splitlines():
        if "/_stcore/stream" in line and (found := re.search(r"upstream=(\S+)", line)):
            counts[found.group(1)] += 1
    return counts


def free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def healthy(url: str, timeout: float = 2.0) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "<no log>"


def stop(procs: list[subprocess.Popen], grace_s: float = 10.0) -> None:
    """Stops each process group (each was started in its own session): SIGTERM to all, then
    SIGKILL to those still running after ``grace_s``."""
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Replica:
    """One app server (``make run``'s launcher) on a loopback port, its log in the run directory."""

    def __init__(self, index: int, port: int, run_dir: Path, env: dict[str, str]) -> None:
        self.index, self.port, self.env = index, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.log = run_dir / f"replica-{index}.log"
        self.proc: subprocess.Popen | None = None
        self.healthy = False

    def start(self) -> None:
        with open(self.log, "ab") as sink:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adadelta.ui.launch",
                    "--server.port",
                    str(self.port),
                    "--server.address",
                    "127.0.0.1",
                ],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()


def wait_healthy(replicas: list[Replica]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    waiting = list(replicas)
    while waiting:
        for replica in list(waiting):
            if (code := replica.exited()) is not None:
                raise RuntimeError(
                    f"replica {replica.index} exited with {code}:\n{tail(replica.log)}"
                )
            if healthy(replica.url, timeout=1.0):
                replica.healthy = True
                waiting.remove(replica)
                print(f"  replica {replica.index} healthy on {replica.url}", flush=True)
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"replica {waiting[0].index} never answered /_stcore/health")
        time.sleep(0.2)


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if not found:
        raise RuntimeError("nginx is not installed: `make serve` installs Debian's package")
    return found


def watch(replicas: list[Replica], nginx: subprocess.Popen) -> None:
    """Polls the replicas until nginx exits or Ctrl-C; restarts a replica that exited."""
    while nginx.poll() is None:
        time.sleep(POLL_S)
        for replica in replicas:
            if (code := replica.exited()) is not None:
                print(f"replica {replica.index} exited with {code}; restarting it", flush=True)
                replica.start()
            now = healthy(replica.url)
            if now != replica.healthy:
                state = "healthy again" if now else "NOT answering /_stcore/health"
                print(f"replica {replica.index} ({replica.url}) {state}", flush=True)
                replica.healthy = now
    raise RuntimeError(f"nginx exited with {nginx.returncode}")


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/serve.py", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2, choices=range(1, 17), metavar="1..16")
    parser.add_argument("--port", type=int, default=8080, help="the front (nginx) port")
    parser.add_argument("--host", default="0.0.0.0", help="the front's address")
    args = parser.parse_args(argv)
    # Ctrl-C and `kill` both stop everything, also when started in the background (where a
    # shell hands Python an ignored SIGINT).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)

    run_dir = Path(tempfile.mkdtemp(prefix="adadelta-serve-"))
    run_dir.chmod(0o755)  # nginx's workers (not root) use the temp dirs inside
    # One secret for every replica: Streamlit signs its cookies with it ("the same config on
    # every replica"); it lives as long as this command.
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
    }
    ports = free_ports(args.replicas)
    replicas = [Replica(i, port, run_dir, env) for i, port in enumerate(ports, 1)]
    nginx: subprocess.Popen | None = None
    try:
        nginx_bin = nginx_binary()
        print(f"starting {args.replicas} replica(s) of the app (logs in {run_dir}) ...", flush=True)
        for replica in replicas:
            replica.start()
        wait_healthy(replicas)
        conf = run_dir / "nginx.conf"
        conf.write_text(
            render(
                TEMPLATE.read_text(),
                run_dir=str(run_dir),
                listen=f"{args.host}:{args.port}",
                replica_ports=ports,
            )
        )
        command = [nginx_bin, "-e", str(run_dir / "error.log"), "-p", str(run_dir), "-c", str(conf)]
        subprocess.run([*command, "-t", "-q"], check=True)
        nginx = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdin=subprocess.DEVNULL, start_new_session=True
        )
        front = f"http://127.0.0.1:{args.port}"
        deadline = time.monotonic() + 10
        while not healthy(front, timeout=1.0):
            if nginx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start:\n{tail(run_dir / 'error.log')}")
            time.sleep(0.1)
        shown = "every address of this machine" if args.host in ("0.0.0.0", "::") else args.host
        print(
            f"\nAdadelta Lab: {front}  ({args.replicas} replica(s) behind nginx, "
            f"listening on {shown}:{args.port})\n"
            f"load test it:  make load URL={front} WATCH_PID={os.getpid()}\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        watch(replicas, nginx)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"make serve: {error}", file=sys.stderr)
        return 1
    finally:
        stop([p for p in (nginx, *(r.proc for r in replicas)) if p is not None])
        counts = replica_counts(
            (run_dir / "access.log").read_text(errors="replace")
            if (run_dir / "access.log").exists()
            else ""
        )
        if counts:
            print(
                "websocket sessions per replica: "
                + ", ".join(f"{a} {n}" for a, n in sorted(counts.items()))
            )
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
