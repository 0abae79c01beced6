"""A PNG file from an RGB array, with zlib and nothing else (the command line has no Qt to write images).

>>> rgb = np.zeros((2, 3, 3), np.uint8); rgb[0, 0] = (255, 0, 0)
>>> data = encode_png(rgb)
>>> data[:8] == PNG_SIGNATURE, png_size(data)
(True, (3, 2))
>>> bool((decode_png(data) == rgb).all())
True

Truecolour, 8 bits a channel, filter 0 on every row: simple and exact, and small enough for pictures that
are mostly smooth colour (zlib does the rest). `decode_png` reads back only what `encode_png` writes (tests).
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from engine.modelfile import atomic_write

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode_png(rgb) -> bytes:
    """The bytes of a PNG file showing `rgb`, an (height, width, 3) array of 0–255 values."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or 0 in rgb.shape:
        raise ValueError(f"a PNG needs an (height, width, 3) picture, got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour, deflate, no interlace
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def write_png(path, rgb) -> None:
    """Write `rgb` to `path` as a PNG, atomically (a reader never sees half a file)."""
    atomic_write(path, encode_png(rgb))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def decode_png(data: bytes) -> np.ndarray:
    """The (height, width, 3) picture of a PNG that `encode_png` wrote (filter 0, one IDAT)."""
    width, height = png_size(data)
    pos, idat = 8, b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
            raise ValueError(f"the PNG's {kind.decode('latin-1')} chunk is damaged")
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * 3)
    if rows[:, 0].any():
        raise ValueError("decode_png reads only unfiltered rows")
    return rows[:, 1:].reshape(height, width, 3).copy()


__all__ = ["encode_png", "write_png", "decode_png", "png_size", "PNG_SIGNATURE"]
