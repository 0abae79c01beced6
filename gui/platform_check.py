"""Before Qt starts on Linux: are the system libraries its X11 (xcb) platform plugin needs installed?

>>> package_for("libxcb-icccm.so.4"), package_for("libxkbcommon-x11.so.0")
('libxcb-icccm4', 'libxkbcommon-x11-0')

Without them Qt aborts the process with "Could not load the Qt platform plugin xcb"; this says instead, in one
line, which packages to install. It asks the dynamic linker (`ldd` on the plugin), so the list follows the Qt
that is installed. No Qt is imported here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

XCB_PLUGIN = Path("Qt") / "plugins" / "platforms" / "libqxcb.so"


def package_for(soname: str) -> str:
    """A library's Debian/Ubuntu package name: libxcb-cursor.so.0 → libxcb-cursor0."""
    match = re.fullmatch(r"(lib.+?)\.so\.(\d+)", soname)
    if match is None:
        return soname
    base, version = match.groups()
    return f"{base}-{version}" if base[-1].isdigit() else f"{base}{version}"


def wants_xcb() -> bool:
    """Whether Qt will try its X11 plugin: Linux, a display, and no other platform asked for."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return sys.platform.startswith("linux") and platform in ("", "xcb") and bool(os.environ.get("DISPLAY"))


def missing_packages() -> list[str]:
    """The packages whose libraries the xcb plugin cannot find ([] when all are there, or it cannot tell)."""
    spec = find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or spec.origin is None or ldd is None:
        return []
    plugin = Path(spec.origin).parent / XCB_PLUGIN
    libs = [plugin, plugin.parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"]
    missing = set()
    for lib in libs:
        if not lib.exists():
            continue
        try:
            out = subprocess.run([ldd, str(lib)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing |= {line.split()[0] for line in out.splitlines() if "not found" in line}
    return sorted(package_for(name) for name in missing)


def message(packages: list[str]) -> str:
    return (f"chainboard: Qt's X11 support needs system libraries that are missing; install them with: "
            f"sudo apt install {' '.join(packages)}")
