"""Live validation: turn a document into a ChainSpec, or into problems that name the guilty blocks and wires.

>>> from gui.canvas.document import Document, TUTORIAL_SPEC
>>> result = analyse(Document.from_spec(TUTORIAL_SPEC))
>>> result.valid, result.param_count, result.spec == TUTORIAL_SPEC
(True, 67, True)

A Chain is a single path: one Input, every block wired to the next, no branches, merges or cycles.
Sizes are propagated along wires wherever they are unambiguous, so even a broken canvas shows
the shapes it can.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine import ChainSpec


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the canvas, and where: the blocks and wires to mark red."""

    message: str
    block_ids: tuple[int, ...] = ()
    wire_ids: tuple[int, ...] = ()


@dataclass
class Analysis:
    spec: ChainSpec | None  # None unless the canvas is a valid Chain
    problems: list[Problem]
    order: list[int]  # block ids along the Chain from its Input
    sizes: dict[int, int] = field(default_factory=dict)  # block id -> output features, where known
    params: dict[int, int] = field(default_factory=dict)  # block id -> parameter count, where known

    @property
    def valid(self) -> bool:
        return self.spec is not None and not self.problems

    @property
    def param_count(self) -> int:
        return sum(self.params.values())

    def problems_of_block(self, block_id: int) -> list[str]:
        return [p.message for p in self.problems if block_id in p.block_ids]

    def problems_of_wire(self, wire_id: int) -> list[str]:
        return [p.message for p in self.problems if wire_id in p.wire_ids]


def analyse(doc) -> Analysis:
    """Validate `doc` (a Document) and infer sizes; never raises."""
    blocks = {b.block_id: b for b in doc.blocks()}
    wires = doc.wires()
    outgoing = {i: [] for i in blocks}
    incoming = {i: [] for i in blocks}
    for w in wires:
        outgoing[w.source].append(w)
        incoming[w.target].append(w)
    problems: list[Problem] = []
    inputs = sorted(i for i, b in blocks.items() if b.kind == "input")

    if not blocks:
        problems.append(Problem("The canvas is empty: drag an Input and some layers from the palette."))
    elif not inputs:
        problems.append(Problem("There is no Input block: add one to say how many features go in."))
    elif len(inputs) > 1:
        problems.append(Problem(f"A Chain has one Input, but the canvas has {len(inputs)}: "
                                "delete the extra ones.", tuple(inputs)))
    for i, block in blocks.items():
        if len(outgoing[i]) > 1:
            problems.append(Problem(f"{block.label()} feeds {len(outgoing[i])} blocks, but a Chain is a single "
                                    "path: delete all but one of its outgoing wires.",
                                    (i,), tuple(w.wire_id for w in outgoing[i])))
        if len(incoming[i]) > 1:
            problems.append(Problem(f"{block.label()} takes input from {len(incoming[i])} blocks, but a Chain "
                                    "is a single path: delete all but one of its incoming wires.",
                                    (i,), tuple(w.wire_id for w in incoming[i])))
    in_loop = set()
    for cycle_blocks, cycle_wires in _cycles(blocks, wires):
        problems.append(Problem("These blocks are wired in a loop; a Chain must flow one way, from the "
                                "Input to the output.", cycle_blocks, cycle_wires))
        in_loop.update(cycle_blocks)

    reachable = _reachable(inputs, outgoing)
    for i, block in sorted(blocks.items()):
        if i not in reachable and i not in in_loop and block.kind != "input":
            problems.append(Problem(f"{block.label()} is not connected to the Input: wire it into the Chain "
                                    "or delete it.", (i,), tuple(w.wire_id for w in doc.wires_of(i))))

    sizes, params = _infer_sizes(blocks, inputs, outgoing, incoming)
    order = _main_path(inputs[0], outgoing, blocks) if inputs else []
    if problems:
        return Analysis(None, problems, order, sizes, params)

    chain = [blocks[i] for i in order]
    spec = ChainSpec(chain[0].units, tuple(b.layer_spec() for b in chain[1:]), chain[0].features)
    for index, message in spec.layer_problems():
        culprit = order[0] if index is None else order[index + 1]
        wire = [w.wire_id for w in incoming[culprit]]
        problems.append(Problem(message, (culprit,), tuple(wire)))
    return Analysis(None if problems else spec, problems, order, sizes, params)


def _main_path(start: int, outgoing: dict, blocks: dict) -> list[int]:
    """Follow single wires from the Input until the path ends, branches or loops."""
    order, seen = [start], {start}
    while len(outgoing[order[-1]]) == 1:
        nxt = outgoing[order[-1]][0].target
        if nxt in seen or blocks[nxt].kind == "input":
            break
        order.append(nxt)
        seen.add(nxt)
    return order


def _reachable(starts: list[int], outgoing: dict) -> set[int]:
    seen, todo = set(starts), list(starts)
    while todo:
        for w in outgoing[todo.pop()]:
            if w.target not in seen:
                seen.add(w.target)
                todo.append(w.target)
    return seen


def _infer_sizes(blocks, inputs, outgoing, incoming):
    """Output features per block, walking wires from the Inputs; a merge leaves the size unknown."""
    sizes: dict[int, int] = {i: b.units for i, b in blocks.items() if b.kind in ("input", "dense")}
    params: dict[int, int] = {}
    todo, seen = list(inputs), set(inputs)
    while todo:
        current = todo.pop(0)
        for w in outgoing[current]:
            nxt = blocks[w.target]
            if w.target in seen or len(incoming[w.target]) != 1 or nxt.kind == "input":
                continue
            seen.add(w.target)
            if nxt.kind == "dense":
                params[w.target] = nxt.layer_spec().param_count(sizes[current])
            else:
                sizes[w.target] = sizes[current]
            todo.append(w.target)
    return sizes, params


def _cycles(blocks: dict, wires) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Strongly connected groups of more than one block (Tarjan), with the wires inside each."""
    succ = {i: [] for i in blocks}
    for w in wires:
        succ[w.source].append(w.target)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):  # recursion depth is bounded by the block count, which a person places by hand
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for u in succ[v]:
            if u not in index:
                visit(u)
                low[v] = min(low[v], low[u])
            elif u in on_stack:
                low[v] = min(low[v], index[u])
        if low[v] == index[v]:
            group = set()
            while True:
                u = stack.pop()
                on_stack.discard(u)
                group.add(u)
                if u == v:
                    break
            if len(group) > 1 or v in succ[v]:
                groups.append(group)

    for v in sorted(blocks):
        if v not in index:
            visit(v)
    return [(tuple(sorted(g)), tuple(sorted(w.wire_id for w in wires if w.source in g and w.target in g)))
            for g in groups]
