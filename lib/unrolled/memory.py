"""Long-term memory, measured: a cell with a linear readout on its last state, trained on
the adding problem (:func:`unrolled.data.adding_problem`).

The model reads the whole sequence and predicts one number from the last hidden state::

    h_1 .. h_T = cell(x_1 .. x_T)           (sequence.forward, any of "rnn", "gated", "lstm", "gru")
    y_hat      = h_T W_y^T + b_y            (W_y: (1, H), b_y: (1,))
    L          = mean_b (y_hat_b - y_b)^2   (losses.mse)

Backward: dL/dy_hat from :func:`unrolled.losses.mse`; the readout gives dL/dh_T =
dL/dy_hat W_y, the only non-zero entry of ``dhs``; :func:`unrolled.sequence.backward`
carries it back through time. The same backward pass also returns dL/dx_t for every step,
which is how the gradient *reaching the first marker* is measured
(:func:`marker_gradients`): it is the only signal that can teach the network to keep X1.

:func:`run` is one seeded experiment (model, gap T, seed) through :func:`unrolled.train.fit`,
returning a plain dict of numbers (JSON-ready) with its learning curves.
"""
from __future__ import annotations

import time

import numpy as np

from . import _checks, cells, data, losses, optim, sequence, train

KINDS = ("rnn", "gated", "lstm", "gru")
READOUT = ("W_y", "b_y")


def init(kind: str, n_hidden: int, rng: np.random.Generator, *, forget_bias: float = 0.0) -> dict:
    """Cell parameters (``cells.init``, PyTorch's uniform scheme) plus a readout ``W_y`` (1, H), ``b_y`` (1,).

    The readout weights are uniform like the cell's, its bias starts at 0.
    """
    _checks.choice("kind", kind, KINDS)
    p = cells.init(kind, 2, n_hidden, rng, **({"forget_bias": forget_bias} if kind == "lstm" else {}))
    if kind != "lstm" and forget_bias != 0.0:
        raise ValueError(f"forget_bias: expected 0 for kind {kind!r}, got {forget_bias}")
    H = _checks.positive_int("n_hidden", n_hidden)
    p["W_y"] = rng.uniform(-1 / np.sqrt(H), 1 / np.sqrt(H), size=(1, H))
    p["b_y"] = np.zeros(1)
    return p


def _split(params):
    if not isinstance(params, dict) or any(k not in params for k in READOUT):
        raise ValueError(f"params: expected a dict with the cell's weights and {list(READOUT)}")
    return {k: v for k, v in params.items() if k not in READOUT}


def forward(kind: str, params: dict, x) -> tuple[np.ndarray, dict]:
    """y_hat (B, 1) from x (T, B, 2); the cache holds the sequence cache and h_T."""
    _checks.choice("kind", kind, KINDS)
    x = _checks.array("x", x, ndim=3)
    hs, seq_cache = sequence.forward(kind, x, _split(params))
    h_T = hs[-1]
    y_hat = h_T @ params["W_y"].T + params["b_y"]
    return y_hat, {"seq": seq_cache, "h_T": h_T, "hs_shape": hs.shape, "W_y": params["W_y"]}


def backward(dy_hat, cache) -> tuple[np.ndarray, dict]:
    """dy_hat (B, 1) -> (dx (T, B, 2), grads keyed like params)."""
    dhs = np.zeros(cache["hs_shape"])
    dhs[-1] = dy_hat @ cache["W_y"]                      # dL/dh_T, the only loss term
    dx, _, grads = sequence.backward(dhs, cache["seq"])
    grads["W_y"] = dy_hat.T @ cache["h_T"]
    grads["b_y"] = dy_hat.sum(axis=0)
    return dx, grads


def loss_and_grads(kind: str):
    """``(params, (x, y, markers)) -> (MSE, grads)``, the function :func:`unrolled.train.fit` calls."""
    _checks.choice("kind", kind, KINDS)

    def f(params, batch):
        x, y, _ = batch
        y_hat, cache = forward(kind, params, x)
        loss, dy = losses.mse(y_hat, y)
        _, grads = backward(dy, cache)
        return loss, grads

    return f


