"""Figure specs (the builders' plain-dict output) checked and read through Plotly's object model.

The builders in ``adadelta.viz`` skip Plotly's validation for speed; ``as_figure`` validates a
whole spec with ``plotly.graph_objects.Figure`` (every trace, layout and frame property) and
returns it for attribute access, its typed arrays decoded to NumPy arrays.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
import plotly.graph_objects as go

_DTYPES = {
    "i1": np.int8,
    "u1": np.uint8,
    "i2": np.int16,
    "u2": np.uint16,
    "i4": np.int32,
    "u4": np.uint32,
    "f4": np.float32,
    "f8": np.float64,
}


def decode(value: Any) -> Any:
    """``value`` with every plotly.js typed array (``{"dtype", "bdata"}``) as a NumPy array."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), _DTYPES[value["dtype"]])
            if "shape" in value:
                array = array.reshape([int(n) for n in value["shape"].split(",")])
            return array
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def as_figure(spec: dict[str, Any]) -> go.Figure:
    """The spec as a validated ``go.Figure`` (raises if Plotly rejects any property)."""
    assert isinstance(spec, dict) and set(spec) <= {"data", "layout", "frames"}, type(spec)
    return go.Figure(decode(spec))


def json_size(spec: dict[str, Any]) -> int:
    """Bytes of the JSON Streamlit sends for the spec."""
    return len(orjson.dumps(spec, option=orjson.OPT_SERIALIZE_NUMPY))
