"""The main window: palette (left), canvas (centre), properties (right), menus, toolbar, status bar.

>>> window = MainWindow()            # opens with the tutorial's model on the canvas   # doctest: +SKIP
>>> window.editor.doc.to_spec()      # doctest: +SKIP
ChainSpec(inputs=10, layers=(...))

The bottom and right dock areas are left free for the training and plot docks of later issues;
`self.menus` maps "file", "edit", "view", "help" to their QMenus so those issues can add to them.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox


from .canvas.document import TUTORIAL_SPEC, Document
from .canvas.editor import CanvasEditor
from .canvas.palette import BlockPalette
from .canvas.view import CanvasView
from .exporting import add_export_menu
from .files import DocumentFiles
from .gc_guard import collect_on_gui_thread
from .panels.csv_import import import_data
from .panels.prediction import PredictionPanel
from .panels.properties import PropertiesPanel
from .panels.training import ACTIVE, TrainingPanel
from .panels.training_files import restore as restore_training, snapshot as training_snapshot
from .panels.training_lock import ChainLock
from .style import icon

SHORTCUTS_HELP = """<table cellspacing=4>
<tr><td><b>Drag from palette</b></td><td>add a block (drop on a wire to insert it)</td></tr>
<tr><td><b>Double-click palette</b></td><td>append to the end of the Chain</td></tr>
<tr><td><b>Drag port → port</b></td><td>wire two blocks</td></tr>
<tr><td><b>Arrows / Shift+Arrows</b></td><td>move selected blocks by a grid step / a pixel</td></tr>
<tr><td><b>Wheel, Ctrl + / Ctrl −</b></td><td>zoom; Ctrl+0 fits everything, Ctrl+1 is 100%</td></tr>
<tr><td><b>Middle drag, Space+drag</b></td><td>pan</td></tr>
<tr><td><b>Ctrl+X / C / V / D</b></td><td>cut, copy, paste, duplicate</td></tr>
<tr><td><b>Ctrl+Z / Ctrl+Shift+Z</b></td><td>undo, redo</td></tr></table>"""


class MainWindow(QMainWindow):
    """One model per window; `spec` (an engine ChainSpec) is what the canvas starts with."""

    def __init__(self, spec=None, parent=None):
        super().__init__(parent)
        collect_on_gui_thread()  # cycles freed on worker threads would delete Qt objects there
        self.setWindowTitle("Chainboard")
        self.setWindowIcon(icon("app"))
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self.undo_stack = QUndoStack(self)
        self.doc = Document.from_spec(spec or TUTORIAL_SPEC, parent=self)
        self.editor = CanvasEditor(self.doc, self.undo_stack, parent=self)
        self.view = CanvasView(self.editor, self)
        self.setCentralWidget(self.view)
        self.palette_panel = BlockPalette()
        self.palette_panel.block_activated.connect(self.editor.append)
        self.properties = PropertiesPanel(self.editor)
        self.palette_dock = self._dock("Blocks", self.palette_panel, Qt.LeftDockWidgetArea, 190)
        self.properties_dock = self._dock("Properties", self.properties, Qt.RightDockWidgetArea, 270)
        self._fitted = False  # fit the Chain into view once, when the window is first shown
        self.actions_by_name: dict[str, QAction] = {}
        self.menus = {}
        self._make_actions()
        self._make_menus_and_toolbar()
        self._make_status_bar()
        self._make_training_docks()
        self.resize(1280, 800)
        self.files = DocumentFiles(self)  # file menu, title, close questions, drops, autosave
        import_action = self._action("import_data", "&Import Data…", lambda _=False: import_data(self, self.training),
                                     tip="Train on a CSV table of your own")
        self.menus["file"].insertAction(self.actions_by_name["quit"], import_action)
        self.menus["file"].insertSeparator(self.actions_by_name["quit"])
        add_export_menu(self)  # File ▸ Export…, File ▸ Import ONNX…

    def _dock(self, title: str, widget, area, width: int) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower() + "_dock")  # saveState() needs names
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable
                         | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.resizeDocks([dock], [width], Qt.Horizontal)
        return dock

    # ---- actions ---------------------------------------------------------------------------------

    def _action(self, name: str, text: str, slot=None, shortcuts=(), icon_name: str | None = None,
                tip: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setToolTip(tip)
        action.setCheckable(checkable)
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        self.actions_by_name[name] = action
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _make_actions(self):
        ed, view = self.editor, self.view
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts([QKeySequence.Undo])
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for name, action, icon_name in (("undo", undo, "undo"), ("redo", redo, "redo")):
            action.setIcon(icon(icon_name))
            self.actions_by_name[name] = action
            self.addAction(action)
        a = self._action
        a("cut", "Cu&t", ed.cut, [QKeySequence.Cut])
        a("copy", "&Copy", ed.copy, [QKeySequence.Copy])
        a("paste", "&Paste", ed.paste, [QKeySequence.Paste])
        a("duplicate", "D&uplicate", ed.duplicate, ["Ctrl+D"])
        a("delete", "&Delete", ed.delete_selection, [QKeySequence.Delete, "Backspace"], "delete",
          "Delete the selected blocks and wires")
        a("select_all", "Select &All", ed.select_all, [QKeySequence.SelectAll])
        a("zoom_in", "Zoom &In", view.zoom_in, ["Ctrl++", "Ctrl+="], "zoom-in", "Zoom in (Ctrl +)")
        a("zoom_out", "Zoom &Out", view.zoom_out, ["Ctrl+-"], "zoom-out", "Zoom out (Ctrl −)")
        a("fit", "&Fit to View", view.fit_to_view, ["Ctrl+0"], "zoom-fit", "Show the whole Chain (Ctrl+0)")
        a("actual_size", "&Actual Size", view.reset_zoom, ["Ctrl+1"])
        snap = a("snap", "&Snap to Grid", ed.set_snap_to_grid, (), "grid", "Snap blocks to the grid",
                 checkable=True)
        snap.setChecked(ed.snap_to_grid)
        a("arrange", "Auto-&arrange", ed.arrange, ["Ctrl+L"], "arrange",
          "Arrange the Chain in a tidy row (Ctrl+L)")
        a("quit", "&Quit", self.close, [QKeySequence.Quit])
        a("shortcuts", "Canvas &Shortcuts", self._show_shortcuts)
        a("about", "&About Chainboard", self._show_about)
        self.view.menu_actions = [self.actions_by_name[n] if n else None
                                  for n in ("cut", "copy", "paste", "duplicate", "delete", "",
                                            "select_all", "arrange")]

    def _make_menus_and_toolbar(self):
        groups = {
            "file": ("&File", ["quit"]),
            "edit": ("&Edit", ["undo", "redo", "", "cut", "copy", "paste", "duplicate", "delete", "",
                               "select_all"]),
            "view": ("&View", ["zoom_in", "zoom_out", "actual_size", "fit", "", "snap", "arrange", ""]),
            "help": ("&Help", ["shortcuts", "about"]),
        }
        for key, (title, names) in groups.items():
            menu = self.menuBar().addMenu(title)
            self.menus[key] = menu
            for name in names:
                menu.addSeparator() if not name else menu.addAction(self.actions_by_name[name])
        for dock in (self.palette_dock, self.properties_dock):
            self.menus["view"].addAction(dock.toggleViewAction())

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        for name in ("undo", "redo", "", "delete", "", "zoom_out", "zoom_in", "fit", "", "snap", "arrange"):
            toolbar.addSeparator() if not name else toolbar.addAction(self.actions_by_name[name])
        self.toolbar = toolbar
        self.menus["view"].addAction(toolbar.toggleViewAction())

    def _make_status_bar(self):
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.validity_label = QLabel()
        self.params_label = QLabel()
        self.zoom_label = QLabel()
        for label in (self.validity_label, self.params_label, self.zoom_label):
            bar.addPermanentWidget(label)
        self.editor.scene.analysed.connect(self._show_analysis)
        self.editor.message.connect(lambda text: bar.showMessage(text, 5000))
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"Zoom {z:.0%}"))
        self._show_analysis(self.doc.analysis())
        self.zoom_label.setText(f"Zoom {self.view.zoom():.0%}")

    def _make_training_docks(self):
        """Training controls on the right (tabbed with Properties), live plots along the bottom."""
        self.training = TrainingPanel(self.editor, self)
        self.training_dock = self._dock("Training", self.training, Qt.RightDockWidgetArea, 300)
        self.tabifyDockWidget(self.properties_dock, self.training_dock)
        self.prediction = PredictionPanel(self.training)
        self.prediction_dock = self._dock("Prediction", self.prediction, Qt.RightDockWidgetArea, 300)
        self.tabifyDockWidget(self.training_dock, self.prediction_dock)
        self.training.boundary_plot.point_clicked.connect(self.prediction.predict_point)
        self.training_dock.raise_()
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.plot_docks = [self._dock(title, widget, Qt.BottomDockWidgetArea, 300) for title, widget in
                           (("Loss", self.training.loss_plot), ("Gradients", self.training.gradient_plot),
                            ("Model output", self.training.boundary_plot))]
        self.resizeDocks(self.plot_docks, [290] * 3, Qt.Vertical)
        self.resizeDocks(self.plot_docks, [330, 400, 260], Qt.Horizontal)
        self.menus["view"].addSeparator()
        for dock in [self.training_dock, self.prediction_dock, *self.plot_docks]:
            self.menus["view"].addAction(dock.toggleViewAction())
        self.chain_lock = ChainLock(self)
        self.training.state_changed.connect(lambda state: self.chain_lock.set_locked(state in ACTIVE))
        self.training.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def training_snapshot(self):  # the file commands' hooks: what training learnt goes into model files
        return training_snapshot(self.training)

    def restore_training(self, loaded):
        restore_training(self.training, loaded)

    def closeEvent(self, event):
        self.training.shutdown()  # stop a run and join its thread before the window goes
        super().closeEvent(event)

    def _show_analysis(self, result):
        colours = self.editor.scene.colours
        if result.valid:
            self.validity_label.setText("✓ Valid Chain")
            self.validity_label.setStyleSheet(f"color: {colours.accept.name()};")
            self.validity_label.setToolTip(repr(result.spec))
        else:
            first = result.problems[0].message
            more = f" (+{len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
            self.validity_label.setText(f"⚠ {_shorten(first)}{more}")
            self.validity_label.setStyleSheet(f"color: {colours.error.name()};")
            self.validity_label.setToolTip("<br>".join(p.message for p in result.problems))
        self.params_label.setText(f"{result.param_count:,} parameters")

    def _show_shortcuts(self):
        QMessageBox.information(self, "Canvas shortcuts", SHORTCUTS_HELP)

    def _show_about(self):
        QMessageBox.about(self, "About Chainboard",
                          "<b>Chainboard</b><br>Build, train and understand small neural networks, "
                          "on a Tracker-style automatic-differentiation engine.")

    def showEvent(self, event):
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True  # fit once the view has its real size, not at construction
            self.view.fit_to_view()


def _shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
