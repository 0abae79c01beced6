"""The canvas: a document of blocks and wires, the commands that edit it, and the scene and view that draw it."""
