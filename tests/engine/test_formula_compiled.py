"""Formula activations on the compiled path (issue 16): the generated kernels compute the tape's f and f′ (ties
and all), compiled training equals eager training, the Trainer starts on the tape and hands over once a
formula's kernels are built, and no formula compiles the interpreter again."""
import numpy as np
import pytest

from engine import Chain, Dense, datasets, formula
from engine.kernels import activations as K
from engine.kernels.formula import call_both, kernel_source, kernels
from engine.kernels.interpreter import train
from engine.nn import calculus
from engine.nn.optimisers import Adam, Momentum
from engine.training import KERNELS, Trainer
from engine.training.compiled import CompiledRunner, trace

TEXTS = ["x * σ(x)", "x * tanh(softplus(x))", "0.5 * x * (1 + tanh(sqrt(2 / π) * (x + 0.044715 * x ** 3)))",
         "softplus(x)", "x ** 3", "where(x > 0, x, 0.1 * (exp(x) - 1))", "max(x, 0) + min(x, 0.5 * x)",
         "abs(x) + relu(x) - sqrt(x * x + 1) / (1 + e ** -x)", "x ** x + 2 ** x + sin(x) * cos(x)",
         "where(x == 0, 1, x) * where(x != 1, x, 3) + log(1 + x * x) - tanh(x) / π"]
SWEEP = np.concatenate([np.linspace(-5, 5, 41), [0.0, -0.0, 1.0, 0.5, 1e-9, -1e-9, 30.0, -30.0]])


@pytest.fixture(scope="module", autouse=True)
def built():
    assert KERNELS.wait("float64") and KERNELS.wait("float32")


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_kernels_compute_the_tapes_value_and_derivative(text, dtype):
    f = formula(text)
    x = SWEEP.reshape(7, 7).astype(dtype)
    y, gx = np.empty_like(x), np.empty_like(x)
    forward, backward = kernels(f, dtype)
    gy = np.linspace(0.5, 2, x.size).reshape(x.shape).astype(dtype)
    with np.errstate(all="ignore"):  # x ** x: NaN at negative x on both sides, and 30 ** 30 overflows float32
        call_both(forward.address, backward.address, gy, x, y, gx)
        value, d1 = calculus(f, x.astype(np.float64), order=1)
        value, grad = value.astype(dtype), (gy * d1).astype(dtype)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(y, value, equal_nan=True, **tol)
    np.testing.assert_allclose(gx, grad, equal_nan=True, **tol)


def test_the_op_dispatch_calls_the_formula_table():
    f = formula("x * x - 1")
    forward, backward = kernels(f, np.float64)
    table = np.array([forward.address, backward.address], dtype=np.int64)
    x = np.array([[1.0, 2.0, 3.0]])
    y, gx = np.empty_like(x), np.empty_like(x)
    assert K.forward(K.FORMULA, x, 0.0, y, table) and y.tolist() == [[0.0, 3.0, 8.0]]
    K.backward(K.FORMULA, np.ones_like(x), x, y, 0.0, gx, table)
    assert gx.tolist() == [[2.0, 4.0, 6.0]]
    assert not K.forward(K.FORMULA, x, 0.0, y, np.zeros(2, dtype=np.int64))  # no kernel: refused, not run


def test_the_kernel_source_holds_only_the_programs_ops_and_numbers():
    source = kernel_source(formula("evil(x) = x*σ(x) + 0.25"), np.float64)
    assert "evil" not in source and "x*σ(x)" not in source and "x * σ(x) + 0.25" in source  # canonical text
    assert "sigmoid_scalar(v)" in source and "0.25" in source


def formula_model(dtype):
    return Chain(Dense(2, 6, formula("swish(x) = x * σ(x)"), rng=1, dtype=dtype),
                 Dense(6, 6, formula("where(x > 0, x, 0.1 * (exp(x) - 1)) + max(x, 0.5) ** 2 / 3"), rng=3,
                       dtype=dtype),
                 Dense(6, 3, rng=2, dtype=dtype), formula("x - 0.1 * x ** 3"))


def weights(model):
    return [p.value.copy() for p in model.parameters()]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("opt", [Adam(0.01), Momentum(0.05)], ids=repr)
