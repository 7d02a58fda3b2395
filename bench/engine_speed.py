"""Engine speed: training steps per second against a hand-written NumPy loop and PyTorch.

    OPENBLAS_NUM_THREADS=1 python bench/engine_speed.py [--seconds 2]

Setups (issue 2): 2-8-8-1 tanh, batch 10, sigmoid + BCE; 2-64-64-64-2 tanh, batch 128,
softmax + cross-entropy. Every contender does the same maths: forward, loss, backward, plain
SGD update. Also times the 100 x 100 output grid plus every neuron's grid for the default
[4, 2] network. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from engine.model import Model, ModelSpec  # noqa: E402
from engine.optimizers import OPTIMIZERS  # noqa: E402
from engine.trainer import Trainer  # noqa: E402
from engine.views import network_grids  # noqa: E402

SETUPS = {
    "2-8-8-1 tanh, batch 10": dict(hidden=(8, 8), outputs=1, batch=10, head="bce"),
    "2-64-64-64-2 tanh, batch 128": dict(
        hidden=(64, 64, 64), outputs=2, batch=128, head="softmax_ce"
    ),
}
LR = 0.01


def batches(setup: dict, rng: np.random.Generator, count: int = 64) -> list:
    out = []
    for _ in range(count):
        x = rng.standard_normal((setup["batch"], 2))
        y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
        out.append((x, y))
    return out


def timed(step, data: list, seconds: float) -> float:
    """Steps per second, cycling through `data` for about `seconds`."""
    for x, t in data[:8]:  # warm up
        step(x, t)
    n, start = 0, time.perf_counter()
    while True:
        for x, t in data:
            step(x, t)
        n += len(data)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def engine_step(setup: dict):
    spec = ModelSpec(n_inputs=2, hidden=setup["hidden"], activation="tanh", head=setup["head"],
                     n_classes=2)  # fmt: skip
    model = Model(spec, np.random.default_rng(0), np.random.default_rng(1))
    opt = OPTIMIZERS.build("sgd", lr=LR)
    head = model.head
    params, grads = model.params, model.grads

    def step(x: np.ndarray, y: np.ndarray) -> None:
        model.loss_and_grad(x, head.encode(y))
        opt.step(params, grads)

    return step


def numpy_step(setup: dict):
    """The floor: the same maths written out by hand, no abstractions."""
    rng = np.random.default_rng(0)
    sizes = [2, *setup["hidden"], setup["outputs"]]
    ws = [rng.uniform(-0.5, 0.5, (a, b)) for a, b in itertools.pairwise(sizes)]
    bs = [np.zeros(b) for b in sizes[1:]]
    multiclass = setup["outputs"] > 1

    def step(x: np.ndarray, y: np.ndarray) -> None:
        acts = [x]
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            acts.append(np.tanh(acts[-1] @ w + b))
        z = acts[-1] @ ws[-1] + bs[-1]
        n = len(x)
        if multiclass:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            dz = e / e.sum(axis=1, keepdims=True)
            dz[np.arange(n), y] -= 1.0
            dz /= n
        else:
            dz = (1.0 / (1.0 + np.exp(-z)) - y[:, None]) / n
        for i in range(len(ws) - 1, -1, -1):
            a = acts[i]
            dw, db = a.T @ dz, dz.sum(axis=0)
            if i:
                dz = (dz @ ws[i].T) * (1.0 - a * a)
            ws[i] -= LR * dw
            bs[i] -= LR * db

    return step


def torch_step(setup: dict):
    import torch

    torch.set_num_threads(1)
    sizes = [2, *setup["hidden"], setup["outputs"]]
    layers: list = []
    for a, b in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(a, b, dtype=torch.float64), torch.nn.Tanh()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss() if setup["outputs"] > 1 else torch.nn.BCEWithLogitsLoss()
    multiclass = setup["outputs"] > 1

    def step(x: np.ndarray, y: np.ndarray) -> None:
        xt = torch.from_numpy(x)
        yt = torch.from_numpy(y) if multiclass else torch.from_numpy(y[:, None].astype(np.float64))
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(xt), yt)
        loss.backward()
        opt.step()

    return step


def grid_time(repeats: int = 200) -> float:
    """Median ms for the 100 x 100 output plus every neuron's 20 x 20 grid, default network."""
    trainer = Trainer()
    network_grids(trainer, 100, 20)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        network_grids(trainer, 100, 20)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    print(f"numpy {np.__version__}, torch {torch_version or 'not installed'}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}\n")  # fmt: skip
    print("| setup | engine steps/s | hand-written NumPy | engine / NumPy | PyTorch eager "
          "| engine / PyTorch |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, setup in SETUPS.items():
        data = batches(setup, np.random.default_rng(0))
        eng = timed(engine_step(setup), data, args.seconds)
        ref = timed(numpy_step(setup), data, args.seconds)
        if torch_version:
            tor = timed(torch_step(setup), data, args.seconds)
            tcols = f"{tor:,.0f} | {eng / tor:.2f}x"
        else:
            tcols = "- | -"
        print(f"| {name} | {eng:,.0f} | {ref:,.0f} | {eng / ref:.2f} | {tcols} |")
    print(f"\nOutput grid 100x100 + neuron grids, default [4, 2] network: "
          f"{grid_time():.2f} ms (median)")  # fmt: skip


if __name__ == "__main__":
    main()
