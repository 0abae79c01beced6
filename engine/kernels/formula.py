"""Compiled kernels for formula activations, generated from the checked formula's steps.

    >>> import numpy as np
    >>> from engine.nn.formula import formula
    >>> forward, backward = kernels(formula("x * σ(x)"), np.float64)
    >>> x = np.array([[0.0, 1.0]]); y = np.empty_like(x); gx = np.empty_like(x)
    >>> call_both(forward.address, backward.address, np.ones_like(x), x, y, gx)
    >>> y.round(6).tolist(), gx.round(6).tolist()
    ([[0.0, 0.731059]], [[0.5, 0.927671]])

The interpreter is compiled once per dtype; a formula must not make it compile again. So each formula
gets two Numba `cfunc`s of fixed C signatures,

    forward(n, x*, y*)             y = f(x) over n numbers
    backward(n, gy*, x*, y*, gx*)  gx = gy f′(x)

and the interpreter calls them through their addresses (`call_forward`, `call_backward`: an int64 is all
its program table holds, so one compiled interpreter runs any formula). The source of the two functions
is written from the formula's Program (engine.nn.formula): the forward step by step, the VJP by
reverse-mode differentiation of those steps, with the same derivative rules (and tie-breaks) as the
engine's tape. Only the Program's ops and float literals reach the source: nothing of the user's text.

The source is a file named by its own hash in the kernel cache folder (content-addressed, so Numba's disk
cache of it stays valid), imported from there; building one costs about a second, loading it from the
disk cache a fraction of that. `kernels()` keeps what this process built or loaded.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["kernel_source", "kernels", "loaded", "call_forward", "call_backward", "call_both"]

_built: dict[tuple[str, str], tuple] = {}
_lock = threading.Lock()


# ---- calling a kernel by its address ----

def _pointer(context, builder, array_type, value):
    return context.make_array(array_type)(context, builder, value)


@intrinsic
def call_forward(typingctx, address, x, y):
    """forward(x.size, x, y) through the C function at `address` (x, y contiguous arrays of one dtype)."""
    def codegen(context, builder, signature, args):
        xa, ya = _pointer(context, builder, x, args[1]), _pointer(context, builder, y, args[2])
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(64), xa.data.type, ya.data.type])
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [xa.nitems, xa.data, ya.data])
        return context.get_dummy_value()
    return types.void(address, x, y), codegen


@intrinsic
def call_backward(typingctx, address, gy, x, y, gx):
    """backward(x.size, gy, x, y, gx) through the C function at `address`."""
    def codegen(context, builder, signature, args):
        arrays = [_pointer(context, builder, t, v) for t, v in zip((gy, x, y, gx), args[1:])]
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(64)] + [a.data.type for a in arrays])
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [arrays[1].nitems] + [a.data for a in arrays])
        return context.get_dummy_value()
    return types.void(address, gy, x, y, gx), codegen


@njit(cache=True, nogil=True)
def call_both(forward, backward, gy, x, y, gx):
    """y = f(x), then gx = gy f′(x), by the kernels' addresses (for tests and the docstring)."""
    call_forward(forward, x, y)
    call_backward(backward, gy, x, y, gx)


# ---- the source ----

_FORWARD = {"neg": "-{0}", "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
            "pow": "{0} ** {1}", "exp": "math.exp({0})", "log": "math.log({0})", "sqrt": "math.sqrt({0})",
            "abs": "abs({0})", "sin": "math.sin({0})", "cos": "math.cos({0})", "tanh": "tanh_scalar({0})",
            "sigmoid": "sigmoid_scalar({0})", "relu": "({0} if {0} > 0 else 0.0)",
            "softplus": "softplus_scalar({0})", "min": "np.minimum({0}, {1})", "max": "np.maximum({0}, {1})",
            "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}", "eq": "{0} == {1}",
            "ne": "{0} != {1}", "where": "({1} if {0} else {2})"}
"""Step op -> a scalar expression; σ, tanh and softplus are the trainer's own (fastmath, activations)."""


