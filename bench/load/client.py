"""One simulated student: a browser's HTTP requests, then a Streamlit websocket session.

Like a browser, a student first loads the page (which lets a front proxy set its affinity
cookie), then ``/_stcore/health`` (where Streamlit sets its XSRF cookie), then opens
``/_stcore/stream`` with both cookies, the subprotocols ``streamlit, <xsrf token>`` and an
``Origin`` header, so a proxy in front sees what it would see from Chromium.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from . import protocol
from .scenario import Plan
from .stats import VisitRecord

# Streamlit's default server.maxMessageSize is 200 MB; a page's charts are ~1 MB today.
MAX_MESSAGE_BYTES = 200 * 2**20
XSRF_COOKIE = "_streamlit_xsrf"


class Browser:
    """Cookies and plain HTTP GETs, without any proxy from the environment (loopback only)."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, url: str, timeout: float = 30.0) -> tuple[int, bytes]:
        with self._opener.open(url, timeout=timeout) as response:
            return response.status, response.read()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def ws_url(base: str) -> str:
    """``http://host:port/prefix`` -> ``ws://host:port/prefix/_stcore/stream``."""
    parts = urllib.parse.urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}[parts.scheme]
    return urllib.parse.urlunsplit(
        (scheme, parts.netloc, parts.path.rstrip("/") + "/_stcore/stream", "", "")
    )


def confirmed(settings: dict[str, float], result: protocol.RunResult) -> tuple[int, list[str]]:
    """How many ``settings`` the server's answer confirms, and the contradictions.

    A value counts as confirmed if the server drew its widget with it (``set_value``, as when a
    link is opened) or the app wrote it into the URL (as it does after a change). A key found in
    neither is not counted (the app leaves default values out of its URL).
    """
    shown = dict(urllib.parse.parse_qsl(result.url_query or ""))
    count, wrong = 0, []
    for key, value in settings.items():
        if key in result.server_values:
            found: object = result.server_values[key]
        elif key in shown:
            found = shown[key]
        else:
            continue
        try:
            same = abs(float(found) - float(value)) <= 1e-9 * max(1.0, abs(float(value)))
        except (TypeError, ValueError):
            same = str(found) == str(value)
        if same:
            count += 1
        else:
            wrong.append(f"setting not applied: {key}={value} but the page shows {found!r}")
    return count, wrong


async def run_student(
    base: str,
    plan: Plan,
    round_: int,
    record: Callable[[VisitRecord], None],
    visit_timeout: float,
) -> None:
    """Plays ``plan`` against the app at ``base``; calls ``record`` after every visit."""
    await asyncio.sleep(plan.start_s)
    page_url = f"{base}/{plan.page}"
    first_query = protocol.query_string(plan.settings[0])
    browser = Browser()

    def fail(kind: str, why: str, received: int = 0) -> None:
        record(VisitRecord(plan.page, round_, kind, None, (why,), bytes_received=received))

    try:
        await asyncio.to_thread(
            browser.get, f"{page_url}?{first_query}" if first_query else page_url
        )
        await asyncio.to_thread(browser.get, f"{base}/_stcore/health")
    except OSError as error:
        fail("open", f"HTTP request failed: {error}")
        return
    xsrf = browser.cookie(XSRF_COOKIE) or "PLACEHOLDER_AUTH_TOKEN"
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(base))
    cookies = browser.cookie_header()
    kind = "open"
    try:
        async with connect(
            ws_url(base),
            subprotocols=["streamlit", xsrf],
            origin=origin,
            additional_headers={"Cookie": cookies} if cookies else None,
            max_size=MAX_MESSAGE_BYTES,
            proxy=None,
            ping_interval=None,
            open_timeout=visit_timeout,
        ) as ws:
            state = protocol.PageState(query_string=first_query)
            for index, settings in enumerate(plan.settings):
                kind = "open" if index == 0 else "change"
                if index == 0:
                    msg = protocol.open_page(plan.page, first_query, page_url)
                    missing = []
                else:
                    await asyncio.sleep(plan.looks_s[index - 1])
                    msg, missing = protocol.change_widgets(state, settings, page_url)
                visit = protocol.Visit(state)
                started = time.perf_counter()
                await ws.send(msg.SerializeToString())
                try:
                    async with asyncio.timeout(visit_timeout):
                        while not visit.feed(await ws.recv()):
                            pass
                except TimeoutError:
                    where = "running" if visit.result.started else "not started"
                    fail(
                        kind,
                        f"no script_finished within {visit_timeout:.0f} s (script {where})",
                        visit.result.bytes_received,
                    )
                    return
                took = time.perf_counter() - started
                result = visit.result
                count, wrong = confirmed(settings, result)
                errors = [*result.errors, *wrong]
                errors += [f"no widget keyed {key!r} on the page" for key in missing]
                record(
                    VisitRecord(
                        plan.page,
                        round_,
                        kind,
                        took,
                        tuple(errors),
                        tuple(result.warnings),
                        result.bytes_received,
                        count,
                        len(settings) - count - len(wrong),
                    )
                )
    except ConnectionClosed as error:
        fail(kind, f"websocket closed: {error}")
    except (OSError, WebSocketException) as error:
        fail(kind, f"websocket failed: {error!r}")
