"""Real-browser fixtures: the app in a Streamlit server, driven by Debian's headless Chromium.

Fixtures (all tests in this folder get them):

- ``app_server`` (session): starts ``streamlit run app.py`` on a free port and yields its base
  URL, ``"http://127.0.0.1:<port>"`` (no trailing slash); pages live at ``f"{url}/surfaces"``.
- ``browser`` (session): a headless Chromium (``/usr/bin/chromium``; Playwright's own browser
  download is never used). Missing Chromium is a failure, not a skip: run ``make chromium``.
- ``page`` (function): a fresh 1400x1000 page in its own context. ``page.errors`` is a list of
  strings, one per uncaught JS exception or ``console.error`` message seen so far.

Helpers (import them with ``from .conftest import ...``):

- ``wait_for_app(page)``: waits until the script run has finished and the page has settled.
- ``assert_no_streamlit_error(page)``: fails if the page shows an exception or an ``st.error``.
- ``assert_no_js_errors(page)``: fails if ``page.errors`` is not empty.
- ``screenshot(page, name)``: saves a full-page PNG to ``tests/artifacts/<name>.png``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Opened on a page URL such as /surfaces, Streamlit's frontend first probes
# /surfaces/_stcore/health and /surfaces/_stcore/host-config to find the server's base path,
# gets 404s and retries at /_stcore/ (streamlit/streamlit#7074); Chromium logs each 404 as a
# console error. Only these probes are ignored: a 404 anywhere else is still an error.
_BASE_PATH_PROBE = re.compile(r"^/.+/_stcore/(health|host-config)$")

SERVER_START_TIMEOUT_S = 60.0
# The first run of a page may compile JAX functions (~10 s on a slow machine): be generous.
APP_RUN_TIMEOUT_MS = 90_000

# Verified against the DOM that Streamlit 1.67 renders (st.error, st.exception, an uncaught
# exception, with and without `client.showErrorDetails = "none"`):
# - st.error:                 [data-testid="stAlert"] > [data-testid="stAlertContainer"]
#                               > [data-testid="stAlertContentError"]
# - st.exception / uncaught:  [data-testid="stException"] > [data-testid="stAlertContainer"]
#                               > [data-testid="stAlertContentError"]
# - a script that does not compile (SyntaxError in app.py itself): no element in the page but a
#   modal, [data-testid="stDialog"] ("Script execution error") holding a
#   [data-testid="stErrorCodeBlock"], and stApp's data-test-script-state is "compilationError".
#   (A SyntaxError in a page file run by st.navigation is an ordinary stException.)
# st.warning, st.info and st.success use stAlertContentWarning / Info / Success and pass.
ERROR_SELECTORS = (
    '[data-testid="stException"]',
    '[data-testid="stAlert"]:has([data-testid="stAlertContentError"])',
    '[data-testid="stDialog"]:has([data-testid="stErrorCodeBlock"])',
)

# True once the script run is over: the websocket is connected, the script is no longer running
# (Streamlit's own e2e tests read the same stApp attributes), the "Running..." status widget is
# gone and the main block exists.
_APP_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    const state = app.getAttribute('data-test-script-state');
    if (state !== 'notRunning' && state !== 'compilationError') return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    return document.querySelector('[data-testid="stMain"], .stMain') !== null;
}"""

_APP_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return {
        connection: app && app.getAttribute('data-test-connection-state'),
        script: app && app.getAttribute('data-test-script-state'),
        statusWidget: document.querySelector('[data-testid="stStatusWidget"]') !== null,
        main: document.querySelector('[data-testid="stMain"], .stMain') !== null,
    };
}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<could not read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:]) or "<empty>"


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's whole process group (Streamlit may spawn children)."""
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


