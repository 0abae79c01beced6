"""Canvas geometry shared by the document, the items and the scene: grid, block size, tidy rows.

>>> row_positions(3)
[(0.0, 0.0), (200.0, 0.0), (400.0, 0.0)]
>>> snap(47.0, 11.0)
(40.0, 20.0)
"""
from __future__ import annotations

GRID = 20.0  # snap step, and the spacing of the background dots
BLOCK_WIDTH = 140.0
BLOCK_HEIGHT = 80.0
PITCH_X = BLOCK_WIDTH + 3 * GRID  # left edge to left edge in a tidy row
PITCH_Y = BLOCK_HEIGHT + 3 * GRID


def snap(x: float, y: float, step: float = GRID) -> tuple[float, float]:
    """The grid point nearest to (x, y)."""
    return float(round(x / step) * step), float(round(y / step) * step)


def row_positions(count: int, x0: float = 0.0, y0: float = 0.0) -> list[tuple[float, float]]:
    """Top-left corners for `count` blocks in one left-to-right row."""
    return [(x0 + i * PITCH_X, y0) for i in range(count)]


def arranged_positions(chain_ids: list[int], other_ids: list[int], x0: float = 0.0,
                       y0: float = 0.0) -> dict[int, tuple[float, float]]:
    """Auto-arrange: the Chain in one row, every other block in rows of up to 6 underneath."""
    positions = dict(zip(chain_ids, row_positions(len(chain_ids), x0, y0)))
    for i, block_id in enumerate(other_ids):
        row, col = divmod(i, 6)
        positions[block_id] = (x0 + col * PITCH_X, y0 + (row + 1) * PITCH_Y)
    return positions
