'''The training half of the PyTorch export: Chainboard's training loop, in torch, for one process or many.

    >>> compile(TRAINING, "training", "exec") is not None       # the text is Python
    True

TRAINING is copied verbatim into every exported file, after the model, SETTINGS and DATA. It
repeats what `chainboard train` does, step for step: the same seeded split into training and
validation rows, standardisation statistics from the training rows (unless the model brings
its own), one numpy permutation per epoch from the same seed, minibatches in that order (the
last one short), the loss as the batch mean, and the optimiser's rule (torch's SGD, RMSprop and
Adam compute Chainboard's Descent, Momentum, Nesterov, RMSProp and Adam; L1 is added to the gradients, the
rate schedule is a LambdaLR stepped per epoch, counted from the script's first). So a run ends on the
engine's weights to rounding (the tests hold them to it).

Under torchrun every process takes rows `rank::world` of each minibatch and scales its loss so
that DistributedDataParallel's average of the gradients is the whole minibatch's gradient: N
processes take the steps one process takes.
'''

__all__ = ["TRAINING"]

TRAINING = r'''
# ---- training: what `chainboard train` does, in torch --------------------------------------------------

EPS = torch.finfo(DTYPE).eps  # probabilities are clamped to [eps, 1] before a log, as Chainboard does


def mse(yhat, y):
    return ((yhat - y) ** 2).sum()


def crossentropy(yhat, y):
    return -(y * yhat.clamp(min=EPS).log()).sum()


def logitcrossentropy(z, y):
    return -(y * torch.log_softmax(z, dim=-1)).sum()


def binarycrossentropy(yhat, y):
    return (-y * yhat.clamp(min=EPS).log() - (1 - y) * (1 - yhat).clamp(min=EPS).log()).sum()


# each loss summed over a batch, and how many of its terms make one row: the batch mean divides by rows * that
LOSSES = {"mse": (mse, OUTPUTS), "crossentropy": (crossentropy, 1), "logitcrossentropy": (logitcrossentropy, 1),
          "binarycrossentropy": (binarycrossentropy, OUTPUTS)}


def make_optimiser(parameters):
    """Chainboard's optimiser as torch's: the same update rule, with weight decay added to the gradient."""
    o = SETTINGS["optimiser"]
    name, eta, decay = o["name"], o["eta"], o.get("weight_decay", 0.0)
    if name == "Descent":
        return torch.optim.SGD(parameters, lr=eta, weight_decay=decay)
    if name in ("Momentum", "Nesterov"):  # v = rho v - eta g is torch's buffer times -eta
        return torch.optim.SGD(parameters, lr=eta, momentum=o["rho"], nesterov=name == "Nesterov",
                               weight_decay=decay)
    if name == "RMSProp":
        return torch.optim.RMSprop(parameters, lr=eta, alpha=o["rho"], eps=o["eps"], weight_decay=decay)
    if name == "Adam":
        return torch.optim.Adam(parameters, lr=eta, betas=tuple(o["beta"]), eps=o["eps"], weight_decay=decay)
    raise SystemExit(f"unknown optimiser {name!r}")


def scheduled_rate(epoch):
    """The learning rate of epoch `epoch` (0-based) under Chainboard's schedule (engine.nn.schedules)."""
    o = SETTINGS["optimiser"]
    s, eta = o.get("schedule", {"kind": "constant"}), o["eta"]
    if s["kind"] == "step":
        return eta * s["factor"] ** (epoch // s["epochs"])
    if s["kind"] == "exponential":
        return eta * s["factor"] ** (epoch / s["epochs"])
    if s["kind"] == "cosine":
        return s["floor"] + (eta - s["floor"]) * (1 + math.cos(math.pi * min(epoch, s["epochs"]) / s["epochs"])) / 2
    return eta


def make_schedule(optimiser):
    """The schedule as torch's LambdaLR (a factor on the base rate), stepped once per epoch."""
    eta = SETTINGS["optimiser"]["eta"]
    return torch.optim.lr_scheduler.LambdaLR(optimiser, lambda epoch: scheduled_rate(epoch) / eta)


def next_epoch(optimiser, schedule):
    """Step the schedule after an epoch. Chainboard's velocity holds -rate * gradient at the rates it was taken
    with, torch's momentum buffer holds gradients its next rate multiplies: rescale the buffer so the two agree."""
    before = optimiser.param_groups[0]["lr"]
    schedule.step()
    after = optimiser.param_groups[0]["lr"]
    if after != before:
        for state in optimiser.state.values():
            if state.get("momentum_buffer") is not None:
                state["momentum_buffer"].mul_(before / after)


def add_l1(parameters):
    """Chainboard's L1 penalty: l1 * sign(w) added to every gradient (torch's weight_decay is the L2 one)."""
    l1 = SETTINGS["optimiser"].get("l1", 0.0)
    if l1:
        with torch.no_grad():
            for p in parameters:
                p.grad.add_(torch.sign(p), alpha=l1)


def csv_table(path):
    """(X, y) from a CSV file with a header: DATA's feature columns, and its target as class indices or numbers."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as f:
        records = [r for r in csv.reader(f, strict=True) if r and not (len(r) == 1 and not r[0].strip())]
    names = [c.strip(" \t") for c in records[0]]
    missing = [c for c in DATA["features"] + [DATA["target"]] if c not in names]
    if missing:
        raise SystemExit(f"{path} has no column(s) {', '.join(missing)}")
    features = [names.index(c) for c in DATA["features"]]
    target = names.index(DATA["target"])
    rows = records[1:]
    X = np.array([[float(r[i]) for i in features] for r in rows], dtype=np.float64)
    if DATA["task"] == "regression":
        return X, np.array([[float(r[target])] for r in rows], dtype=np.float64)
    index = {name: i for i, name in enumerate(DATA["class_names"])}
    labels = [label(r[target].strip(" \t")) for r in rows]
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise SystemExit(f"{path} has classes the model does not know: {', '.join(unknown[:5])}")
    return X, np.array([index[v] for v in labels], dtype=np.int64)


def label(text):
    """A class name as Chainboard gives it: numbers without '.0' ('1.0' and '1' are one class), text as is."""
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value == int(value) else repr(value)


def load_data(path=None):
    if DATA is None:
        raise SystemExit("this export does not say which data the model learns from; export a model that was "
                         "trained in Chainboard")
    if DATA["source"] == "generator" and path is None:
        return GENERATOR(**DATA["params"])
    if DATA["source"] == "drawn" and path is None:  # the points drawn in Chainboard: [x1, x2, label] rows
        points = np.array(DATA["points"], dtype=np.float64).reshape(-1, 3)
        labels = points[:, 2].astype(np.int64) if DATA["task"] == "classification" else points[:, 2:]
        return points[:, :2], labels
    if DATA["source"] in ("generator", "drawn"):
        raise SystemExit(f"this model learns from {DATA['source']} data; --data takes a CSV for a model that learnt "
                         "from one")
    return csv_table(path or DATA["path"])


def split(n, validation, seed):
    """Training and validation row indices: Chainboard's seeded split (each part in the original order)."""
    n_val = int(round(n * validation))
    if validation > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def targets(y):
    """What the outputs train against: one-hot rows, 0/1 for a single output, or the regression targets."""
    if y.ndim == 2:
        return y
    if OUTPUTS == 1:
        return y.astype(np.float64).reshape(-1, 1)
    return np.eye(OUTPUTS)[y]


def correct(yhat, y):
    """Rows predicted right: argmax for several outputs, > 0.5 for one (as Chainboard counts)."""
    if yhat.shape[1] == 1:
        return int(((yhat[:, 0] > 0.5) == (y[:, 0] > 0.5)).sum())
    return int((yhat.argmax(dim=1) == y.argmax(dim=1)).sum())


def train(epochs=None, data=None, out=None, report=print):
    """Train the global `model` from its weights, as Chainboard would; returns the history (every process's).

    Under torchrun (WORLD_SIZE > 1) the processes share each minibatch through DistributedDataParallel.
    `data` replaces the CSV file the model learnt from; `out` saves the trained state dict there.
    """
    epochs = SETTINGS["epochs"] if epochs is None else epochs
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if cuda else torch.device("cpu")
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group("nccl" if cuda else "gloo")
    X, y = load_data(data)
    seed, batch, loss_of = SETTINGS["seed"], SETTINGS["batch_size"], LOSSES[SETTINGS["loss"]]
    rows, val_rows = split(len(X), SETTINGS["validation"], seed)
    if not STANDARDISED:  # statistics of the training rows only, as Chainboard fits them
        Z = derived(torch.as_tensor(X[rows], dtype=torch.float64)).numpy()  # with any derived inputs
        std = Z.std(axis=0)
        std[std == 0] = 1.0
        model.standardise.mean.copy_(torch.from_numpy(Z.mean(axis=0)))
        model.standardise.std.copy_(torch.from_numpy(std))
    model.to(device)
    as_tensor = lambda a: torch.as_tensor(a, device=device)  # noqa: E731
    Xt, Yt = as_tensor(X[rows]), as_tensor(targets(y[rows])).to(DTYPE)
    Xv, Yv = as_tensor(X[val_rows]), as_tensor(targets(y[val_rows])).to(DTYPE)
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    optimiser = make_optimiser(net.parameters())
    schedule = make_schedule(optimiser)  # counts from this script's first epoch
    loss_sum, terms = loss_of
    shuffle = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": [], "accuracy": []}
    n = len(Xt)
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(n)
        total = torch.zeros((), dtype=torch.float64, device=device)
        for start in range(0, n, batch):
            chosen = order[start:start + batch]
            mine = torch.as_tensor(chosen[rank::world], device=device)
            # this process's share of the batch mean; DistributedDataParallel averages over the processes
            loss = loss_sum(net(Xt[mine]), Yt[mine]) * (world / (len(chosen) * terms))
            optimiser.zero_grad()
            loss.backward()
            add_l1(net.parameters())
            optimiser.step()
            total += loss.detach().double() * (len(chosen) / world)
        next_epoch(optimiser, schedule)
        if world > 1:
            dist.all_reduce(total)
        history["train_loss"].append(total.item() / n)
        with torch.no_grad():
            yhat = model(Xv)
            history["val_loss"].append(loss_sum(yhat, Yv).item() / (len(Xv) * terms) if len(Xv) else float("nan"))
            history["accuracy"].append(correct(yhat, Yv) / len(Xv) if len(Xv) and y.ndim == 1 else float("nan"))
        if rank == 0 and (epoch == epochs or epoch % max(1, epochs // 10) == 0):
            report(f"epoch {epoch}/{epochs}: loss {history['train_loss'][-1]:.4g}, validation loss "
                   f"{history['val_loss'][-1]:.4g}" + (f", accuracy {100 * history['accuracy'][-1]:.1f}%"
                                                        if history["accuracy"][-1] == history["accuracy"][-1] else ""))
    if out and rank == 0:
        torch.save(model.state_dict(), out)
        report(f"saved the trained weights to {out} (load them with model.load_state_dict(torch.load(...)))")
    if world > 1:
        dist.destroy_process_group()
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"], help="epochs to train (default: %(default)s)")
    parser.add_argument("--data", metavar="CSV", help="a CSV file with the model's columns, instead of its own data")
    parser.add_argument("--out", metavar="PATH", default=str(Path(__file__).with_suffix(".pt")),
                        help="where to save the trained state dict (default: %(default)s)")
    args = parser.parse_args(argv)
    train(args.epochs, args.data, args.out)


if __name__ == "__main__":
    main()
'''
"""The training loop's source, copied into every PyTorch export."""
