"""The kinds of control: each reads its URL text, writes it back and draws its widget.

A control is one argument under its exact Keras name. Everything that depends on what kind of
value it holds lives in its class here: how URL text becomes a value (numbers out of range are
clamped, and the reader is told), how a value becomes URL text again, which Streamlit widget
shows it and which Python type a spec receives. ``Group`` gives controls their keys.

Nothing here imports Streamlit: ``widget`` draws into the container it is given (``st``,
``st.sidebar``, a column), so the URL state can be read and checked without a running app.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

MISSING: Any = object()
"""Marks a default not given (taken from the optimizer's signature) or absent there."""

TEXT_LIMIT = 300
"""The longest text a text control accepts (the formula parser's limit)."""


class Reading(NamedTuple):
    """A value read from URL text, and what the reader should be told about it (or None)."""

    value: Any
    message: str | None = None


def show(value: Any) -> str:
    """A value as the help texts and messages print it: ``1e-7``, ``0.95``, ``None``."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:4]}e{len(digits) - 1}"
    if isinstance(value, float):
        text = f"{value:g}"
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}e{int(exponent)}" if e else text
    return str(value)


def _quoted(text: str) -> str:
    """URL text inside a message, shortened: a link may carry anything."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


@dataclasses.dataclass(frozen=True)
class Control:
    """One argument's control: its Keras name, help text, default, key and kind.

    Declare a control with its name, its help text and (unless the optimizer's signature holds
    it) its page default; ``Group`` fills in ``key``, ``keras_default`` and the default.

    Attributes:
        name: the exact Keras argument name (the widget's label).
        help: one line shown as the widget's tooltip.
        default: the page's default; ``MISSING`` takes the optimizer's own default.
        key: the widget key and URL parameter, ``<group prefix>.<name>`` (set by ``Group``).
        keras_default: the default in the optimizer's signature, or ``MISSING`` when the
            control is not an optimizer argument or the argument is required.
        when: ``(name, value)``: the control applies only while the control ``name`` of the
            same group holds ``value`` (e.g. ``("use_ema", True)``).
        label: the widget's label when it is not the name alone (two widgets of one argument,
            e.g. the form of ``learning_rate`` and its value).
    """

    name: str
    help: str
    default: Any = MISSING
    _: dataclasses.KW_ONLY
    key: str = ""
    keras_default: Any = MISSING
    when: tuple[str, Any] | None = None
    label: str = ""

    def parse(self, text: str) -> Reading:
        """The value of URL text; raises ValueError (naming the argument) when it has none."""
        raise NotImplementedError

    def encode(self, value: Any) -> str:
        """URL text that ``parse`` reads back as ``value``."""
        return str(value)

    def coerce(self, value: Any) -> Any:
        """A widget's (or a parsed) value as the type a spec holds."""
        return value

    def to_widget(self, value: Any) -> Any:
        """A value as the widget holds it in ``st.session_state``."""
        return value

    def widget(self, where: Any) -> Any:
        """Draws the widget into ``where`` (a Streamlit container); returns its value."""
        raise NotImplementedError

    def read(self, text: str) -> Reading:
        """``parse`` that never raises: text without a value gives the default and a message."""
        try:
            return self.parse(text)
        except ValueError as error:
            return Reading(self.default, f"{error}; the default {show(self.default)} is used")

    def value(self, state: Mapping[str, Any]) -> Any:
        """This control's value in ``state`` (session state or read values), or its default."""
        return self.coerce(state.get(self.key, self.default))

    def is_default(self, value: Any) -> bool:
        """Whether ``value`` equals the default (such values stay out of the URL)."""
        return self.coerce(value) == self.coerce(self.default)

    def extremes(self) -> tuple[str, ...]:
        """URL texts of the values at this control's edges (for tests that push the pages)."""
        return (self.encode(self.default),)

    def _common(self) -> dict[str, Any]:
        return {"label": self.label or self.name, "key": self.key, "help": self.help}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Real(Control):
    """A real number in ``[low, high]``; base of ``Number`` and ``Slider``.

    Attributes:
        low, high, step: the widget's range and step.
        format: printf-style display format.
        optional: an empty input means None (the Keras argument is off).
    """

    low: float
    high: float
    step: float
    format: str = "%g"
    optional: bool = False

    def _number(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"`{self.name}` must be a number, not {_quoted(text)}") from None

    def parse(self, text: str) -> Reading:
        if self.optional and text.strip().lower() in ("", "none"):
            return Reading(None)
        return self._clamp(self._number(text))

    def _clamp(self, value: float) -> Reading:
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"`{self.name}` must be a number, not NaN")
        if value < self.low:
            bound, side = self.coerce(self.low), "below"
        elif value > self.high:
            bound, side = self.coerce(self.high), "above"
        else:
            return Reading(self.coerce(value))
        return Reading(
            bound, f"`{self.name}` = {show(value)} is {side} {show(bound)}; {show(bound)} is used"
        )

    def encode(self, value: Any) -> str:
        return "none" if value is None else repr(self.coerce(value))

    def extremes(self) -> tuple[str, ...]:
        values = (self.low, self.high, self.default) + ((None,) if self.optional else ())
        return tuple(self.encode(value) for value in dict.fromkeys(values))

    def coerce(self, value: Any) -> float | None:
        return None if value is None else float(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Number(Real):
    """A real number typed into a number input."""

    def widget(self, where: Any) -> Any:
        extra = {"value": None, "placeholder": "None (off)"} if self.optional else {}
        return where.number_input(
            min_value=float(self.low),
            max_value=float(self.high),
            step=float(self.step),
            format=self.format,
            **extra,
            **self._common(),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Slider(Real):
    """A real number on a slider over ``[low, high]``."""

    format: str = "%.3f"

    def widget(self, where: Any) -> Any:
        return where.slider(
            min_value=float(self.low),
            max_value=float(self.high),
            step=self.step,
            format=self.format,
            **self._common(),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Integer(Real):
    """An integer in ``[low, high]`` typed into a number input (``1e3`` reads as 1000)."""

    def parse(self, text: str) -> Reading:
        if self.optional and text.strip().lower() in ("", "none"):
            return Reading(None)
        try:
            number: float = int(text)
        except ValueError:
            number = self._number(text)
            if math.isfinite(number) and not number.is_integer():
                raise ValueError(f"`{self.name}` must be an integer, not {_quoted(text)}") from None
        return self._clamp(number)

    def encode(self, value: Any) -> str:
        return "none" if value is None else str(self.coerce(value))

    def coerce(self, value: Any) -> int | None:
        return None if value is None else int(value)

    def widget(self, where: Any) -> Any:
        extra = {"value": None, "placeholder": "None (off)"} if self.optional else {}
        return where.number_input(
            min_value=int(self.low),
            max_value=int(self.high),
            step=int(self.step),
            **extra,
            **self._common(),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Checkbox(Control):
    """True or False; the URL says ``true`` or ``false`` (also 1/0, yes/no, on/off)."""

    def parse(self, text: str) -> Reading:
        word = text.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return Reading(True)
        if word in ("0", "false", "no", "off"):
            return Reading(False)
        raise ValueError(f"`{self.name}` must be true or false, not {_quoted(text)}")

    def encode(self, value: Any) -> str:
        return "true" if value else "false"

    def extremes(self) -> tuple[str, ...]:
        return ("true", "false")

    def coerce(self, value: Any) -> bool:
        return bool(value)

    def widget(self, where: Any) -> Any:
        return where.checkbox(**self._common())


@dataclasses.dataclass(frozen=True, kw_only=True)
class Text(Control):
    """Free text of at most ``TEXT_LIMIT`` characters (a formula, a list, a name)."""

    def parse(self, text: str) -> Reading:
        if len(text) > TEXT_LIMIT:
            raise ValueError(f"`{self.name}` is longer than {TEXT_LIMIT} characters")
        return Reading(text)

    def coerce(self, value: Any) -> str:
        return str(value)

    def extremes(self) -> tuple[str, ...]:
        return (self.encode(self.default), "", "x" * TEXT_LIMIT)

    def widget(self, where: Any) -> Any:
        return where.text_input(max_chars=TEXT_LIMIT, **self._common())


@dataclasses.dataclass(frozen=True, kw_only=True)
class Choice(Control):
    """One of ``options`` (the URL holds the option, the widget may show a label for it).

    Attributes:
        options: the choices, as they appear in the URL.
        labels: ``(option, label)`` pairs for options displayed differently.
    """

    options: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()

    def label_of(self, option: str) -> str:
        """How an option is displayed."""
        return dict(self.labels).get(option, option)

    def parse(self, text: str) -> Reading:
        if text in self.options:
            return Reading(text)
        matches = [option for option in self.options if option.lower() == text.strip().lower()]
        if len(matches) == 1:
            return Reading(matches[0])
        raise ValueError(f"`{self.name}` must be one of {', '.join(self.options)}")

    def extremes(self) -> tuple[str, ...]:
        return self.options

    def widget(self, where: Any) -> Any:
        return where.selectbox(options=self.options, format_func=self.label_of, **self._common())


@dataclasses.dataclass(frozen=True, kw_only=True)
class MultiChoice(Control):
    """Several of ``options``, comma-separated in the URL, in the order given."""

    options: tuple[str, ...]

    def parse(self, text: str) -> Reading:
        given = [part.strip() for part in text.split(",") if part.strip()]
        by_lower = {option.lower(): option for option in self.options}
        chosen = tuple(dict.fromkeys(by_lower[g.lower()] for g in given if g.lower() in by_lower))
        unknown = [g for g in given if g.lower() not in by_lower]
        if not unknown:
            return Reading(chosen)
        return Reading(
            chosen,
            f"`{self.name}` may only list {', '.join(self.options)}; "
            f"{', '.join(map(_quoted, unknown[:3]))} ignored",
        )

    def encode(self, value: Any) -> str:
        return ",".join(value)

    def extremes(self) -> tuple[str, ...]:
        return ("", *self.options, self.encode(self.options))

    def coerce(self, value: Any) -> tuple[str, ...]:
        return tuple(value)

    def to_widget(self, value: Any) -> list[str]:
        return list(value)

    def widget(self, where: Any) -> Any:
        return where.multiselect(options=self.options, **self._common())


def signature_defaults(function: Callable[..., Any] | None) -> dict[str, Any]:
    """The defaults in a function's (or class's) signature; required arguments are left out."""
    if function is None:
        return {}
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


class Group:
    """Controls under one key prefix: ``Group("adadelta", ...)["rho"].key == "adadelta.rho"``.

    Binding a control gives it its key and, for a control named after an argument of
    ``signature_of`` (an optimizer or schedule class), that argument's default as
    ``keras_default``; a control declared without a default takes it. When the page's default
    differs, the help text says Keras's, so the two are never typed twice.
    """

    def __init__(
        self,
        prefix: str,
        controls: Sequence[Control],
        signature_of: Callable[..., Any] | None = None,
    ) -> None:
        keras = signature_defaults(signature_of)
        bound = []
        for control in controls:
            keras_default = keras.get(control.name, MISSING)
            default = keras_default if control.default is MISSING else control.default
            if default is MISSING:
                raise TypeError(f"{prefix}.{control.name} has no default here nor in Keras")
            note = ""
            if keras_default is not MISSING and default != keras_default:
                off = " (off)" if keras_default is None else ""
                note = f" Keras's default is {show(keras_default)}{off}."
            bound.append(
                dataclasses.replace(
                    control,
                    key=f"{prefix}.{control.name}",
                    default=default,
                    keras_default=keras_default,
                    help=control.help + note,
                )
            )
        self.prefix = prefix
        self.controls: tuple[Control, ...] = tuple(bound)
        self._by_name = {control.name: control for control in bound}
        for control in bound:
            if control.when is not None and control.when[0] not in self._by_name:
                raise TypeError(f"{control.key} depends on {control.when[0]}, not in the group")

    def __getitem__(self, name: str) -> Control:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Control]:
        return iter(self.controls)

    def __len__(self) -> int:
        return len(self.controls)

    def __repr__(self) -> str:
        return f"Group({self.prefix!r}, {[c.name for c in self.controls]})"

    def applies(self, control: Control, state: Mapping[str, Any]) -> bool:
        """Whether ``control`` applies in ``state`` (its ``when`` condition holds)."""
        if control.when is None:
            return True
        name, wanted = control.when
        return self[name].value(state) == wanted

    def active(self, state: Mapping[str, Any]) -> tuple[Control, ...]:
        """The controls that apply in ``state``, in declaration order."""
        return tuple(control for control in self.controls if self.applies(control, state))

    def values(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """``{keras_name: value}`` of the controls that apply in ``state``."""
        return {control.name: control.value(state) for control in self.active(state)}
