"""A character-level language model on a recurrent cell, trained along a long text (notebook 09).

The model reads characters one at a time and predicts the next one (the RNN LM
of 000 eq 5 with characters for words, as in 004's War and Peace example)::

    x_t = phi(y_{t-1})                     one-hot character, (V,)
    h_t = cell(x_t, h_{t-1})               "rnn", "lstm" or "gru" of unrolled.cells
    p_t = softmax(W_yh h_t + b_y)          (V,)

Training walks down B parallel streams of the text (:func:`unrolled.data.streams`)
in chunks of T characters: each chunk starts from the state the previous chunk
ended in (carried, never reset), and its losses are backpropagated to the start
of the chunk only: truncated BPTT with the state carried (notebook 03, min-char-rnn's
way). One update per chunk. At the end of the streams the walk starts again from
a zero state (a new epoch).

Losses are reported in bits per character: the mean cross-entropy in nats
divided by ln 2.
"""
from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from . import _checks, cells, layers, losses, optim, sequence
from .activations import log_softmax
from .train import sample as sample_index  # noqa: F401 (also the explorer's and tests' way in)

KINDS = ("rnn", "lstm", "gru")
READOUT = ("W_yh", "b_y")


def _kind(kind):
    _checks.choice("kind", kind, KINDS)
    return kind


def init(kind: str, V: int, H: int, rng: np.random.Generator, forget_bias: float = 1.0,
         dtype=np.float64) -> dict:
    """The cell's parameters (:func:`unrolled.cells.init`, V inputs, H units) plus the readout W_yh (V, H), b_y (V,).

    The LSTM's forget gate starts at ``forget_bias`` (remember by default); the readout
    starts small, so the first predictions are close to uniform. ``dtype``: float64
    (the default) or float32 (about twice as fast, for long runs and benchmarks).
    """
    _kind(kind)
    V, H = _checks.positive_int("V", V), _checks.positive_int("H", H)
    options = {"forget_bias": forget_bias} if kind == "lstm" else {}
    params = cells.init(kind, V, H, rng, dtype=dtype, **options)
    params["W_yh"] = rng.normal(0.0, 0.01, (V, H)).astype(dtype)
    params["b_y"] = np.zeros(V, dtype=dtype)
    return params


def cell_params(params) -> dict:
    """The cell's own parameters (everything but the readout)."""
    return {k: v for k, v in params.items() if k not in READOUT}


def hidden_size(params) -> int:
    return params["W_yh"].shape[1]


def vocabulary_size(params) -> int:
    return params["W_yh"].shape[0]


def _check_ids(name, ids, V):
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer character indices, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name}: expected indices in [0, {V}), got {ids.min()} to {ids.max()}")
    return ids


def _one_hot(ids, V, dtype=np.float64):
    return np.eye(V, dtype=dtype)[_check_ids("ids", ids, V)]


def forward_one_hot(kind, params, inputs, state0=None):
    """The textbook forward pass: one-hot inputs x (T, B, V), the cell over them, the readout.

    logits (T, B, V) for inputs (T, B) of character indices; ``cache`` for :func:`backward`.
    Every step's input half is the product ``x_t W_x^T`` with a one-hot ``x_t``: it picks
    column ``inputs[t]`` of ``W_x`` and multiplies the other V - 1 columns by zero.
    :func:`forward` computes the same logits, exactly, without those products.
    """
    _kind(kind)
    x = _one_hot(inputs, vocabulary_size(params), params["W_yh"].dtype)
    hs, cell_cache = sequence.forward(kind, x, cell_params(params), state0=state0)
    logits, readout = layers.affine_forward(hs, params["W_yh"], params["b_y"])
    return logits, {"cell": cell_cache, "readout": readout}


def forward(kind, params, inputs, state0=None):
    """logits (T, B, V) for inputs (T, B) of character indices; ``cache`` for :func:`backward`.

    The model of :func:`forward_one_hot`, with each step's ``W_x x_t`` looked up by the
    character's index instead of multiplied out (:func:`unrolled.sequence.forward_ids`):
    the same logits to the last bit, with no products by the zeros of one-hot vectors (in
    float64 at B = 32, V = 94 those took about a fifth of a training step).
    """
    _kind(kind)
    inputs = _check_ids("inputs", inputs, vocabulary_size(params))
    hs, cell_cache = sequence.forward_ids(kind, inputs, cell_params(params), state0=state0)
    logits, readout = layers.affine_forward(hs, params["W_yh"], params["b_y"])
    return logits, {"cell": cell_cache, "readout": readout}


