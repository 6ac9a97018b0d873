"""The loss surface as a picture: colour bands with light contour lines, encoded as a PNG.

Plotly removes heatmap and contour traces from the plot whenever a ``redraw=False`` animation
replots the moving traces (plotly/plotly.js#4491, plotly/plotly.py#2151), so the animated
figures draw the surface as a layout image instead: drawn once, never touched by a frame.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import plotly.colors

BANDS = 24
"""Number of colour bands (filled contour levels)."""

LIGHTEN = 0.3
"""Share of white mixed into the colours, so the paths on top stand out."""


def _stops() -> np.ndarray:
    return np.array([plotly.colors.hex_to_rgb(c) for c in plotly.colors.sequential.Cividis], float)


def band_colours(bands: int = BANDS) -> np.ndarray:
    """The RGB colour of each band, ``(bands, 3)`` in 0..255, sampled from Cividis."""
    stops = _stops()
    at = (np.arange(bands) + 0.5) / bands * (len(stops) - 1)
    rgb = np.stack([np.interp(at, np.arange(len(stops)), stops[:, c]) for c in range(3)], 1)
    return (1.0 - LIGHTEN) * rgb + LIGHTEN * 255.0


def band_colourscale(bands: int = BANDS) -> list[list]:
    """A stepped Plotly colour scale matching ``band_colours`` (for the colour bar)."""
    scale = []
    for i, (r, g, b) in enumerate(band_colours(bands)):
        colour = f"rgb({r:.0f},{g:.0f},{b:.0f})"
        scale += [[i / bands, colour], [(i + 1) / bands, colour]]
    return scale


def banded_rgb(z: np.ndarray, low: float, high: float, bands: int = BANDS) -> np.ndarray:
    """Colours a ``(ny, nx)`` grid by band, with light lines where the band changes.

    Returns:
        ``(ny, nx, 3)`` uint8, row 0 at the smallest y (flip it for an image). NaN is white.
    """
    span = max(high - low, 1e-12)
    band = np.clip(np.floor((np.nan_to_num(z, nan=low) - low) / span * bands), 0, bands - 1)
    band = band.astype(np.int64)
    rgb = band_colours(bands)[band]
    edge = np.zeros(band.shape, bool)
    edge[:, :-1] |= band[:, :-1] != band[:, 1:]
    edge[:-1, :] |= band[:-1, :] != band[1:, :]
    rgb[edge] = 0.55 * rgb[edge] + 0.45 * 255.0
    rgb[np.isnan(z)] = 255.0
    return np.round(rgb).astype(np.uint8)


def png_data_uri(rgb: np.ndarray) -> str:
    """Encodes an ``(h, w, 3)`` uint8 image (row 0 at the top) as a ``data:image/png`` URI."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(rgb, np.uint8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
