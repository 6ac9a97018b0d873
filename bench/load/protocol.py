"""Streamlit's browser protocol, as far as a student's visit needs it: no I/O here.

What Streamlit 1.67's frontend sends (captured from headless Chromium on ``/surfaces``):

- opening a link: a ``BackMsg.rerun_script`` with the link's ``query_string``, the page's URL
  path as ``page_name`` (``"surfaces"``; the server matches it against ``st.Page(url_path=...)``),
  an empty ``widget_states`` and the browser's ``context_info``; no ``page_script_hash``.
- moving a control: ``rerun_script`` with the current ``query_string``, the state of **every**
  widget on the page, the current page's ``page_script_hash`` (from ``ForwardMsg.navigation``),
  no ``page_name``, and the hashes of the large messages the browser has cached
  (``cached_message_hashes``): the server then sends a ``ref_hash`` instead of an unchanged
  chart, although it still builds and hashes it.

The server answers with ``ForwardMsg``s and ends each script run with ``script_finished``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlencode

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

# What Chromium sends in ``context_info`` (headless, UTC, English); the app does not read it.
_CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "color_scheme": "light"}

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")
# A run ended by ``st.rerun()``: the visit goes on with the next run.
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")

# The frontend drops a cached message that no run has used for this many runs.
MAX_CACHE_AGE = 2

# Widget element types whose value a browser reports, and how (see ``_initial_state``).
WIDGET_TYPES = ("slider", "number_input", "selectbox", "multiselect", "text_input", "checkbox")


def query_string(settings: Mapping[str, float]) -> str:
    """The query string of a link that opens a page with ``settings`` (URL key -> value)."""
    return urlencode({key: format_value(value) for key, value in settings.items()})


def format_value(value: float) -> str:
    """A value as the app writes it into its URL (``repr`` of a float, ``str`` of an int)."""
    return repr(float(value)) if isinstance(value, float) else str(value)


def open_page(page: str, query: str, url: str) -> BackMsg:
    """The message a browser sends when it opens ``/<page>?<query>``."""
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = query
    rerun.widget_states.SetInParent()
    rerun.page_name = page
    _set_context(rerun, url)
    return msg


def change_widgets(
    state: PageState, changes: Mapping[str, float], url: str
) -> tuple[BackMsg, list[str]]:
    """The message a browser sends when a person sets the widgets keyed ``changes``.

    Returns the message and the keys of ``changes`` that no widget on the page has (those are
    not sent; the caller reports them).
    """
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = state.query_string
    missing = []
    values = dict(state.widgets)
    for key, value in changes.items():
        widget_id = state.widget_ids.get(key)
        if widget_id is None:
            missing.append(key)
            continue
        values[widget_id] = set_value(values[widget_id], value)
    # The browser's widget manager now holds the new values.
    state.widgets = values
    rerun.widget_states.SetInParent()
    rerun.widget_states.widgets.extend(values[widget_id] for widget_id in state.widget_order)
    rerun.page_script_hash = state.page_script_hash
    rerun.cached_message_hashes.extend(sorted(state.cached))
    _set_context(rerun, url)
    return msg, missing


def set_value(widget: WidgetState, value: float) -> WidgetState:
    """A copy of ``widget`` holding ``value`` in the field its kind of widget uses."""
    new = WidgetState()
    new.CopyFrom(widget)
    kind = widget.WhichOneof("value")
    if kind == "double_array_value":
        new.double_array_value.data[:] = [float(value)]
    elif kind == "int_value":
        new.int_value = int(value)
    elif kind in (None, "double_value"):
        new.double_value = float(value)
    else:
        raise ValueError(f"widget {widget.id!r} holds a {kind}, not a number")
    return new


def _set_context(rerun, url: str) -> None:
    for name, value in _CONTEXT.items():
        setattr(rerun.context_info, name, value)
    rerun.context_info.url = url
    rerun.context_info.is_embedded = False


def user_key(widget_id: str) -> str | None:
    """The ``key=`` a widget was created with: its id is ``$$ID-<hash>-<key>``."""
    prefix, _, rest = widget_id.partition("-")
    if prefix != "$$ID" or "-" not in rest:
        return None
    return rest.split("-", 1)[1] or None


def _initial_state(kind: str, element) -> WidgetState:
    """The state a browser reports for a widget it has just drawn: its value if the server set
    one (``set_value``), else its default."""
    state = WidgetState(id=element.id)
    if kind == "slider":
        state.double_array_value.data[:] = list(
            element.value if element.set_value else element.default
        )
    elif kind == "number_input":
        has = element.HasField("value") if element.set_value else element.HasField("default")
        if has:
            number = element.value if element.set_value else element.default
            if element.data_type == element.INT:
                state.int_value = int(number)
            else:
                state.double_value = number
    elif kind == "selectbox":
        if element.set_value and element.HasField("raw_value"):
            state.string_value = element.raw_value
        elif element.HasField("default"):
            state.string_value = element.options[element.default]
    elif kind == "multiselect":
        chosen = (
            element.raw_values
            if element.set_value
            else [element.options[i] for i in element.default]
        )
        state.string_array_value.data[:] = list(chosen)
    elif kind == "text_input":
        if element.set_value and element.HasField("value"):
            state.string_value = element.value
        elif element.HasField("default"):
            state.string_value = element.default
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    return state


def widget_number(state: WidgetState) -> float | None:
    """The number a numeric widget state holds (a slider's single value), else None."""
    kind = state.WhichOneof("value")
    if kind == "double_array_value" and len(state.double_array_value.data) == 1:
        return state.double_array_value.data[0]
    if kind in ("double_value", "int_value"):
        return getattr(state, kind)
    return None


@dataclasses.dataclass
class PageState:
    """What a browser keeps of a page between runs: widget states, URL, page, cached charts."""

    widgets: dict[str, WidgetState] = dataclasses.field(default_factory=dict)
    widget_order: list[str] = dataclasses.field(default_factory=list)
    widget_ids: dict[str, str] = dataclasses.field(default_factory=dict)
    query_string: str = ""
    page_script_hash: str = ""
    cached: dict[str, ForwardMsg] = dataclasses.field(default_factory=dict)
    # The run in which each cached message was last used; like the frontend's ForwardMsgCache,
    # a message unused for ``MAX_CACHE_AGE`` runs is dropped.
    cache_used: dict[str, int] = dataclasses.field(default_factory=dict)
    runs: int = 0


@dataclasses.dataclass
class RunResult:
    """What one visit (from the rerun request to the last ``script_finished``) showed."""

    finished: bool = False
    # A script run began (``new_session``): a visit that never finishes was at least started.
    started: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    bytes_received: int = 0
    messages: int = 0
    charts: int = 0
    # Values the server set on keyed numeric widgets (``set_value``), by key.
    server_values: dict[str, float] = dataclasses.field(default_factory=dict)
    # The query string the app wrote into the URL during this visit, if it changed it.
    url_query: str | None = None


class Visit:
    """Reads the ForwardMsgs of one visit into ``result`` and the browser's ``state``.

    Feed every received frame to ``feed``; it returns True once the visit is over: a run
    finished (successfully or with a compile error). A run that ended early for ``st.rerun()``
    does not end the visit.
    """

    def __init__(self, state: PageState) -> None:
        self.state = state
        self.result = RunResult()
        self._seen_widgets: dict[str, WidgetState] = {}
        self._order: list[str] = []

    def feed(self, frame: bytes) -> bool:
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        self.result.bytes_received += len(frame)
        self.result.messages += 1
        return self.handle(msg)

    def handle(self, msg: ForwardMsg) -> bool:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.state.cached.get(msg.ref_hash)
            if cached is None:
                self.result.errors.append(f"reference to a message never received ({msg.ref_hash})")
                return False
            self.state.cache_used[msg.ref_hash] = self.state.runs
            msg = cached
            kind = "delta"
        elif msg.metadata.cacheable and msg.hash:
            self.state.cached[msg.hash] = msg
            self.state.cache_used[msg.hash] = self.state.runs
        if kind == "new_session":
            self.result.started = True
            self._seen_widgets.clear()
            self._order.clear()
        elif kind == "navigation":
            self.state.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.state.query_string = msg.page_info_changed.query_string
            self.result.url_query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self.result.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exc = msg.session_event.script_compilation_exception
            self.result.errors.append(f"script does not compile: {exc.type}: {exc.message}")
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            return self._finished(msg.script_finished)
        return False

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.result.errors.append(
                f"exception: {element.exception.type}: {element.exception.message}"
            )
        elif kind == "alert":
            if element.alert.format == Alert.ERROR:
                self.result.errors.append(f"error alert: {element.alert.body}")
            elif element.alert.format == Alert.WARNING:
                self.result.warnings.append(element.alert.body)
        elif kind == "plotly_chart":
            self.result.charts += 1
        elif kind in WIDGET_TYPES:
            widget = getattr(element, kind)
            previous = self.state.widgets.get(widget.id)
            if previous is None or widget.set_value:
                previous = _initial_state(kind, widget)
            if widget.set_value and (key := user_key(widget.id)):
                number = widget_number(previous)
                if number is not None:
                    self.result.server_values[key] = number
            if widget.id not in self._seen_widgets:
                self._order.append(widget.id)
            self._seen_widgets[widget.id] = previous

    def _finished(self, status: int) -> bool:
        if status == EARLY_FOR_RERUN:
            return False
        if status == COMPILE_ERROR:
            self.result.errors.append("script finished with a compile error")
        self.result.finished = True
        state = self.state
        state.runs += 1
        for old in [h for h, run in state.cache_used.items() if state.runs - run > MAX_CACHE_AGE]:
            del state.cached[old], state.cache_used[old]
        # The browser forgets the widgets a run did not draw.
        state.widgets = dict(self._seen_widgets)
        state.widget_order = list(self._order)
        state.widget_ids = {
            key: widget_id for widget_id in self._order if (key := user_key(widget_id))
        }
        return True
