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


def _overlaps(x: float, y: float, taken: list[tuple[float, float]]) -> bool:
    """Whether a block at (x, y) would overlap (or touch, within a grid step) a block at any of `taken`."""
    return any(abs(x - tx) < BLOCK_WIDTH + GRID and abs(y - ty) < BLOCK_HEIGHT + GRID for tx, ty in taken)


def free_position(x: float, y: float, taken: list[tuple[float, float]]) -> tuple[float, float]:
    """The free spot for a block nearest to (x, y): there if nothing is in the way, else the closest of
    the places one block-pitch apart around it, ring by ring.

    >>> free_position(0.0, 0.0, [])
    (0.0, 0.0)
    >>> free_position(10.0, 0.0, [(0.0, 0.0)])
    (200.0, 0.0)
    """
    if not _overlaps(x, y, taken):
        return x, y
    for ring in range(1, 64):
        spots = [(x + i * PITCH_X, y + j * PITCH_Y) for i in range(-ring, ring + 1) for j in range(-ring, ring + 1)
                 if max(abs(i), abs(j)) == ring]
        # nearest first; between equals, to the right, then below: where a Chain reads on
        spots.sort(key=lambda p: ((p[0] - x) ** 2 + (p[1] - y) ** 2, -(p[0] - x), -(p[1] - y)))
        for spot in spots:
            if not _overlaps(*spot, taken):
                return spot
    return x, y


def free_offset(group: list[tuple[float, float]], taken: list[tuple[float, float]],
                step: float = 2 * GRID) -> tuple[float, float]:
    """How far to move a group of blocks (down-right, a `step` at a time) so that none overlaps `taken`.

    >>> free_offset([(0.0, 0.0)], [(0.0, 0.0)])
    (160.0, 160.0)
    """
    for k in range(0, 200):
        d = k * step
        if not any(_overlaps(x + d, y + d, taken) for x, y in group):
            return d, d
    return 0.0, 0.0