def backward(dlogits, cache) -> dict:
    """Every parameter's gradient from dL/dlogits: the readout's, then BPTT through the chunk.

    After :func:`forward` no gradient with respect to the inputs is computed (characters
    have none); after :func:`forward_one_hot` the one for x is computed and dropped.
    """
    dhs, dW_yh, db_y = layers.affine_backward(dlogits, cache["readout"])
    _, _, grads = sequence.backward(dhs, cache["cell"])
    return {**grads, "W_yh": dW_yh, "b_y": db_y}


def loss_and_grads(kind, params, inputs, targets, state0=None):
    """``(loss, grads, last_state)`` of one chunk: loss in nats per character (mean over the chunk)."""
    logits, cache = forward(kind, params, inputs, state0)
    loss, dlogits = losses.softmax_cross_entropy(logits, targets)
    return loss, backward(dlogits, cache), sequence.last_state(cache["cell"])


def _loss_and_grads(kind, params, inputs, targets, state0, core_args):
    """:func:`loss_and_grads` without the argument checks, for :func:`train`, which checks once per run.

    The same steps through the library's unchecked cores: the lookup forward, the readout
    from a contiguous W_yh^T, the loss with dlogits written over the logits
    (one exp per entry; equal to losses.softmax_cross_entropy up to rounding), BPTT.
    """
    hs, cell_cache = sequence._forward_ids(kind, inputs, cell_params(params), state0, core_args)
    logits, readout = layers._affine_forward(hs, params["W_yh"], params["b_y"])
    loss, dlogits = losses._mean_softmax_cross_entropy_in_place(logits, targets)   # logits -> dlogits
    dhs, dW_yh, db_y = layers._affine_backward(dlogits, readout)
    _, _, grads = sequence._backward(dhs, cell_cache)
    return loss, {**grads, "W_yh": dW_yh, "b_y": db_y}, sequence.last_state(cell_cache)


def _check_model(kind, params):
    """Check ``params`` for a model of ``kind``: the cell's (cells.check_params), then the readout's."""
    if not isinstance(params, dict) or any(k not in params for k in READOUT):
        raise ValueError(f"params: expected a dict with the cell's parameters and the readout {list(READOUT)}, "
                         f"got {list(params) if isinstance(params, dict) else type(params).__name__}")
    _, H = cells.check_params(kind, cell_params(params), name="params")
    dtype = params[cells._cell(kind, params).keys[0]].dtype
    for k, ndim in zip(READOUT, (2, 1)):
        value = _checks.array(f"params[{k!r}]", params[k], ndim=ndim)
        if value is not params[k] or value.dtype != dtype:
            raise TypeError(f"params[{k!r}]: expected a numpy array of dtype {dtype} like the cell's, "
                            f"got {type(params[k]).__name__}")
    V = params["W_yh"].shape[0]
    _checks.shape("params['W_yh']", params["W_yh"], (V, H))
    _checks.shape("params['b_y']", params["b_y"], (V,))


def bits(nats: float) -> float:
    """Nats to bits: divide by ln 2 (log2 p = ln p / ln 2)."""
    return nats / math.log(2)


def bits_per_char(kind, params, ids, n_streams: int = 1, chunk: int = 2000) -> float:
    """Held-out bits per character: the text ``ids`` read as ``n_streams`` streams, state carried throughout.

    With ``n_streams = 1`` every character after the first is predicted from all the
    text before it (the same targets as :meth:`unrolled.ngram.NGram.bits_per_char`);
    more streams are faster, each starting from a zero state.
    """
    ids = np.asarray(ids)
    cols = ids[:, None] if n_streams == 1 else __import__("unrolled.data", fromlist=["streams"]).streams(ids, n_streams)
    total, count, state = 0.0, 0, None
    L = len(cols)
    for begin in range(0, L - 1, chunk):
        end = min(begin + chunk, L - 1)
        logits, cache = forward(kind, params, cols[begin:end], state)
        logp = log_softmax(logits)
        total -= float(np.take_along_axis(logp, cols[begin + 1:end + 1][..., None], -1).sum())
        count += cols[begin + 1:end + 1].size
        state = sequence.last_state(cache["cell"])
    return bits(total / count)


def _step(kind, params, idx, state):
    """One character in, (state, logits (1, V)) out."""
    x = np.zeros((1, vocabulary_size(params)), dtype=params["W_yh"].dtype)
    x[0, idx] = 1.0
    state, _ = cells.step(kind, x, state, cell_params(params))
    h = state[0] if kind == "lstm" else state
    return state, h @ params["W_yh"].T + params["b_y"]