def test_compiled_training_equals_eager_training(dtype, opt):
    data = datasets.spiral(n=60, classes=3, seed=3)
    runs = []
    for compiled in (True, False):
        model = formula_model(dtype)
        history = Trainer(model, "mse", Adam(opt.eta) if opt.name == "Adam" else Momentum(opt.eta), batch_size=8,
                          seed=5, compiled=compiled).fit(data, 3)
        runs.append((history, weights(model)))
    (hc, wc), (he, we) = runs
    assert (hc.path, he.path) == ("compiled", "eager")
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hc.train_loss, he.train_loss, **tol)
    for a, b in zip(wc, we):
        np.testing.assert_allclose(a, b, **tol)


def test_the_trainer_starts_on_the_tape_and_hands_over_once_the_formulas_are_built(monkeypatch):
    data = datasets.spiral(n=150, classes=3, seed=1)
    reference = formula_model(np.float64)
    expected = Trainer(reference, "mse", Adam(0.01), batch_size=16, seed=4, compiled=True).fit(data, epochs=6)
    calls = []
    real = KERNELS.formulas_ready
    monkeypatch.setattr(KERNELS, "formulas_ready",
                        lambda dtype, formulas: calls.append(1) or (len(calls) > 3 and real(dtype, formulas)))
    handed = formula_model(np.float64)
    trainer = Trainer(handed, "mse", Adam(0.01), batch_size=16, seed=4)
    assert len(trainer.verdict.formulas) == 3
    paths = []
    history = trainer.fit(data, epochs=6, on_progress=lambda p: paths.append(p.path))
    assert history.path == "compiled" and 0 < history.switched_at < history.steps
    assert paths[0] == "eager" and paths[-1] == "compiled"
    np.testing.assert_allclose(history.train_loss, expected.train_loss, rtol=1e-10, atol=1e-12)
    for a, b in zip(weights(handed), weights(reference)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_a_failed_formula_build_keeps_the_run_on_the_tape(monkeypatch):
    import engine.kernels.formula as FK
    from engine.training.warmup import KernelBuild

    def broken(f, dtype):
        raise RuntimeError("no compiler today")

    monkeypatch.setattr(FK, "kernels", broken)
    build = KernelBuild()
    f = formula("x * σ(x) + 0.125")
    assert not build.wait("float64", formulas=(f,), timeout=120)  # the interpreter builds; the formula does not
    assert "no compiler today" in build.why("float64", (f,))
    monkeypatch.setattr("engine.training.trainer.KERNELS", build)
    model = Chain(Dense(2, 3, f, rng=0), Dense(3, 1, rng=1))
    history = Trainer(model, "mse", Adam(0.01), batch_size=8).fit(datasets.circle(n=40, seed=0), 2)
    assert history.path == "eager" and history.epochs_done == 2
    with pytest.raises(RuntimeError, match="could not be built: RuntimeError: no compiler today"):
        Trainer(model, "mse", Adam(0.01), compiled=True).fit(datasets.circle(n=40, seed=0), 1)


def test_no_formula_compiles_the_interpreter_again():
    data = datasets.circle(n=40, seed=0)
    Trainer(Chain(Dense(2, 3, formula("x + 0.5 * x * x"), rng=0), Dense(3, 1, rng=1)), "mse", Adam(0.01),
            compiled=True).fit(data, 1)
    before = len(train.signatures)
    for text in ("x - 0.25 * x * x", "tanh(x) * 1.5", "where(x > 1, 1, x)"):
        Trainer(Chain(Dense(2, 3, formula(text), rng=0), Dense(3, 1, rng=1)), "mse", Adam(0.01),
                compiled=True).fit(data, 1)
    assert len(train.signatures) == before


def test_a_program_records_its_formulas_and_the_runner_their_addresses():
    model = Chain(Dense(2, 3, formula("x * σ(x)"), rng=0), Dense(3, 1, rng=1), formula("x * σ(x)"))
    program = trace(model, "mse")
    assert [f is not None for f in program.formulas] == [False, True, False, True]
    runner = CompiledRunner(program, 4)
    rows = runner.net.formulas
    assert rows.shape == (4, 2) and (rows[[0, 2]] == 0).all() and (rows[1] == rows[3]).all() and (rows[1] != 0).all()
