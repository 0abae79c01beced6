"""The loss-landscape picture as an RGB array, without Qt: heatmap, contour lines, arrows, the path.

>>> from engine import Chain, Dense, datasets, tanh
>>> from engine.analysis import landscape, random_plane
>>> ds = datasets.circle(60); model = Chain(Dense(2, 4, tanh, rng=0), Dense(4, 1, rng=1))
>>> view = landscape(model, "mse", ds.X, ds.targets(1), random_plane(model), resolution=11, arrows=5)
>>> render(view, size=120).shape
(120, 120, 3)

The command line writes this (gui/core/cli/landscape.py); the window's dock draws the same numbers with
pyqtgraph (gui/plots/landscape.py) and takes `shown_values` and `contour_levels` from here, so both show
one picture: colour is log₁₀ of the loss (a landscape spans decades), contours evenly spaced in it,
arrows point downhill (−∇L, where a gradient step goes) with length by steepness, and the centre (the
current weights) is a cross.
"""
from __future__ import annotations

import numpy as np

# viridis at nine stops (matplotlib's colour map, CC0): perceptually even, readable in grey
VIRIDIS = np.array([(68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141), (39, 173, 129),
                    (92, 200, 99), (170, 220, 50), (253, 231, 37)], dtype=float)
CONTOURS = 12
PATH_RGB, ARROW_RGB, CONTOUR_RGB, CENTRE_RGB = (255, 64, 64), (255, 255, 255), (20, 20, 20), (255, 255, 255)


def shown_values(loss) -> np.ndarray:
    """What colour shows: log₁₀ of the loss (tiny and non-finite losses clipped to the finite range).

    >>> shown_values([[1.0, 100.0]]).tolist()
    [[0.0, 2.0]]
    """
    loss = np.asarray(loss, dtype=float)
    finite = loss[np.isfinite(loss)]
    top = float(finite.max()) if finite.size else 1.0
    floor = max(float(finite[finite > 0].min()) if (finite > 0).any() else 1e-12, 1e-12)
    return np.log10(np.clip(np.nan_to_num(loss, nan=top, posinf=top), floor, None))


def contour_levels(values, count: int = CONTOURS) -> np.ndarray:
    """`count` levels evenly inside the range of `values` (none when it is flat).

    >>> contour_levels([0.0, 1.0], 3).tolist()
    [0.25, 0.5, 0.75]
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    if not hi > lo:
        return np.zeros(0)
    return np.linspace(lo, hi, count + 2)[1:-1]


def colours(values, lo: float, hi: float) -> np.ndarray:
    """RGB (…, 3) floats for `values` on viridis over [lo, hi]."""
    t = np.clip((np.asarray(values, dtype=float) - lo) / max(hi - lo, 1e-300), 0, 1) * (len(VIRIDIS) - 1)
    i = np.minimum(t.astype(int), len(VIRIDIS) - 2)
    f = (t - i)[..., None]
    return VIRIDIS[i] * (1 - f) + VIRIDIS[i + 1] * f


def _resample(grid, size: int) -> np.ndarray:
    """`grid` (first axis x) bilinearly onto size × size pixels, rows from the top (largest y) down."""
    n = grid.shape[0]
    at = np.linspace(0, n - 1, size)
    rows = np.array([np.interp(at, np.arange(n), grid[:, j]) for j in range(grid.shape[1])])  # (ny, size): x along
    out = np.array([np.interp(at, np.arange(grid.shape[1]), rows[:, k]) for k in range(size)])  # (size x, size y)
    return out.T[::-1]


class _Canvas:
    """Pixels of the plane: (a, b) in [-span, span]² onto a size × size picture."""

    def __init__(self, rgb, span: float):
        self.rgb, self.span, self.size = rgb, span, rgb.shape[0]

    def pixel(self, a, b):
        scale = (self.size - 1) / (2 * self.span)
        return (np.asarray(a) + self.span) * scale, (self.span - np.asarray(b)) * scale

    def line(self, x0, y0, x1, y1, rgb, width: int = 2):
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 2
        xs, ys = np.linspace(x0, x1, steps), np.linspace(y0, y1, steps)
        for dx in range(width):
            for dy in range(width):
                x, y = np.rint(xs).astype(int) + dx - width // 2, np.rint(ys).astype(int) + dy - width // 2
                keep = (x >= 0) & (x < self.size) & (y >= 0) & (y < self.size)
                self.rgb[y[keep], x[keep]] = rgb


def render(view, path=None, size: int = 600) -> np.ndarray:
    """The picture of a `engine.analysis.Landscape` (and an (m, 2) path on its plane) as (size, size, 3) uint8."""
    values = shown_values(view.loss)
    pixels = _resample(values, size)
    rgb = colours(pixels, float(values.min()), float(values.max()))
    levels = contour_levels(values)
    if levels.size:  # a pixel is on a contour where its level band differs from its right or lower neighbour's
        band = np.searchsorted(levels, pixels)
        edge = np.zeros(band.shape, bool)
        edge[:, :-1] |= band[:, :-1] != band[:, 1:]
        edge[:-1, :] |= band[:-1, :] != band[1:, :]
        rgb[edge] = rgb[edge] * 0.35 + np.array(CONTOUR_RGB) * 0.65
    canvas = _Canvas(rgb.round().astype(np.uint8), float(view.alphas[-1]))
    _draw_arrows(canvas, view)
    cx, cy = canvas.pixel(0.0, 0.0)
    arm = max(4, size // 60)
    canvas.line(cx - arm, cy, cx + arm, cy, CENTRE_RGB)
    canvas.line(cx, cy - arm, cx, cy + arm, CENTRE_RGB)
    if path is not None and len(path) > 1:
        xs, ys = canvas.pixel(np.asarray(path)[:, 0], np.asarray(path)[:, 1])
        for k in range(len(xs) - 1):
            canvas.line(xs[k], ys[k], xs[k + 1], ys[k + 1], PATH_RGB, width=3)
    return canvas.rgb


def _draw_arrows(canvas, view):
    if view.arrows.size == 0:
        return
    g = -np.asarray(view.arrows, dtype=float)  # downhill
    length = np.hypot(g[..., 0], g[..., 1])
    top = float(np.nanmax(length)) if np.isfinite(length).any() else 0.0
    if not top > 0:
        return
    cell = canvas.size / max(len(view.arrow_alphas), 2) * 0.8
    for i, a in enumerate(view.arrow_alphas):
        for j, b in enumerate(view.arrow_betas):
            if not np.isfinite(length[i, j]) or length[i, j] == 0:
                continue
            x0, y0 = canvas.pixel(a, b)
            ux, uy = g[i, j, 0] / length[i, j], -g[i, j, 1] / length[i, j]  # picture y grows downwards
            reach = cell * (0.25 + 0.75 * length[i, j] / top)
            x1, y1 = x0 + ux * reach, y0 + uy * reach
            canvas.line(x0, y0, x1, y1, ARROW_RGB, width=1)
            head = reach * 0.3
            for turn in (0.5, -0.5):  # two barbs at ±~30° back from the tip
                c, s = np.cos(np.pi - turn), np.sin(np.pi - turn)
                canvas.line(x1, y1, x1 + head * (ux * c - uy * s), y1 + head * (ux * s + uy * c), ARROW_RGB, width=1)


__all__ = ["render", "shown_values", "contour_levels", "colours", "VIRIDIS"]
