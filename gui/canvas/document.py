"""The canvas document: blocks and wires as plain data, with signals that say what changed.

Commands (commands.py) are the only code that calls the mutating methods; the scene listens to the
signals and redraws. Reading is free for everyone:

>>> doc = Document.from_spec(TUTORIAL_SPEC)
>>> [b.kind for b in doc.chain_blocks()]
['input', 'dense', 'dense', 'activation']
>>> doc.analysis().spec == TUTORIAL_SPEC
True

A block's `units` is the feature count for an Input and the output size for a Dense layer.
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from engine import ChainSpec, LayerSpec
from engine.nn import check_features

from .layout import GRID, row_positions

BLOCK_KINDS = ("input", "dense", "activation")

#: The tutorial's model, shown on a new window: Input 10 → Dense 5 σ → Dense 2 → softmax.
TUTORIAL_SPEC = ChainSpec(10, (LayerSpec("dense", 5, "sigmoid"), LayerSpec("dense", 2),
                               LayerSpec("activation", activation="softmax")))
# The first window's Chain: it fits the first dataset on screen (circle: 2 features, 2 classes), so a new user's
# first screen shows no problem and Train works at once. (The tutorial's model is under Help ▸ Examples.)
STARTER_SPEC = ChainSpec(2, (LayerSpec("dense", 8, "tanh"), LayerSpec("dense", 2),
                             LayerSpec("activation", activation="softmax")))
EMPTY_SPEC = ChainSpec(2, ())  # File ▸ New: an Input block alone
MAX_BLOCKS = 1000  # a saved canvas with more than this is not one a person drew


@dataclass(frozen=True)
class Block:
    """One block on the canvas. Frozen: a change is a new Block, which keeps undo snapshots honest."""

    block_id: int
    kind: str
    x: float = 0.0
    y: float = 0.0
    units: int = 1
    activation: str = "identity"
    bias: bool = True
    init: str = "glorot_uniform"
    formula: str = ""  # the text of a "formula" activation (checked by LayerSpec)
    features: tuple = ()  # an Input's derived inputs (engine.nn.FEATURES names); `units` counts them too

    def __post_init__(self):
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}")
        if self.features and self.kind != "input":
            raise ValueError("only an Input block has derived features")
        object.__setattr__(self, "features", check_features(self.features))  # a saved canvas holds a list

    def replace(self, **changes) -> Block:
        return dataclasses.replace(self, **changes)

    @property
    def has_input_port(self) -> bool:
        return self.kind != "input"

    def layer_spec(self) -> LayerSpec:
        """The engine layer this block stands for (not defined for Input blocks)."""
        if self.kind == "dense":
            return LayerSpec("dense", self.units, self.activation, self.bias, self.init, self.formula)
        if self.kind == "activation":
            return LayerSpec("activation", activation=self.activation, formula=self.formula)
        raise ValueError("an Input block is not a layer")

    def label(self) -> str:
        """What the block is called in messages: 'Input', 'Dense(5, σ)', 'softmax'."""
        return "Input" if self.kind == "input" else self.layer_spec().label()

    def template(self) -> dict:
        """The block without identity or position: what the palette and the clipboard carry."""
        fields = dataclasses.asdict(self)
        for key in ("block_id", "x", "y"):
            fields.pop(key)
        return fields


@dataclass(frozen=True)
class Wire:
    """A connection from the output port of block `source` to the input port of block `target`."""

    wire_id: int
    source: int
    target: int


def block_from_template(template: dict, block_id: int, x: float, y: float) -> Block:
    """A Block from palette or clipboard data; raises ValueError on anything malformed."""
    if not isinstance(template, dict):
        raise ValueError("a block template must be an object")
    allowed = {f.name for f in dataclasses.fields(Block)} - {"block_id", "x", "y"}
    unknown = set(template) - allowed
    if unknown:
        raise ValueError(f"unknown block field(s): {', '.join(sorted(map(str, unknown)))}")
    block = Block(block_id, **template, x=x, y=y)
    if block.kind != "input":
        block.layer_spec()  # validates activation and initialiser names
    if not isinstance(block.units, int) or isinstance(block.units, bool) or block.units < 1:
        raise ValueError(f"units must be a positive whole number, got {block.units!r}")
    return block


def _positions_from_layout(layout, count: int) -> list[tuple[float, float]] | None:
    """Positions from a saved layout, or None if it does not fit (another model, or a hand-edited file)."""
    positions = layout.get("positions") if isinstance(layout, dict) else None
    if not isinstance(positions, list) or len(positions) != count:
        return None
    try:
        found = [(float(x), float(y)) for x, y in positions]
    except (TypeError, ValueError):
        return None
    return found if all(abs(v) < 1e6 for xy in found for v in xy) else None


class Document(QObject):
    """Blocks and wires. Every mutation emits its own signal, then `changed` once per batch."""

    block_added = Signal(int)
    block_removed = Signal(int)
    block_changed = Signal(int)  # properties (units, activation, ...) changed
    block_moved = Signal(int)
    wire_added = Signal(int)
    wire_removed = Signal(int)
    changed = Signal()  # after any edit: time to re-validate

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._blocks: dict[int, Block] = {}
        self._wires: dict[int, Wire] = {}
        self._next_id = 1
        self._batch_depth = 0
        self._dirty = False
        self._analysis = None

    @classmethod
    def from_spec(cls, spec: ChainSpec, parent: QObject | None = None, layout: dict | None = None) -> Document:
        """A document holding `spec` as wired blocks (no undo history: it is a start).

        Blocks go where `layout` (from `layout()`, as model files keep it) puts them, or else in a tidy row.
        """
        doc = cls(parent)
        templates = [{"kind": "input", "units": spec.inputs, "features": spec.features}]
        templates += [{"kind": layer.kind, "units": layer.units or 1, "activation": layer.activation,
                       "bias": layer.bias, "init": layer.init, "formula": layer.formula} if layer.kind == "dense"
                      else {"kind": "activation", "activation": layer.activation, "formula": layer.formula}
                      for layer in spec.layers]
        positions = _positions_from_layout(layout, len(templates)) or row_positions(len(templates))
        blocks = [block_from_template(t, doc.new_id(), *xy) for t, xy in zip(templates, positions)]
        wires = [Wire(doc.new_id(), a.block_id, b.block_id) for a, b in zip(blocks, blocks[1:])]
        doc.reset(blocks, wires)
        return doc

    # ---- reading -------------------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        return list(self._blocks.values())

    def wires(self) -> list[Wire]:
        return list(self._wires.values())

    def block(self, block_id: int) -> Block:
        return self._blocks[block_id]

    def wire(self, wire_id: int) -> Wire:
        return self._wires[wire_id]

    def has_block(self, block_id: int) -> bool:
        return block_id in self._blocks

    def has_wire(self, wire_id: int) -> bool:
        return wire_id in self._wires

    def wires_of(self, block_id: int) -> list[Wire]:
        """Wires that touch the block, at either end."""
        return [w for w in self._wires.values() if block_id in (w.source, w.target)]

    def find_wire(self, source: int, target: int) -> Wire | None:
        return next((w for w in self._wires.values() if (w.source, w.target) == (source, target)), None)

    def state(self) -> tuple:
        """A comparable snapshot: equal states mean equal documents (used by undo tests)."""
        return (tuple(sorted(self._blocks.items())), tuple(sorted(self._wires.items())))

    def new_id(self) -> int:
        """A fresh id for a block or wire. Never reused, so undo/redo can re-add the same ids."""
        self._next_id += 1
        return self._next_id - 1

    def analysis(self):
        """Validation result for the current state (cached until the next change)."""
        if self._analysis is None:
            from .validation import analyse  # validation imports this module

            self._analysis = analyse(self)
        return self._analysis

    def chain_blocks(self) -> list[Block]:
        """Blocks along the Chain from its Input, in order (as far as the wiring makes sense)."""
        return [self._blocks[i] for i in self.analysis().order]

    def to_spec(self) -> ChainSpec:
        """The ChainSpec this canvas describes; raises ValueError listing the problems if it has any."""
        result = self.analysis()
        if result.spec is None:
            raise ValueError(" ".join(p.message for p in result.problems))
        return result.spec

    def layout(self) -> dict:
        """The canvas as plain data for a model file: block positions along the Chain (Input first), and every
        block and wire as they are (`canvas`), so an unfinished design comes back exactly as it was left."""
        return {"positions": [[b.x, b.y] for b in self.chain_blocks()], "canvas": self.fragment(self._blocks)}

    def design_spec(self) -> ChainSpec:
        """The ChainSpec a model file records: the Chain's if it is valid, else what is wired from the Input so
        far (problems and all), so an unfinished design can be saved; the file's `canvas` holds the rest."""
        result = self.analysis()
        if result.spec is not None:
            return result.spec
        chain = self.chain_blocks()
        start = chain[0] if chain and chain[0].kind == "input" else Block(0, "input")
        return ChainSpec(start.units, tuple(b.layer_spec() for b in chain[1:]), start.features)

    @classmethod
    def from_file(cls, spec: ChainSpec, layout: dict | None, parent: QObject | None = None) -> Document:
        """A document from a model file: its saved canvas when that is whole and sound, else built from `spec`."""
        canvas = layout.get("canvas") if isinstance(layout, dict) else None
        if isinstance(canvas, dict) and len(canvas.get("blocks") or ()) <= MAX_BLOCKS:
            doc = cls(parent)
            try:
                blocks, wires = doc.instantiate(canvas, 0.0, 0.0)
                if all(abs(v) < 1e6 for b in blocks for v in (b.x, b.y)):
                    doc.reset(blocks, wires)
                    return doc
            except ValueError:
                pass  # a damaged or hand-edited canvas: the spec is the truth
        return cls.from_spec(spec, parent, layout)

    def fragment(self, block_ids) -> dict:
        """Blocks and the wires between them as plain data (the clipboard format)."""
        chosen = set(block_ids) & set(self._blocks)
        return {"blocks": [dataclasses.asdict(self._blocks[i]) for i in sorted(chosen)],
                "wires": [dataclasses.asdict(w) for w in self._wires.values()
                          if w.source in chosen and w.target in chosen]}

    def instantiate(self, fragment: dict, dx: float = 2 * GRID, dy: float = 2 * GRID):
        """New blocks and wires (fresh ids, shifted by dx, dy) from `fragment`; the document is not changed.

        Raises ValueError on a malformed fragment (the clipboard may hold anything).
        """
        try:
            mapping, blocks = {}, []
            for raw in fragment["blocks"]:
                raw = dict(raw)
                old_id, x, y = raw.pop("block_id"), float(raw.pop("x")), float(raw.pop("y"))
                mapping[old_id] = self.new_id()
                blocks.append(block_from_template(raw, mapping[old_id], x + dx, y + dy))
            wires = [Wire(self.new_id(), mapping[w["source"]], mapping[w["target"]]) for w in fragment["wires"]]
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a Chainboard fragment: {error!r}") from None
        return blocks, wires

    # ---- changing (commands only) ----------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self):
        """Group several edits so that `changed` fires once, after all of them."""
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._dirty = False
                self.changed.emit()

    def _touch(self):
        if self._batch_depth:
            self._dirty = True
        else:
            self.changed.emit()

    def add_block(self, block: Block) -> None:
        if block.block_id in self._blocks:
            raise ValueError(f"block {block.block_id} already exists")
        self._blocks[block.block_id] = block
        self._analysis = None
        self._next_id = max(self._next_id, block.block_id + 1)
        self.block_added.emit(block.block_id)
        self._touch()

    def remove_block(self, block_id: int) -> Block:
        if self.wires_of(block_id):
            raise ValueError(f"block {block_id} still has wires; remove them first")
        block = self._blocks.pop(block_id)
        self._analysis = None
        self.block_removed.emit(block_id)
        self._touch()
        return block

    def replace_block(self, block: Block) -> None:
        """Swap in a changed version of an existing block (same id)."""
        old = self._blocks[block.block_id]
        if old == block:
            return
        self._blocks[block.block_id] = block
        changed = old.replace(x=block.x, y=block.y) != block
        if changed:
            self._analysis = None  # a move alone leaves the validation as it was
        if (old.x, old.y) != (block.x, block.y):
            self.block_moved.emit(block.block_id)
        if changed:
            self.block_changed.emit(block.block_id)
            self._touch()  # `changed` means "the Chain may differ": a move alone has block_moved

    def move_block(self, block_id: int, x: float, y: float) -> None:
        self.replace_block(self._blocks[block_id].replace(x=x, y=y))

    def add_wire(self, wire: Wire) -> None:
        if wire.wire_id in self._wires:
            raise ValueError(f"wire {wire.wire_id} already exists")
        if wire.source not in self._blocks or wire.target not in self._blocks:
            raise ValueError(f"wire {wire.wire_id} joins a block that does not exist")
        self._wires[wire.wire_id] = wire
        self._analysis = None
        self._next_id = max(self._next_id, wire.wire_id + 1)
        self.wire_added.emit(wire.wire_id)
        self._touch()

    def remove_wire(self, wire_id: int) -> Wire:
        wire = self._wires.pop(wire_id)
        self._analysis = None
        self.wire_removed.emit(wire_id)
        self._touch()
        return wire

    def reset(self, blocks, wires) -> None:
        """Replace everything (a new or loaded model); emits removals, then additions."""
        with self.batch():
            for wire_id in list(self._wires):
                self.remove_wire(wire_id)
            for block_id in list(self._blocks):
                self.remove_block(block_id)
            for block in blocks:
                self.add_block(block)
            for wire in wires:
                self.add_wire(wire)
