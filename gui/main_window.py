"""The main window: palette (left), canvas (centre), properties (right), menus, toolbar, status bar.

>>> window = MainWindow()            # opens with a small Chain that fits the first dataset   # doctest: +SKIP
>>> window.editor.doc.to_spec()      # doctest: +SKIP
ChainSpec(inputs=10, layers=(...))

The bottom and right dock areas are left free for the training and plot docks of later issues;
`self.menus` maps "file", "edit", "view", "help" to their QMenus so those issues can add to them.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QTabBar


from .canvas.document import STARTER_SPEC, Document
from .canvas.editor import CanvasEditor
from .canvas.palette import BlockPalette
from .canvas.actions import canvas_actions, make_action
from .canvas.lock import LOCKED_ACTIONS, ChainLock
from .canvas.neuron_items import add_neuron_maps
from .canvas.view import CanvasView
from .exporting import add_export_menu
from engine import __version__

from . import recent
from .files import DocumentFiles
from .gc_guard import collect_on_gui_thread
from .panels.activity import add_block_activity
from .panels.csv_import import import_data
from .panels.gradcheck import add_gradient_check
from .panels.landscape import LandscapePanel
from .panels.data_table import DataTablePanel
from .panels.tape import add_tape
from .panels.prediction import PredictionPanel
from .panels.properties import PropertiesPanel
from .panels.training import TrainingDock
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

    def __init__(self, spec=None, parent=None, remember_layout: bool = False):
        super().__init__(parent)
        collect_on_gui_thread()  # cycles freed on worker threads would delete Qt objects there
        self.setWindowTitle("Chainboard")
        self.setWindowIcon(icon("app"))
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self.undo_stack = QUndoStack(self)
        self.doc = Document.from_spec(spec or STARTER_SPEC, parent=self)
        self.editor = CanvasEditor(self.doc, self.undo_stack, parent=self)
        self.view = CanvasView(self.editor, self)
        self.setCentralWidget(self.view)
        self.palette_panel = BlockPalette()
        self.palette_panel.block_activated.connect(self.editor.append)
        self.properties = PropertiesPanel(self.editor)
        self.palette_dock = self._dock("Blocks", self.palette_panel, Qt.LeftDockWidgetArea, 190)
        self.properties_dock = self._dock("Properties", self.properties, Qt.RightDockWidgetArea, 270)
        self._fitted = False  # fit the Chain into view once, when the window is first shown
        self._docks_placed = False  # True once the dock sizes come from the last session's layout
        self._saved_geometry = None
        self.actions_by_name: dict[str, QAction] = {}
        self.menus = {}
        self._make_actions()
        self._make_menus_and_toolbar()
        self._make_status_bar()
        self._make_training_docks()
        self.resize(1280, 800)
        self.files = DocumentFiles(self, self.training)  # file menu, title, close questions, drops, autosave
        import_action = self._action("import_data", "&Import Data…", lambda _=False: import_data(self, self.training),
                                     tip="Train on a CSV table of your own")
        self.menus["file"].insertAction(self.actions_by_name["quit"], import_action)
        self.menus["file"].insertSeparator(self.actions_by_name["quit"])
        add_export_menu(self)  # File ▸ Export…, File ▸ Import ONNX…
        add_gradient_check(self)  # Tools ▸ Gradient Check, its toolbar button and dock
        add_block_activity(self)  # saturated / dead shares on the badges, histograms in Properties
        add_tape(self)  # Tools ▸ Tape: backpropagation op by op, the adjoint on the wires
        add_neuron_maps(self)  # View ▸ Neuron maps on the canvas: each unit's output over the data's plane
        self.training_dock.raise_()  # the first tab in sight: docks tabified since made their own tab current
        self.remember_layout = remember_layout  # the app's own window: its size and docks as last left
        if remember_layout:
            self._restore_layout()

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
        action = make_action(self, text, slot, shortcuts, icon_name, tip, checkable)  # shortcuts work menu-less
        self.actions_by_name[name] = action
        return action

    def _make_actions(self):
        self.actions_by_name.update(canvas_actions(self, self.editor, self.view))
        self._action("quit", "&Quit", self.close, [QKeySequence.Quit])
        self._action("shortcuts", "Canvas &Shortcuts", self._show_shortcuts)
        self._action("about", "&About Chainboard", self._show_about)

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
        self.training = TrainingDock(self.editor, self)
        self.training_dock = self._dock("Training", self.training, Qt.RightDockWidgetArea, 300)
        self.tabifyDockWidget(self.properties_dock, self.training_dock)
        self.prediction = PredictionPanel(self.training.session, self.training.plots.clock)
        self.prediction_dock = self._dock("Prediction", self.prediction, Qt.RightDockWidgetArea, 300)
        self.tabifyDockWidget(self.training_dock, self.prediction_dock)
        self.data_table = DataTablePanel(self.training.session, self.training.plots.clock)
        self.data_table_dock = self._dock("Data table", self.data_table, Qt.RightDockWidgetArea, 300)
        self.tabifyDockWidget(self.prediction_dock, self.data_table_dock)  # (beside the plots, Qt drew a stray tab bar)
        plots = self.training.plots
        plots.boundary_plot.point_clicked.connect(self.prediction.predict_point)
        self.training_dock.raise_()
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.plot_docks = [self._dock(title, widget, Qt.BottomDockWidgetArea, 300) for title, widget in
                           (("Loss", plots.loss_plot), ("Gradients", plots.gradient_plot),
                            ("Model output", plots.boundary_plot))]
        self.landscape = LandscapePanel(self.training.session, plots.clock)
        self.landscape.pick_from(plots.layer_plot)  # a click on the W heatmap picks a weight for the plane
        self.landscape_dock = self._dock("Loss landscape", self.landscape, Qt.BottomDockWidgetArea, 300)
        self.tabifyDockWidget(self.plot_docks[-1], self.landscape_dock)
        self.plot_docks[-1].raise_()
        self.resizeDocks(self.plot_docks, [290] * 3, Qt.Vertical)
        self.resizeDocks(self.plot_docks, [330, 400, 260], Qt.Horizontal)
        self.menus["view"].addSeparator()
        for dock in [self.training_dock, self.prediction_dock, self.data_table_dock, *self.plot_docks,
                     self.landscape_dock]:
            self.menus["view"].addAction(dock.toggleViewAction())
        named = self.actions_by_name
        self.lock = ChainLock(self.view, self.editor.scene, self.undo_stack, named["undo"], named["redo"],
                              [named[n] for n in LOCKED_ACTIONS], [self.palette_panel, self.properties])
        self.training.state_changed.connect(lambda state: self.lock.set_locked(self.training.is_locked()))
        self.training.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def _restore_layout(self):
        store = recent.settings_store()
        geometry, state = store.value("window/geometry"), store.value("window/state")
        if state is not None:  # docks first: the size they allow bounds the geometry's
            self._docks_placed = self.restoreState(state)
        # the geometry once shown (showEvent): before, the minimum size counts every dock, hidden ones too
        self._saved_geometry = geometry

    def _save_layout(self):
        store = recent.settings_store()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())

    def closeEvent(self, event):
        if self.remember_layout:
            self._save_layout()
        self.training.shutdown()  # stop a run and join its thread before the window goes
        self.gradcheck.shutdown()
        self.landscape.shutdown()
        self.tape.shutdown()
        self.neuron_maps.detach()
        self.lock.release()       # its slots must not outlive the widgets they switch
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
                          f"<b>Chainboard {__version__}</b><br>Build, train and understand small neural networks, "
                          "on a Tracker-style automatic-differentiation engine.")

    def showEvent(self, event):
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True  # fit once the view has its real size, not at construction
            if self._saved_geometry is not None:
                self.restoreGeometry(self._saved_geometry)
            if not self._docks_placed:  # once the dock layout has settled at the real size
                QTimer.singleShot(0, self, self._share_bottom_docks)
            QTimer.singleShot(0, self, self._hide_stray_tab_bars)
            self.view.fit_to_view()

    def _hide_stray_tab_bars(self):
        """Qt 6.11 leaves a second, stale copy of a tab group's bar on screen when two groups are tabified (seen
        with a minimal QMainWindow too): it sat across the Model output plot. The bar in use sits right under
        the dock showing its current tab; a copy anywhere else is hidden."""
        docks = {d.windowTitle(): d for d in self.findChildren(QDockWidget)}
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible() or bar.count() == 0:
                continue
            dock = docks.get(bar.tabText(bar.currentIndex()))
            if dock is not None and abs(bar.geometry().top() - dock.geometry().bottom()) > 6:
                bar.hide()

    def _share_bottom_docks(self):
        """Give the plots along the bottom their shares of the window's real width. Sized at construction (1280
        wide), a smaller window took its whole difference from the Loss plot, leaving it 70 pixels."""
        docks = [(dock, share) for dock, share in zip(self.plot_docks, (0.3, 0.4, 0.3)) if dock.isVisible()]
        width = self.width() - self.training_dock.width() - 8
        if docks and width > sum(dock.minimumSizeHint().width() for dock, _ in docks):  # else Qt would widen us
            total = sum(share for _, share in docks)
            self.resizeDocks([d for d, _ in docks], [int(width * share / total) for _, share in docks], Qt.Horizontal)


def _shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