def read(kind, params, ids):
    """The state after reading ``ids`` (from a zero state) and the logits (V,) of the character after them."""
    _kind(kind)
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 1:
        raise ValueError(f"ids: expected a non-empty 1-D sequence of characters, got shape {ids.shape}")
    logits, cache = forward(kind, params, ids[:, None])         # the whole prefix in one unrolled pass
    return sequence.last_state(cache["cell"]), logits[-1, 0]


def sample(kind, params, prefix_ids, n: int, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
    """``n`` characters drawn one at a time after reading ``prefix_ids``, each fed back as the next input.

    Each character is drawn from softmax(logits / temperature) (:func:`unrolled.train.sample`).
    """
    n = _checks.positive_int("n", n)
    state, z = read(kind, params, prefix_ids)
    out = np.empty(n, dtype=np.int64)
    for t in range(n):
        out[t] = int(sample_index(z, rng, temperature))
        if t + 1 < n:
            state, zz = _step(kind, params, out[t], state)
            z = zz[0]
    return out


def train(kind, params, stream_ids, T: int, steps: int, optimizer, *, clip_norm: float | None = 5.0,
          evaluate=None, eval_at=(), on_eval=None) -> dict:
    """Truncated BPTT with the state carried: ``steps`` updates along ``stream_ids`` (L, B), params in place.

    Chunk j reads rows ``[jT, (j+1)T)`` and predicts rows ``[jT+1, (j+1)T+1)``, starting from the
    state chunk j - 1 ended in; at the end of the streams the state is reset and the walk
    starts again. ``evaluate(params) -> float`` is called at the steps in ``eval_at``
    (0 = before training), and ``on_eval(step, params)`` right after it (e.g. to sample).
    Returns ``{"loss": [nats per char per update], "eval_steps", "evals", "seconds", "cpu_seconds"}``.
    """
    # Every argument is checked here, once per run. Each update then runs what
    # loss_and_grads, clip_global_norm and optimizer.step run, without their checks
    # (the arrays are this loop's own): _loss_and_grads, clipping in place, _update.
    _kind(kind)
    _check_model(kind, params)
    T, steps = _checks.positive_int("T", T), _checks.positive_int("steps", steps)
    stream_ids = _check_ids("stream_ids", stream_ids, vocabulary_size(params))
    if stream_ids.ndim != 2 or len(stream_ids) < T + 1:
        raise ValueError(f"stream_ids: expected (L, B) with L > T = {T}, got shape {stream_ids.shape}")
    if clip_norm is not None:
        clip_norm = _checks.positive_number("clip_norm", clip_norm)
    core_args = cells._core_args(kind, params, name="params")
    update = optimizer._update if isinstance(optimizer, optim._Optimizer) else optimizer.step
    eval_at = sorted(set(int(s) for s in eval_at))
    out = {"loss": [], "eval_steps": [], "evals": [], "seconds": 0.0, "cpu_seconds": 0.0}
    wall, cpu = time.perf_counter(), time.process_time()

    def record(step):
        if evaluate is not None:
            out["eval_steps"].append(step)
            out["evals"].append(float(evaluate(params)))
        if on_eval is not None:
            on_eval(step, params)

    if 0 in eval_at:
        record(0)
    state, begin = None, 0
    for step in range(1, steps + 1):
        if begin + T + 1 > len(stream_ids):          # the end of the text: a new epoch from a zero state
            state, begin = None, 0
        inputs, targets = stream_ids[begin:begin + T], stream_ids[begin + 1:begin + T + 1]
        loss, grads, state = _loss_and_grads(kind, params, inputs, targets, state, core_args)
        if not math.isfinite(loss):
            raise ValueError(f"params: the loss became {loss} at update {step}: training diverged "
                             "(a smaller learning rate or clip_norm may help)")
        if clip_norm is not None:                    # in place: these gradients are this loop's own
            optim._clip_global_norm_in_place(grads, clip_norm)
        else:
            optim._finite_norm(grads)                # refuses NaN or inf before they reach the parameters
        update(params, grads)
        out["loss"].append(loss)
        begin += T
        if step in eval_at:
            record(step)
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - wall, time.process_time() - cpu
    return out


def one_blas_thread():
    """A context that limits numpy's BLAS to one thread (if threadpoolctl is installed).

    The products here are small (B x H times H x 4H); extra BLAS threads only add
    synchronisation, and on a busy machine their spinning costs several times the work.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


# ---------------------------------------------------- one run, as the notebook and the stored longer run make it

#: the default run of notebook 09 and the stored longer run (same code, more updates)
DEFAULT = {"H": 96, "B": 32, "T": 32, "steps": 400, "lr": 1e-2, "seed": 0}
LONG = {"H": 128, "B": 32, "T": 32, "steps": 3000, "lr": 5e-3, "seed": 0}
PREFIX = "The "
TEMPERATURES = (0.5, 1.0, 1.5)


def run(kind, vocab, train_text: str, held_out_text: str, H: int, B: int, T: int, steps: int, lr: float,
        seed: int = 0, n_evals: int = 4, sample_len: int = 120, prefix: str = PREFIX) -> dict:
    """Train one model from scratch (Adam, global-norm clipping at 5) and measure it.

    Returns a dict: ``eval_steps`` and ``curve`` (held-out bits per character read as 16
    streams, quick), ``samples`` (``sample_len`` characters after :data:`PREFIX` at
    temperature 1, the same seed at every evaluation; ``prefix`` is read first), ``bits_per_char`` (the final
    model on the whole held-out text as one stream), ``final_samples`` (one per
    temperature of :data:`TEMPERATURES`), ``params``, ``seconds``, ``cpu_seconds``, ``chars``
    (characters read in training), ``train_loss`` (nats per character, one per update).
    """
    with one_blas_thread():
        return _run(kind, vocab, train_text, held_out_text, H, B, T, steps, lr, seed, n_evals, sample_len,
                    prefix)


def _run(kind, vocab, train_text, held_out_text, H, B, T, steps, lr, seed, n_evals, sample_len, prefix):
    rng = np.random.default_rng(seed)
    params = init(kind, len(vocab), H, rng)
    train_ids, held = vocab.encode(train_text), vocab.encode(held_out_text)
    from . import data
    stream = data.streams(train_ids, B)
    eval_at = sorted({0, *np.linspace(0, steps, n_evals + 1)[1:].round().astype(int).tolist()})
    samples = {}

    def take_sample(step, p):
        ids = sample(kind, p, vocab.encode(prefix), sample_len, np.random.default_rng(seed + 1), 1.0)
        samples[step] = prefix + vocab.decode(ids)

    out = train(kind, params, stream, T, steps, optim.Adam(lr), clip_norm=5.0,
                evaluate=lambda p: bits_per_char(kind, p, held, n_streams=16), eval_at=eval_at,
                on_eval=take_sample)
    final = {temp: prefix + vocab.decode(sample(kind, params, vocab.encode(prefix), sample_len,
                                                np.random.default_rng(seed + 2), temp))
             for temp in TEMPERATURES}
    return {"kind": kind, "eval_steps": out["eval_steps"], "curve": out["evals"],
            "samples": [samples[s] for s in out["eval_steps"]], "bits_per_char": bits_per_char(kind, params, held),
            "final_samples": final, "params": params, "seconds": out["seconds"],
            "cpu_seconds": out["cpu_seconds"], "chars": steps * B * T, "train_loss": out["loss"]}


def main(argv=None) -> None:
    """``python -m unrolled.charlm OUT.json [--steps N] [--hidden H]``: the longer run, stored as data."""
    import argparse
    import json
    import platform
    import sys

    from . import data, ngram
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=LONG["steps"])
    parser.add_argument("--hidden", type=int, default=LONG["H"])
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    config = {**LONG, "steps": args.steps, "H": args.hidden}
    text = data.python_docs_text()
    vocab = data.CharVocabulary(text)
    train_text, held_out_text = data.split_text(text)
    result = {"command": "python -m unrolled.charlm " + " ".join(argv if argv is not None else sys.argv[1:]),
              "python": platform.python_version(), "config": config,
              "corpus": {"chars": len(text), "train": len(train_text), "held_out": len(held_out_text),
                         "vocabulary": len(vocab)},
              "ngram_bits_per_char": {n: ngram.NGram(train_text, n, len(vocab)).bits_per_char(held_out_text)
                                      for n in range(1, 6)},
              "models": {}}
    for kind in args.kinds.split(","):
        r = run(kind, vocab, train_text, held_out_text, **config, n_evals=6)
        result["models"][kind] = {k: r[k] for k in ("eval_steps", "curve", "samples", "bits_per_char",
                                                   "final_samples", "cpu_seconds", "chars")}
        result["models"][kind]["final_samples"] = {str(t): s for t, s in r["final_samples"].items()}
        print(f"{kind}: {r['bits_per_char']:.3f} bits/char after {config['steps']} updates "
              f"({r['cpu_seconds']:.0f} s CPU)", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
