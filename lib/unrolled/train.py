"""A small, generic training loop, and sampling with a temperature.

:func:`fit` knows nothing about RNNs. The model is whatever the caller's
``loss_and_grads(params, batch) -> (loss, grads)`` computes (typically a
``sequence.forward`` / ``sequence.backward`` pair with a loss from
``losses``); the loop only does what every notebook would otherwise repeat:

    for step in 1..steps:
        batch = batches(rng)                      # seeded: the same run every time
        loss, grads = loss_and_grads(params, batch)
        grads, norm = clip_global_norm(grads, clip_norm)   # if asked
        optimizer.step(params, grads)             # updates params in place
        every eval_every steps: evaluate(params)  # e.g. held-out loss, accuracy

with a ``tqdm.auto`` progress bar (a widget in JupyterLab, text elsewhere) and
a :class:`History` of everything it saw, for learning curves. A notebook cell
that calls :func:`fit` with ``progress=True`` should carry the
``nbval-ignore-output`` tag and print the numbers it needs in a later cell.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from unrolled import _checks, optim
from unrolled.activations import softmax


@dataclass
class History:
    """What :func:`fit` recorded.

    ``loss[k]`` and ``grad_norm[k]`` belong to step ``k + 1`` (the global
    gradient norm is measured before clipping). ``eval_steps[k]`` is the step
    after which ``evals[k]`` (the dict ``evaluate`` returned) was measured;
    step 0 is before any update. ``seconds`` is the wall time of the loop.
    """
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def metric(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` of one quantity that ``evaluate`` returned."""
        if not self.evals or name not in self.evals[0]:
            have = sorted(self.evals[0]) if self.evals else []
            raise KeyError(f"name: expected one of {have}, got {name!r}")
        return np.array(self.eval_steps), np.array([e[name] for e in self.evals], dtype=float)

    @property
    def last(self) -> dict:
        """The last evaluation (empty if there was none)."""
        return self.evals[-1] if self.evals else {}


def fit(loss_and_grads: Callable[[dict, Any], tuple[float, dict]], params: dict, optimizer,
        batches: Callable[[np.random.Generator], Any], steps: int, *, seed: int = 0,
        clip_norm: float | None = None, evaluate: Callable[[dict], dict] | None = None,
        eval_every: int | None = None, progress: bool = True, desc: str = "training") -> History:
    """Train ``params`` in place for ``steps`` updates; return the :class:`History`.

    Parameters
    ----------
    loss_and_grads : callable
        ``(params, batch) -> (loss, grads)``, ``grads`` a dict with the keys of ``params``.
    params : dict of arrays
        Updated in place by ``optimizer.step(params, grads)``.
    optimizer : object with ``step(params, grads)``
        e.g. ``optim.Adam(lr=1e-2)``.
    batches : callable
        ``batches(rng) -> batch``; ``rng = np.random.default_rng(seed)`` is the
        loop's only source of randomness, so a run is reproducible.
    steps : int
        Number of updates.
    clip_norm : float, optional
        Rescale the gradients to this global norm when they exceed it
        (``optim.clip_global_norm``).
    evaluate : callable, optional
        ``evaluate(params) -> dict of floats``, called before training, every
        ``eval_every`` steps (default: 20 evaluations in all) and after the last step.
        ``eval_every`` without ``evaluate`` is refused (it would do nothing).
    progress : bool
        Show a ``tqdm.auto`` progress bar with the running loss.

    A loss or gradient that is NaN or infinite stops the loop with a
    ``FloatingPointError`` naming the step.
    """
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params: expected a non-empty dict of arrays, got {type(params).__name__}")
    if not callable(loss_and_grads) or not callable(batches):
        raise TypeError("loss_and_grads, batches: expected callables")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer: expected an object with step(params, grads), got {type(optimizer).__name__}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps: expected a positive integer, got {steps}")
    if evaluate is not None and not callable(evaluate):
        raise TypeError(f"evaluate: expected a function of params returning a dict, got {type(evaluate).__name__}")
    if eval_every is not None and evaluate is None:
        raise ValueError(f"eval_every: expected None without an evaluate function (nothing to "
                         f"evaluate), got {eval_every!r}")
    if clip_norm is not None:
        clip_norm = _checks.positive_number("clip_norm", clip_norm)
    if eval_every is None:
        eval_every = max(1, steps // 20)
    if int(eval_every) != eval_every or eval_every < 1:
        raise ValueError(f"eval_every: expected a positive integer, got {eval_every}")
    rng = np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()

    def record(step):
        if evaluate is not None:
            history.eval_steps.append(step)
            history.evals.append({k: float(v) for k, v in evaluate(params).items()})

    record(0)
    bar = tqdm(range(1, steps + 1), desc=desc, disable=not progress, leave=True, mininterval=0.2)
    for step in bar:
        loss, grads = loss_and_grads(params, batches(rng))
        loss = float(loss)
        norm = optim.global_norm(grads)
        if not (np.isfinite(loss) and np.isfinite(norm)):
            bar.close()
            raise FloatingPointError(f"step {step}: the loss or a gradient became NaN or infinite "
                                     "(try a smaller learning rate or clip_norm)")
        if clip_norm is not None:
            grads, _ = optim.clip_global_norm(grads, clip_norm)
        optimizer.step(params, grads)
        history.loss.append(loss)
        history.grad_norm.append(norm)
        if step % eval_every == 0 or step == steps:
            record(step)
        if step == steps:
            # The finished bar keeps the count and the loss but not the timings, so a
            # stored notebook is the same on every run (history.seconds has the time).
            bar.bar_format = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"
        if step % 10 == 0 or step == steps:
            bar.set_postfix(loss=f"{np.mean(history.loss[-10:]):.3f}", refresh=False)
    bar.close()
    history.seconds = time.perf_counter() - start
    return history


def sample(logits, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
    """Draw one index per row from ``softmax(logits / temperature)``.

    logits: ``(..., V)``. ``temperature < 1`` sharpens the distribution (towards
    the argmax, which ``temperature = 0`` returns exactly), ``> 1`` flattens it.
    Returns integer indices of shape ``logits.shape[:-1]``.
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim < 1 or logits.shape[-1] < 1:
        raise ValueError(f"logits: expected shape (..., V) with V >= 1, got {logits.shape}")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature: expected a finite number >= 0, got {temperature}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected np.random.Generator, got {type(rng).__name__}")
    if temperature == 0:
        return np.argmax(logits, axis=-1)
    with np.errstate(over="ignore"):   # a tiny temperature sends the non-maximal logits to -inf: fine
        p = softmax((logits - logits.max(axis=-1, keepdims=True)) / temperature)
    u = rng.random(logits.shape[:-1] + (1,))
    return np.minimum((np.cumsum(p, axis=-1) < u).sum(axis=-1), logits.shape[-1] - 1)
