"""The data table's contents: every row of the session's data with the model's prediction and the row's own
loss (`RowTable.of(session)`), and `row_losses`, what `engine.nn.LOSSES[name](ŷ[i:i+1], y[i:i+1])` gives for
every row at once.

>>> import numpy as np
>>> row_losses("mse", np.array([[1.0], [3.0]]), np.array([[1.0], [1.0]])).tolist()
[0.0, 4.0]

The engine's losses are means over the batch, so a table needs them row by row; calling them once a row
costs a tracked operation per row, so these are their formulas in numpy, with the same clamping of
probabilities (tests/gui/test_data_table.py checks them against the engine's, row by row).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import DataError

from .outputs import final_activation, probabilities
from .projection import feature_names


def row_losses(loss: str, out: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
    """(n,) losses of rows `out` (the model's outputs) against `targets`; None for an unknown loss name."""
    out = np.asarray(out, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64).reshape(out.shape)
    eps = float(np.finfo(np.float64).eps)
    with np.errstate(all="ignore"):
        if loss == "mse":
            return ((out - y) ** 2).mean(axis=1)
        if loss == "crossentropy":
            return -(y * np.log(np.clip(out, eps, None))).sum(axis=1)
        if loss == "logitcrossentropy":
            top = out.max(axis=1, keepdims=True)
            logsoftmax = out - top - np.log(np.exp(out - top).sum(axis=1, keepdims=True))
            return -(y * logsoftmax).sum(axis=1)
        if loss == "binarycrossentropy":
            return (-y * np.log(np.clip(out, eps, None)) - (1 - y) * np.log(np.clip(1 - out, eps, None))).mean(axis=1)
    return None


@dataclass
class RowTable:
    """Rows of the training part, then of the validation (test) part, as the table lists them."""
    part: np.ndarray         # (n,) "train" or "test"
    index: np.ndarray        # (n,) the row's place in its part
    X: np.ndarray            # (n, features) raw
    names: list              # feature names
    target: list             # (n,) the target as a person reads it (class name, or the value)
    target_key: np.ndarray   # (n,) the target as a number, for sorting
    predicted: list          # (n,) the prediction as a person reads it, "" without a model
    predicted_key: np.ndarray
    loss: np.ndarray         # (n,) each row's loss, nan without a model
    target_name: str = "target"

    def __len__(self):
        return len(self.part)

    @classmethod
    def of(cls, session) -> RowTable | None:
        """The session's data (its split) with the model's outputs at the record's latest weights."""
        split = session.split
        if split is None:
            return None
        parts = [(name, ds) for name, ds in (("train", split.raw_train), ("test", split.raw_val)) if len(ds)]
        X = np.vstack([ds.X for _, ds in parts])
        part = np.concatenate([np.full(len(ds), name, dtype=object) for name, ds in parts])
        index = np.concatenate([np.arange(len(ds)) for _, ds in parts])
        first = parts[0][1]
        classify = first.task == "classification"
        if classify:
            y = np.concatenate([ds.y for _, ds in parts])
            target, target_key = [str(first.class_names[int(c)]) for c in y], y.astype(np.float64)
        else:
            y = np.vstack([ds.y for _, ds in parts])
            target, target_key = [", ".join(f"{v:.4g}" for v in row) for row in y], y[:, 0].astype(np.float64)
        n = len(X)
        table = cls(part, index, X, feature_names(first), target, target_key, [""] * n, np.full(n, np.nan),
                    np.full(n, np.nan), getattr(first, "target_name", None) or "target")
        out = session.predict(X) if session.spec is not None else None
        if out is None:
            return table
        out = np.asarray(out, dtype=np.float64).reshape(n, -1)
        try:
            targets = np.vstack([ds.targets(out.shape[1]) for _, ds in parts])
        except DataError:  # the Chain's outputs do not fit the data (yet): no losses
            targets = None
        if classify:
            probs = probabilities(out, final_activation(session.spec))
            best = np.nan_to_num(probs, nan=-1).argmax(axis=1)
            names = first.class_names or []
            table.predicted = [f"{names[b] if b < len(names) else b} ({probs[r, b]:.0%})" for r, b in enumerate(best)]
            table.predicted_key = best + probs[np.arange(n), best] * 0.999  # by class, then by how sure
        else:
            table.predicted = [", ".join(f"{v:.4g}" for v in row) for row in out]
            table.predicted_key = out[:, 0]
        if targets is not None:
            losses = row_losses(session.settings.loss, out, targets)
            if losses is not None:
                table.loss = losses
        return table
