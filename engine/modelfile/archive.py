"""Zip containers for model files: written deterministically, read trusting nothing.

A model file and the `weights.npz` inside it are both zip archives. Reading one checks, in
this order and before any member is decompressed: the end record (member count, directory
size, no zip64, nothing after it), each member's exact name, method, flags and declared sizes,
the total, the compression ratio, and that the members lie end to end from the first byte to
the directory (so nothing - a shell script, a second archive - hides before or between them). Members are then read in chunks up to their cap, so a lying header
cannot make us allocate more than the cap; zipfile checks each member's CRC at its end.

    >>> import io
    >>> buf = io.BytesIO()
    >>> write_archive(buf, [("a.txt", b"hello", True)])
    >>> with open_checked(io.BytesIO(buf.getvalue()), {"a.txt": 100}, max_total=100) as zf:
    ...     read_member(zf, zf.getinfo("a.txt"), 100)
    b'hello'
    >>> open_checked(io.BytesIO(b"not a zip"), {"a.txt": 100}, max_total=100)
    Traceback (most recent call last):
    ...
    engine.modelfile.archive.FileProblem: it is not a zip archive (no end-of-archive record)

Every problem is a `FileProblem` whose message says what is wrong; the caller adds which file.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from contextlib import contextmanager

__all__ = ["FileProblem", "open_checked", "read_member", "write_archive", "damage_guard",
           "FIXED_TIME"]

EOCD = struct.Struct("<4s4H2LH")        # end of central directory record
EOCD_SIGNATURE = b"PK\x05\x06"
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
MAX_COMMENT = 1 << 16
DIRECTORY_BYTES_PER_MEMBER = 46 + 255 + 64  # header + a long name + some extra field
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
FLAG_ENCRYPTED = 0x1
FLAG_STRONG_ENCRYPTION = 0x40
CHUNK = 1 << 16
# Members carry a fixed date so saving the same model twice gives the same bytes.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class FileProblem(Exception):
    """What is wrong with a file, in words a person can act on (the caller names the file)."""


# What zipfile, zlib and struct raise on damaged input. Anything here means "damaged", never a bug
# of ours: RuntimeError is zipfile's "password required", NotImplementedError an unknown method.
DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, struct.error, ValueError,
          NotImplementedError, RuntimeError, OverflowError, UnicodeDecodeError)


@contextmanager
def damage_guard(what: str):
    """Turn the exceptions damaged input provokes into one FileProblem about `what`."""
    try:
        yield
    except FileProblem:
        raise
    except RecursionError:  # a RuntimeError subclass; only deep nesting provokes it here
        raise FileProblem(f"{what} is nested too deeply") from None
    except DAMAGE as error:
        detail = str(error).strip() or type(error).__name__
        raise FileProblem(f"{what} is damaged ({detail[:200]})") from None


def _end_record(fp) -> tuple[int, int, int]:
    """(member count, directory size, directory offset) from the end record, which must end the file."""
    fp.seek(0, 2)
    size = fp.tell()
    start = max(size - MAX_COMMENT - EOCD.size, 0)
    fp.seek(start)
    tail = fp.read()
    # zipfile first tries a record with no comment at the very end, then searches backwards.
    at = len(tail) - EOCD.size
    if at < 0 or tail[at:at + 4] != EOCD_SIGNATURE or tail[-2:] != b"\0\0":
        at = tail.rfind(EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < EOCD.size:
        raise FileProblem("it is not a zip archive (no end-of-archive record)")
    _, disk, directory_disk, here, total, directory_size, directory_offset, comment = EOCD.unpack_from(tail, at)
    if disk or directory_disk or here != total:
        raise FileProblem("it is a multi-part zip archive, which a model file never is")
    after = len(tail) - at - EOCD.size
    if after:
        raise FileProblem(f"{after:,} bytes follow the end of its zip archive"
                          + (" (an archive comment, which a model file never has)" if comment == after else ""))
    locator = at - ZIP64_LOCATOR.size
    if locator >= 0 and tail[locator:locator + 4] == ZIP64_LOCATOR_SIGNATURE:
        raise FileProblem("it is a zip64 archive, which a model file never is")
    if directory_offset + directory_size != start + at:
        raise FileProblem("its zip directory is not where its end record says (are there bytes before the "
                          "archive?)")
    return total, directory_size, directory_offset


LOCAL_HEADER = struct.Struct("<4s5H3L2H")
LOCAL_SIGNATURE = b"PK\x03\x04"
DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
FLAG_DESCRIPTOR = 0x8


def _check_layout(fp, infos, directory_offset: int) -> None:
    """The members lie end to end, the first at byte 0 and the last ending where the directory starts."""
    at = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < at:
            raise FileProblem(f"its member {info.filename!r} overlaps the one before it")
        if info.header_offset > at:
            raise FileProblem(f"{info.header_offset - at:,} stray bytes come before its member {info.filename!r}"
                              + (" (a model file starts with its first member)" if at == 0 else ""))
        fp.seek(at)
        header = fp.read(LOCAL_HEADER.size)
        if len(header) < LOCAL_HEADER.size or header[:4] != LOCAL_SIGNATURE:
            raise FileProblem(f"its member {info.filename!r} has no local header where the directory says")
        name_length, extra_length = LOCAL_HEADER.unpack(header)[-2:]
        at += LOCAL_HEADER.size + name_length + extra_length + info.compress_size
        if info.flag_bits & FLAG_DESCRIPTOR:  # sizes after the data (12 bytes, 16 with the signature)
            fp.seek(at)
            at += 16 if fp.read(4) == DESCRIPTOR_SIGNATURE else 12
    if at != directory_offset:
        raise FileProblem(f"{directory_offset - at:,} stray bytes lie between its last member and its directory"
                          if at < directory_offset else "its members overlap its directory")


def _check_members(infos, caps: dict[str, int], max_total: int, max_ratio: float, ratio_floor: int):
    seen = set()
    total = 0
    for info in infos:
        name = info.filename
        # orig_filename is the name as stored; zipfile cuts it at a NUL and rewrites separators
        if info.orig_filename != name or name not in caps:
            raise FileProblem(f"it holds a stray member {info.orig_filename[:80]!r} "
                              f"(it should hold only {', '.join(sorted(caps))})")
        if name in seen:
            raise FileProblem(f"it holds the member {name!r} twice")
        seen.add(name)
        if info.flag_bits & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
            raise FileProblem(f"its member {name!r} is encrypted")
        if info.compress_type not in METHODS:
            raise FileProblem(f"its member {name!r} uses compression method {info.compress_type}; "
                              f"only stored and deflated are used")
        if info.file_size > caps[name]:
            raise FileProblem(f"its member {name!r} declares {info.file_size:,} bytes, more than the "
                              f"{caps[name]:,} allowed")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise FileProblem(f"its member {name!r} is stored but its two sizes differ")
        if info.file_size > ratio_floor and info.file_size > max_ratio * max(info.compress_size, 1):
            raise FileProblem(f"its member {name!r} expands {info.file_size / max(info.compress_size, 1):.0f} "
                              f"times, more than a model file ever does (a zip bomb?)")
        total += info.file_size
    if total > max_total:
        raise FileProblem(f"its members declare {total:,} bytes in all, more than the {max_total:,} allowed")
    missing = sorted(set(caps) - seen)
    if missing:
        raise FileProblem(f"it has no {', '.join(map(repr, missing))}")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """A member's bytes, read in chunks and refused once past `cap` whatever its header says."""
    parts, size = [], 0
    with zf.open(info) as f:
        while True:
            part = f.read(min(CHUNK, cap + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
            if size > cap:
                raise FileProblem(f"its member {info.filename!r} is larger than declared")
    return b"".join(parts)


def open_checked(fp, caps: dict[str, int], *, max_total: int, max_ratio: float = 100.0,
                 ratio_floor: int = 1 << 16) -> zipfile.ZipFile:
    """An open ZipFile whose directory has passed every check; members are still unread.

    `caps` maps each expected member name to its largest allowed uncompressed size. Members
    larger than `ratio_floor` bytes may expand at most `max_ratio` times.
    """
    count, directory_size, directory_offset = _end_record(fp)
    if count != len(caps):
        raise FileProblem(f"it holds {count} member{'s' if count != 1 else ''}; expected {len(caps)} "
                          f"({', '.join(sorted(caps))})")
    if directory_size > DIRECTORY_BYTES_PER_MEMBER * max(count, 1):
        raise FileProblem(f"its directory is {directory_size:,} bytes, far more than {count} members need")
    fp.seek(0)
    with damage_guard("the archive"):
        zf = zipfile.ZipFile(fp)
    try:
        _check_members(zf.infolist(), caps, max_total, max_ratio, ratio_floor)
        _check_layout(fp, zf.infolist(), directory_offset)
    except BaseException:
        zf.close()
        raise
    return zf


def write_archive(fp, members, *, time=FIXED_TIME) -> None:
    """Write `(name, data, compress)` members to the binary file `fp` as a zip archive."""
    with zipfile.ZipFile(fp, "w") as zf:
        for name, data, compress in members:
            info = zipfile.ZipInfo(name, date_time=time)
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16  # a plain readable file when someone unzips it
            zf.writestr(info, data)