@contextlib.contextmanager
def run_streamlit(script: str | Path = "app.py", *, cwd: Path = REPO_ROOT) -> Iterator[str]:
    """Run ``streamlit run <script>`` (from ``cwd``) on a free port; yield its base URL.

    The server's stdout and stderr go to a temporary log file (a pipe could fill up and block
    the server); its tail is part of the failure message if the server never gets healthy.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONUNBUFFERED": "1"}
    fd, log_name = tempfile.mkstemp(prefix="adadelta-streamlit-", suffix=".log")
    log_path = Path(log_name)
    try:
        with os.fdopen(fd, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_healthy(proc, f"{url}/_stcore/health", log_path)
            yield url
        finally:
            _stop(proc)
    finally:
        log_path.unlink(missing_ok=True)


def _wait_healthy(proc: subprocess.Popen, health_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    last_error: object = None
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            pytest.fail(
                f"Streamlit server exited with code {code} before answering {health_url}.\n"
                f"--- server log tail ---\n{_tail(log_path)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                body = response.read().decode(errors="replace").strip()
            if body == "ok":
                return
            last_error = f"answered {body!r}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
        time.sleep(0.25)
    _stop(proc)
    pytest.fail(
        f"Streamlit server did not answer 'ok' on {health_url} within "
        f"{SERVER_START_TIMEOUT_S:.0f} s (last: {last_error}).\n"
        f"--- server log tail ---\n{_tail(log_path)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """The app (``app.py``) served on a free port; yields the base URL without trailing slash."""
    with run_streamlit("app.py") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (``playwright install`` is never run)."""
    if not CHROMIUM.exists():
        # Fail, never skip: a skipped browser test would let a CI without Chromium pass.
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's Chromium. "
            "Run `make chromium` (CI installs it via apt).",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh 1400x1000 page in its own context; ``page.errors`` lists JS exceptions and
    console errors."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        new_page = context.new_page()
        errors: list[str] = []
        new_page.errors = errors  # type: ignore[attr-defined]

        def on_page_error(error: PlaywrightError) -> None:
            errors.append(f"pageerror: {error.message}")

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                if "status of 404" in message.text and _BASE_PATH_PROBE.match(
                    urllib.parse.urlsplit(where).path
                ):
                    return
                errors.append(f"console.error: {message.text}" + (f" ({where})" if where else ""))

        new_page.on("pageerror", on_page_error)
        new_page.on("console", on_console)
        yield new_page
    finally:
        context.close()


def wait_for_app(page: Page, timeout_ms: float = APP_RUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the script and the page is idle.

    After a widget interaction call this again: it first waits a moment so the rerun the
    interaction triggers has started (as Streamlit's own e2e helper does).
    """
    page.wait_for_timeout(250)
    try:
        page.wait_for_function(_APP_IDLE_JS, timeout=timeout_ms, polling=100)
    except PlaywrightError as exc:
        state = page.evaluate(_APP_STATE_JS)
        raise AssertionError(
            f"Streamlit app at {page.url} did not finish running within {timeout_ms / 1000:.0f} s "
            f"(state: {state}); errors so far: {getattr(page, 'errors', [])}"
        ) from exc


def press_until(page: Page, slider: Locator, key: str, value: str, attempts: int = 20) -> None:
    """Press ``key`` on ``slider`` one press at a time until its ``aria-valuetext`` is ``value``.

    Each press waits for the value it moves: a press made while a rerun redraws the sidebar
    can be lost (Streamlit keeps the value it sent), so a lost press is pressed again rather
    than counted, and the slider never overshoots ``value``.
    """
    for _ in range(attempts):
        now = slider.get_attribute("aria-valuetext")
        if now == value:
            return
        slider.focus()
        page.keyboard.press(key)
        with contextlib.suppress(AssertionError):
            expect(slider).not_to_have_attribute("aria-valuetext", now, timeout=2_000)
    expect(slider).to_have_attribute("aria-valuetext", value)


def wait_for_number(
    locator: Locator, expected: float, rel: float, timeout_ms: float = APP_RUN_TIMEOUT_MS
) -> float:
    """The number an input shows once it shows ``expected`` (within ``rel``); fails with the
    last number shown if it does not within ``timeout_ms``.

    A number input that Streamlit draws for the first time shows its ``min_value`` for a moment
    (about 0.2 s after the script has finished, measured) before the session's value: a read
    right after ``wait_for_app`` can see ``-10`` for a learning rate the page holds at 0.25.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        text = locator.input_value()
        with contextlib.suppress(ValueError):
            if float(text) == pytest.approx(expected, rel=rel):
                return float(text)
        if time.monotonic() > deadline:
            raise AssertionError(f"the input shows {text!r}, not {expected!r} (rel {rel:g})")
        time.sleep(0.05)


def assert_no_streamlit_error(page: Page) -> None:
    """Fail if the page shows an exception (st.exception, uncaught), an st.error alert, or the
    script did not compile."""
    found = []
    for selector in ERROR_SELECTORS:
        found += [text.strip() for text in page.locator(selector).all_inner_texts()]
    state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
    if state == "compilationError" and not found:
        found.append("the script did not compile (data-test-script-state=compilationError)")
    details = "\n---\n".join(found)
    assert not found, f"Streamlit shows {len(found)} error(s) on {page.url}:\n{details}"


def assert_no_js_errors(page: Page) -> None:
    """Fail if the page logged a console error or threw an uncaught JS exception."""
    errors = getattr(page, "errors", [])
    assert not errors, f"{len(errors)} JS error(s) on {page.url}:\n" + "\n".join(errors)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as tests/artifacts/<name>.png (git-ignored) and return its path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