def marker_gradients(kind: str, params: dict, x, y, markers) -> dict:
    """How much of the loss's gradient reaches the first marked step.

    For each sequence b, ``first_b = ||dL_b/dx_{t1}||`` (t1 its first marker) and
    ``last_b = ||dL_b/dx_T||`` (the last step, next to the loss). Returned: their means
    over the batch, and ``ratio``, the geometric mean over sequences of first_b / last_b
    (a geometric mean because the ratios span many orders of magnitude): about 1 when the
    first value is as visible to the loss as the last one, tiny when the gradient has
    vanished on the way. ``sensitivity`` is mean |d y_hat / d X1| (a model that has learnt
    the task has 1 for "pascanu", 1/4 for "hochreiter").
    """
    y_hat, cache = forward(kind, params, x)
    B = x.shape[1]
    _, dy = losses.mse(y_hat, y, reduction="sum")
    dx, _ = backward(dy, cache)
    cols = np.arange(B)
    first = np.linalg.norm(dx[markers[:, 0], cols], axis=-1)
    last = np.linalg.norm(dx[-1], axis=-1)
    tiny = 1e-300
    log_ratio = np.log10(np.maximum(first, tiny)) - np.log10(np.maximum(last, tiny))
    dx1, _ = backward(np.ones((B, 1)), cache)
    sens = np.abs(dx1[markers[:, 0], cols, 0])
    return {"grad_first": float(first.mean()), "grad_last": float(last.mean()),
            "ratio": float(10 ** np.mean(log_ratio)), "sensitivity": float(sens.mean())}


def evaluate(kind: str, params: dict, x, y, markers, variant: str = "hochreiter") -> dict:
    """Held-out MSE, MSE / baseline, fraction solved (|error| < 0.04) and the marker gradients."""
    y_hat, _ = forward(kind, params, x)
    err = y_hat - y
    mse = float(np.mean(err ** 2))
    out = {"mse": mse, "relative": mse / data.adding_baseline_mse(x.shape[0], variant),
           "solved": float(np.mean(np.abs(err) < data.SOLVED_TOLERANCE))}
    out.update(marker_gradients(kind, params, x[:, :64], y[:64], markers[:64]))
    return out


#: the settings of every run unless a call says otherwise (stated in the notebook)
DEFAULTS = {"n_hidden": 16, "batch": 64, "lr": 1e-2, "clip_norm": 1.0, "forget_bias": 1.0,
            "variant": "pascanu", "n_test": 256, "steps": 700}
#: how many held-out predictions a run keeps (for the explorer's scatter plot)
N_KEPT = 64


