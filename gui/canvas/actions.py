"""The canvas's edit actions - undo and redo, the clipboard, delete, select all, zoom, snap to grid and
auto-arrange - with their shortcuts, icons and tips, and the canvas's context menu made of them.

>>> actions = canvas_actions(window, editor, view)   # added to `window`: their shortcuts work there  # doctest: +SKIP
>>> actions["delete"].shortcuts()[0].toString()                                                     # doctest: +SKIP
'Del'
>>> actions["delete"].trigger()                       # editor.delete_selection()                    # doctest: +SKIP

The main window puts them in its menus and toolbar; a window of its own with just the canvas gets the
same keys from the same place.
"""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from ..style import icon

CONTEXT_MENU = ("cut", "copy", "paste", "duplicate", "delete", "", "select_all", "arrange")  # "": a separator


def make_action(owner, text: str, slot=None, shortcuts=(), icon_name: str | None = None, tip: str | None = None,
                checkable: bool = False) -> QAction:
    """A QAction added to `owner`, so its shortcuts work anywhere in owner's window, menu bar shown or not."""
    action = QAction(text, owner)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    if tip:
        action.setToolTip(tip)
    action.setCheckable(checkable)
    if slot is not None:
        (action.toggled if checkable else action.triggered).connect(slot)
    owner.addAction(action)
    return action


def canvas_actions(owner, editor, view) -> dict[str, QAction]:
    """The edit actions of `editor` and `view` by name, added to `owner`; they also fill the view's context menu."""
    undo = editor.undo_stack.createUndoAction(owner, "Undo")
    undo.setShortcuts([QKeySequence.Undo])
    redo = editor.undo_stack.createRedoAction(owner, "Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    actions = {}
    for name, action in (("undo", undo), ("redo", redo)):
        action.setIcon(icon(name))
        owner.addAction(action)
        actions[name] = action

    def a(name, *args, **kwargs):
        actions[name] = make_action(owner, *args, **kwargs)
        return actions[name]

    a("cut", "Cu&t", editor.cut, [QKeySequence.Cut])
    a("copy", "&Copy", editor.copy, [QKeySequence.Copy])
    a("paste", "&Paste", editor.paste, [QKeySequence.Paste])
    a("duplicate", "D&uplicate", editor.duplicate, ["Ctrl+D"])
    a("delete", "&Delete", editor.delete_selection, [QKeySequence.Delete, "Backspace"], "delete",
      "Delete the selected blocks and wires")
    a("select_all", "Select &All", editor.select_all, [QKeySequence.SelectAll])
    a("zoom_in", "Zoom &In", view.zoom_in, ["Ctrl++", "Ctrl+="], "zoom-in", "Zoom in (Ctrl +)")
    a("zoom_out", "Zoom &Out", view.zoom_out, ["Ctrl+-"], "zoom-out", "Zoom out (Ctrl −)")
    # a lambda: triggered(bool) would pass its `checked` as fit_to_view's max_zoom (False: 20 % every time)
    a("fit", "&Fit to View", lambda: view.fit_to_view(), ["Ctrl+0"], "zoom-fit", "Show the whole Chain (Ctrl+0)")
    a("actual_size", "&Actual Size", view.reset_zoom, ["Ctrl+1"])
    snap = a("snap", "&Snap to Grid", editor.set_snap_to_grid, (), "grid", "Snap blocks to the grid", checkable=True)
    snap.setChecked(editor.snap_to_grid)
    a("arrange", "Auto-&arrange", editor.arrange, ["Ctrl+L"], "arrange", "Arrange the Chain in a tidy row (Ctrl+L)")
    view.menu_actions = [actions[name] if name else None for name in CONTEXT_MENU]
    return actions