def _vjp(op, g, out, a, b=None, c=None, b_constant=None):
    """[(argument index, the gradient it gets)] of one step, as the tape's VJPs compute it (engine.autodiff)."""
    if op == "neg":
        return [(0, f"-{g}")]
    if op == "add":
        return [(0, g), (1, g)]
    if op == "sub":
        return [(0, g), (1, f"-{g}")]
    if op == "mul":
        return [(0, f"{g} * {b}"), (1, f"{g} * {a}")]
    if op == "div":
        return [(0, f"{g} / {b}"), (1, f"-{g} * {out} / {b}")]
    if op == "pow":
        if b_constant == 2:
            first = f"{g} * 2.0 * {a}"  # the tape's exact square
        else:  # b a^(b-1), with 0 at a = b = 0 (the limit along a, as the tape takes it)
            first = f"{g} * {b} * {a} ** (1.0 if {a} == 0 and {b} == 0 else {b} - 1.0)"
        return [(0, first), (1, f"({g} * {out} * math.log({a}) if {a} > 0 else 0.0)")]
    if op in ("min", "max"):
        wins = f"{a} {'>' if op == 'max' else '<'} {b}"
        share = f"((1.0 if {wins} else 0.0) + (0.5 if {a} == {b} else 0.0))"  # a tie splits the gradient
        return [(0, f"{g} * {share}"), (1, f"{g} * (1.0 - {share})")]
    if op == "where":
        return [(1, f"({g} if {a} else 0.0)"), (2, f"(0.0 if {a} else {g})")]
    one = {"exp": f"{g} * {out}", "log": f"{g} / {a}", "sqrt": f"{g} / (2.0 * {out})",
           "abs": f"{g} * (1.0 if {a} > 0 else (-1.0 if {a} < 0 else 0.0))", "sin": f"{g} * math.cos({a})",
           "cos": f"-{g} * math.sin({a})", "tanh": f"{g} * (1.0 - {out} * {out})",
           "sigmoid": f"{g} * {out} * (1.0 - {out})", "relu": f"({g} if {a} > 0 else 0.0)",
           "softplus": f"{g} * sigmoid_scalar({a})"}
    return [(0, one[op])] if op in one else []  # comparisons pass no gradient


def _literal(value: float) -> str:
    text = repr(float(value))
    return f"({text})" if value < 0 else text


def kernel_source(f, dtype) -> str:
    """The Python source of the module holding `f`'s forward and backward cfuncs for arrays of `dtype`."""
    program, kind = f.program, np.dtype(dtype).name

    def name(a):
        tag, v = a
        return "v" if tag == "x" else f"t{v}" if tag == "t" else _literal(v)

    steps = [f"        t{i} = {_FORWARD[op].format(*map(name, args))}" for i, (op, args) in enumerate(program.steps)]
    adjoint = {("x", 0): "ax", **{("t", i): f"a{i}" for i in range(len(program.steps))}}
    sweep = ["        ax = 0.0"] + [f"        a{i} = 0.0" for i, (op, _) in enumerate(program.steps)
                                     if op not in program.BOOLEAN]
    sweep.append(f"        {adjoint[program.result]} = g[i]")
    for i in reversed(range(len(program.steps))):
        op, args = program.steps[i]
        if op in program.BOOLEAN:
            continue
        exponent = args[1][1] if op == "pow" and args[1][0] == "c" else None
        for k, grad in _vjp(op, f"a{i}", f"t{i}", *map(name, args), b_constant=exponent):
            if args[k][0] != "c":  # constants take no gradient
                sweep.append(f"        {adjoint[args[k]]} += {grad}")
    header = [
        f'"""The compiled kernels of the formula {f.canonical} ({kind}), written by engine.kernels.formula."""',
        "import math", "", "import numpy as np", "from numba import carray, cfunc, types", "",
        "from engine.kernels.activations import softplus_scalar",
        "from engine.kernels.fastmath import sigmoid_scalar, tanh_scalar", "",
        f"_P = types.CPointer(types.{kind})", "",
        "", '@cfunc(types.void(types.int64, _P, _P), cache=True, error_model="numpy")',
        "def forward(n, xp, yp):", "    x, y = carray(xp, n), carray(yp, n)", "    for i in range(n):",
        "        v = np.float64(x[i])", *steps, f"        y[i] = {name(program.result)}", "",
        "", '@cfunc(types.void(types.int64, _P, _P, _P, _P), cache=True, error_model="numpy")',
        "def backward(n, gp, xp, yp, gxp):", "    g, x, gx = carray(gp, n), carray(xp, n), carray(gxp, n)",
        "    for i in range(n):", "        v = np.float64(x[i])", *steps, *sweep, "        gx[i] = ax", ""]
    return "\n".join(header)


# ---- building and loading ----

def _folder() -> Path:
    folder = Path(numba.config.CACHE_DIR) / "formulas"  # engine.kernels chose CACHE_DIR: this kernel version's
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _module_file(source: str) -> Path:
    """The file holding `source`, named by its hash, written once (atomically: another process may build it too)."""
    path = _folder() / f"formula_{hashlib.sha256(source.encode()).hexdigest()[:24]}.py"
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(source)
        os.replace(temporary, path)
    return path


def kernels(f, dtype) -> tuple:
    """(forward, backward) cfuncs of formula `f` for `dtype`: built (or loaded from the disk cache) once per
    process. Their `.address` is what the interpreter calls."""
    key = (f.digest, np.dtype(dtype).name)
    with _lock:
        if key not in _built:
            path = _module_file(kernel_source(f, dtype))
            spec = importlib.util.spec_from_file_location(f"engine_formula_kernels.{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # Numba's cache looks its functions up by module
            spec.loader.exec_module(module)
            _built[key] = (module.forward, module.backward)
        return _built[key]


def loaded(f, dtype) -> bool:
    """Whether this process has `f`'s kernels for `dtype` at hand (so `kernels` returns at once)."""
    return (f.digest, np.dtype(dtype).name) in _built
