"""The Recent Files list: up to ten model files, newest first, kept in QSettings; missing files drop out.

>>> recent = RecentFiles(settings_store())      # doctest: +SKIP
>>> recent.add("/home/ada/xor.chain")           # doctest: +SKIP
>>> recent.paths()                              # doctest: +SKIP
['/home/ada/xor.chain']

Tests point `settings_store` at a file in a temporary folder (monkeypatch `gui.recent.settings_store`).
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

MAX_RECENT = 10
KEY = "files/recent"


def settings_store() -> QSettings:
    """Where Chainboard keeps its preferences (the platform's usual place)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "Chainboard", "Chainboard")


class RecentFiles:
    """The list itself; `menu(open_path)` fills a QMenu with it each time the menu opens."""

    def __init__(self, settings: QSettings):
        self.settings = settings

    def _stored(self) -> list[str]:
        value = self.settings.value(KEY, [])
        if isinstance(value, str):  # QSettings gives a one-item list back as a plain string
            value = [value]
        return [str(v) for v in value or [] if isinstance(v, str) and v]

    def _store(self, paths: list[str]) -> None:
        self.settings.setValue(KEY, paths)
        self.settings.sync()

    def paths(self) -> list[str]:
        """The list, newest first, without the files that no longer exist (those are forgotten)."""
        stored = self._stored()
        found = [p for p in stored if os.path.isfile(p)][:MAX_RECENT]
        if found != stored:
            self._store(found)
        return found

    def add(self, path) -> None:
        path = str(Path(path).resolve())
        self._store([path, *[p for p in self._stored() if p != path]][:MAX_RECENT])

    def clear(self) -> None:
        self._store([])

    def fill(self, menu: QMenu, open_path) -> None:
        """Rebuild `menu`: one action per file (Alt+1 … Alt+0 mnemonics), then Clear Menu."""
        menu.clear()
        paths = self.paths()
        for i, path in enumerate(paths):
            number = (i + 1) % 10
            action = menu.addAction(f"&{number}  {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: open_path(p))
        if not paths:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.clear)
