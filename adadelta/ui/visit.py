"""A visit to a page of a running app, the way a browser makes it (Streamlit's websocket).

``Session(base).open(page, query)`` does what opening ``/<page>?<query>`` does: it loads the
page and ``/_stcore/health`` (Streamlit's XSRF cookie), connects to ``/_stcore/stream`` and
asks for a script run with the link's query string, then reads the server's messages until the
run has finished. ``rerun()`` runs the page again with nothing changed. Used to warm a server
up at start (``launch``) and to time the real server (``bench``).
"""

from __future__ import annotations

import dataclasses
import http.cookiejar
import time
import urllib.parse
import urllib.request
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


@dataclasses.dataclass
class Run:
    """One script run as the browser saw it.

    Attributes:
        seconds: from the request to the ``script_finished`` message.
        received: bytes of all the messages of the run.
        errors: the text of every exception or ``st.error`` the run drew.
        charts: each Plotly chart's JSON spec (a cached chart the browser already has is
            sent as a reference, not counted).
    """

    seconds: float
    received: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    charts: list[str] = dataclasses.field(default_factory=list)


class Session:
    """One browser tab on the app at ``base`` (e.g. ``http://127.0.0.1:8501``)."""

    def __init__(self, base: str, timeout: float = 300.0):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies)
        )
        self._socket: Any = None
        self._page = ""
        self._query = ""
        self._page_hash = ""

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the websocket (the server ends the session)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _get(self, path: str) -> None:
        with self._opener.open(self.base + path, timeout=self.timeout) as response:
            response.read()

    def _connect(self) -> None:
        self._get("/_stcore/health")
        xsrf = next((c.value for c in self.cookies if c.name == "_streamlit_xsrf"), None)
        parts = urllib.parse.urlsplit(self.base)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        self._socket = connect(
            f"ws://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit", xsrf or "PLACEHOLDER_AUTH_TOKEN"],
            origin=f"{parts.scheme}://{parts.netloc}",
            additional_headers={"Cookie": cookies} if cookies else None,
            max_size=None,
            open_timeout=self.timeout,
            proxy=None,
        )

    def open(self, page: str, query: str = "") -> Run:
        """Opens ``/<page>?<query>`` and waits for its script run to finish."""
        self._get(f"/{page}" + (f"?{query}" if query else ""))
        if self._socket is None:
            self._connect()
        self._page, self._query = page, query
        return self._run(page_name=page)

    def rerun(self) -> Run:
        """Runs the open page again with nothing changed (its widgets keep their state)."""
        return self._run(page_name="")

    def _run(self, page_name: str) -> Run:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self._query
        rerun.widget_states.SetInParent()
        if page_name:
            rerun.page_name = page_name
        else:  # the page the server says is open, as a browser sends it
            rerun.page_script_hash = self._page_hash
        rerun.context_info.url = f"{self.base}/{self._page}"
        start = time.perf_counter()
        self._socket.send(msg.SerializeToString())
        run = Run(0.0)
        deadline = start + self.timeout
        while True:
            data = self._socket.recv(timeout=max(deadline - time.perf_counter(), 0.001))
            run.received += len(data)
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta":
                _read_delta(forward.delta, run)
            elif kind == "navigation":
                self._page_hash = forward.navigation.page_script_hash
            elif kind == "script_finished" and forward.script_finished != RERUN:
                run.seconds = time.perf_counter() - start
                if forward.script_finished != FINISHED:
                    run.errors.append(f"script finished with status {forward.script_finished}")
                return run


def _read_delta(delta: Any, run: Run) -> None:
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        run.errors.append(f"{element.exception.type}: {element.exception.message}")
    elif kind == "alert" and element.alert.format == element.alert.ERROR:
        run.errors.append(element.alert.body)
    elif kind == "plotly_chart":
        run.charts.append(element.plotly_chart.spec)