def run(kind: str, T: int, seed: int, *, steps: int | None = None, n_hidden: int | None = None,
        batch: int | None = None, lr: float | None = None, clip_norm: float | None | str = "default",
        forget_bias: float | None = None, variant: str | None = None, n_test: int | None = None,
        eval_every: int | None = None, progress: bool = True, keep_params: bool = False) -> dict:
    """Train one model on the adding problem with gap T; return what was measured.

    Everything random comes from ``seed``: the initial weights (``default_rng(seed)``), the
    training batches (``train.fit``'s ``seed``), and the held-out set
    (``default_rng(10_000 + seed)``, never seen in training). Adam with learning rate
    ``lr``; gradients clipped to global norm ``clip_norm`` (None: no clipping).

    ``forget_bias`` applies to the LSTM only (the other cells have no forget gate).

    Returns a dict: the settings, ``final`` (the last evaluation: ``mse``, ``relative`` =
    MSE / baseline, ``solved``, ``ratio``, ...), the curves ``eval_steps`` and
    ``curves[name]``, the per-step training ``loss`` and ``grad_norm`` (before clipping),
    ``seconds`` (wall) and ``cpu_seconds``; and ``params`` if ``keep_params``.
    """
    s = dict(DEFAULTS)
    given = {"steps": steps, "n_hidden": n_hidden, "batch": batch, "lr": lr, "forget_bias": forget_bias,
             "variant": variant, "n_test": n_test}
    s.update({k: v for k, v in given.items() if v is not None})
    if clip_norm != "default":
        s["clip_norm"] = clip_norm
    _checks.choice("kind", kind, KINDS)
    T = _checks.positive_int("T", T)
    seed = int(seed)
    fb = s["forget_bias"] if kind == "lstm" else 0.0
    s["forget_bias"] = fb
    params = init(kind, s["n_hidden"], np.random.default_rng(seed), forget_bias=fb)
    x_te, y_te, m_te = data.adding_problem(T, s["n_test"], s["variant"], np.random.default_rng(10_000 + seed))
    cpu0 = time.process_time()
    hist = train.fit(loss_and_grads(kind), params, optim.Adam(lr=s["lr"]),
                     data.adding_batches(T, s["batch"], s["variant"]), s["steps"], seed=seed,
                     clip_norm=s["clip_norm"],
                     evaluate=lambda p: evaluate(kind, p, x_te, y_te, m_te, s["variant"]),
                     eval_every=eval_every or max(1, s["steps"] // 15), progress=progress,
                     desc=f"{kind:5s} T={T:<4d} seed={seed}")
    out = {"kind": kind, "T": T, "seed": seed, **s,
           "baseline": data.adding_baseline_mse(T, s["variant"]),
           "final": hist.last, "eval_steps": hist.eval_steps,
           "curves": {k: [e[k] for e in hist.evals] for k in hist.evals[0]},
           "loss": hist.loss, "grad_norm": hist.grad_norm,
           "seconds": hist.seconds, "cpu_seconds": time.process_time() - cpu0,
           "pred": forward(kind, params, x_te[:, :N_KEPT])[0][:, 0].tolist(),
           "target": y_te[:N_KEPT, 0].tolist()}
    if keep_params:
        out["params"] = params
    return out


# ----------------------------------------------------------------- the stored sweep

#: where the full sweep's results live, relative to the repository
SWEEP_PATH = "data/adding/sweep.json"
#: the LSTM at T = 100 trained for 1500 updates instead of 700 (seeds 0, 1, 2)
LONGER_PATH = "data/adding/lstm_longer.json"
#: the LSTM at T = 50 with forget-gate bias 0 instead of 1 (seeds 1, 2; the notebook runs seed 0)
FORGET_BIAS0_PATH = "data/adding/lstm_forget_bias0.json"


def _repo_root():
    from pathlib import Path
    return Path(__file__).resolve().parents[2]


def compact(result: dict, digits: int = 4) -> dict:
    """A run's dict for storage: floats to ``digits`` significant digits, no parameters,
    the per-step training curves thinned to every (n // 200)-th step (200 to 399 points; 234 of 700)."""
    def r(v):
        return float(f"{v:.{digits}g}")

    out = {k: v for k, v in result.items() if k not in ("params", "loss", "grad_norm")}
    n = len(result["loss"])
    every = max(1, n // 200)
    out["train_steps"] = list(range(1, n + 1, every))
    out["loss"] = [r(v) for v in result["loss"][::every]]
    out["grad_norm"] = [r(v) for v in result["grad_norm"][::every]]
    out["final"] = {k: r(v) for k, v in result["final"].items()}
    out["curves"] = {k: [r(v) for v in vs] for k, vs in result["curves"].items()}
    out["pred"] = [r(v) for v in result["pred"]]
    out["target"] = [r(v) for v in result["target"]]
    for k in ("seconds", "cpu_seconds"):
        out[k] = round(result[k], 2)
    return out


def load_sweep(path=None) -> dict:
    """A stored sweep: ``{"commands", "settings", "runs": [compact run dicts]}``.

    ``path`` defaults to :data:`SWEEP_PATH`; a relative path is read from the repository's root.
    """
    import json
    path = _repo_root() / (SWEEP_PATH if path is None else path)
    with open(path) as f:
        return json.load(f)


def sweep_table(runs) -> tuple[list, np.ndarray, np.ndarray]:
    """``(kinds, Ts, relative)`` with ``relative[k, j, s]`` the final MSE / baseline of model k at
    gap Ts[j] with the s-th seed; NaN where a run is missing."""
    kinds = [k for k in KINDS if any(r["kind"] == k for r in runs)]
    Ts = np.array(sorted({int(r["T"]) for r in runs}))
    seeds = sorted({int(r["seed"]) for r in runs})
    rel = np.full((len(kinds), len(Ts), len(seeds)), np.nan)
    for r in runs:
        rel[kinds.index(r["kind"]), int(np.searchsorted(Ts, int(r["T"]))), seeds.index(int(r["seed"]))] = \
            r["final"]["relative"]
    return kinds, Ts, rel
