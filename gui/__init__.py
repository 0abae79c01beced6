"""Chainboard's application: the Qt-free app layer in gui/core, and the PySide6 window around it.

    launch.py        the entry point: a sub-command → gui/core/cli, else the window (app.py)
    core/            no Qt: command line, data references, recovery copies, output meanings, resources
    app.py           start the window (or render it to a PNG)
    main_window.py   the window: canvas, docks, menus
    canvas/          the Chain's document, its undoable edits, the scene and view that draw it
    panels/          the docks' widgets: training, prediction, properties, CSV import
    plots/           live pyqtgraph plots
"""
