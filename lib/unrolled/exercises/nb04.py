"""Checkers for notebook 04 (vanishing and exploding gradients).

* :data:`check_single_neuron_bound`: the sharpest bound on |dh^(t)/dx^(t-k)| for
  one neuron (001; :func:`unrolled.dynamics.single_neuron_bound`).
* :data:`check_jacobian_product`: dh_T/dh_0 as a product of Jacobians
  (:func:`unrolled.dynamics.jacobian_product`).
* :data:`check_clip_global_norm`: clipping by the global norm
  (:func:`unrolled.optim.clip_global_norm`).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .. import dynamics, optim
from .base import Exercise, Mistake, Wrong

GAMMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}

# (activation, w_hh, w_hx, k): negative weights and odd k on purpose, where the
# note's version without |w_hx| and a signless answer part ways with the truth
BOUND_CASES = [(act, w_hh, w_hx, k)
               for act in ("tanh", "sigmoid", "relu")
               for w_hh, w_hx in ((0.9, 1.5), (-1.2, 0.7), (0.5, -2.0), (-0.8, -0.6))
               for k in (0, 1, 3, 6)]


def _bound_cases(seed):
    cases = list(BOUND_CASES)
    np.random.default_rng(seed).shuffle(cases)
    return cases


def _bound_answer(activation, w_hh, w_hx, k):
    return float(dynamics.single_neuron_bound(activation, w_hh, w_hx, k))


check_single_neuron_bound = Exercise(
    "04.1 single-neuron bound", ("activation", "w_hh", "w_hx", "k"), _bound_cases, _bound_answer,
    mistakes=[
        Mistake(lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * abs(w_hh) ** k * w_hx,
                "w_hx needs an absolute value too: a bound on a size cannot be negative, and yours is "
                "when w_hx < 0"),
        Mistake(lambda a, w_hh, w_hx, k: abs(w_hh) ** k * w_hx,
                "this is 001's statement word for word: w_hx needs an absolute value, and the sigmoid's "
                "derivative is smaller than 1 (notebook 00 computed how small)"),
        Mistake(lambda a, w_hh, w_hx, k: abs(w_hh) ** k * abs(w_hx),
                "right for tanh and ReLU, but the sigmoid's derivative is at most 1/4, and there is one "
                "such factor for every activation on the path"),
        Mistake(lambda a, w_hh, w_hx, k: GAMMA[a] ** k * abs(w_hh) ** k * abs(w_hx),
                "count the derivatives: the chain from x^(t-k) to h^(t) passes one more activation "
                "than it has recurrent weights"),
        Mistake(lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * abs(w_hh) ** (k + 1) * abs(w_hx),
                "one w_hh too many: count the recurrent steps between x^(t-k) and h^(t)"),
        Mistake(lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * w_hh ** k * abs(w_hx),
                "w_hh needs an absolute value: with w_hh < 0 and odd k your bound is negative"),
    ],
    forbidden=["|w_hh|^k |w_hx|", "gamma^(k+1) |", "(1/4)^(k+1)"],
    returns=" (return one number, the bound)",
    answered_by=('dynamics.single_neuron_bound',),
)


def _jacobian_cases(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 0.7, (H, H)),              # not symmetric: W and W^T differ
             rng.uniform(0.1, 1.0, (T, H)))           # distinct per step: the order matters
            for H, T in ((4, 5), (3, 3), (5, 4))]


def _product(factors, H):
    M = np.eye(H)
    for F in factors:
        M = M @ F
    return M


def _shifted(fp):
    return np.vstack([np.ones((1, fp.shape[1])), fp[:-1]])


check_jacobian_product = Exercise(
    "04.2 dh_T/dh_0 as a product of Jacobians", ("W", "fprimes"), _jacobian_cases, dynamics.jacobian_product,
    mistakes=[
        Mistake(lambda W, fp: dynamics.jacobian_product(W, fp).T,
                "you built the transpose: that is the layout of a backward pass (003 writes it so), but "
                "row p of dh_T/dh_0 holds the derivatives of h_T[p]"),
        Mistake(lambda W, fp: _product([f[:, None] * W for f in fp], len(W)),
                "the order is reversed: which Jacobian touches h_0 first, and which side does it "
                "multiply from?"),
        Mistake(lambda W, fp: _product(reversed([W * f[None, :] for f in fp]), len(W)),
                "diag(f') is on the wrong side of W: f' scales the units of h_j, the result of the product "
                "with W"),
        Mistake(lambda W, fp: np.linalg.matrix_power(W, len(fp)),
                "the activation derivatives are missing: every step has its own f'"),
        Mistake(lambda W, fp: _product(reversed([f[:, None] * W for f in _shifted(fp)]), len(W)),
                "off by one step: each Jacobian uses f' at the pre-activation of its own step "
                "(003's garbled 'f'(j_(j-1))' invites this slip)"),
        Mistake(lambda W, fp: _product(reversed([f[:, None] * W for f in fp[:-1]]), len(W)),
                "one step is missing: there is one Jacobian per step, T of them"),
    ],
    forbidden=["diag(f'(a_T)) W ...", "J_T J_(T-1) ... J_1", "J_j = diag(f'(a_j)) W"],
    returns=" (return dh_T/dh_0, an array of shape (H, H))",
    answered_by=('dynamics.jacobian_product',),
)


def _clip_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for H, D, max_norm in ((3, 2, 5.0), (2, 3, 1e6), (4, 1, 2.0)):    # the second must not be touched
        grads = {"W_hh": rng.normal(0, 30, (H, H)), "W_hx": rng.normal(0, 30, (H, D)), "b_h": rng.normal(0, 30, H)}
        cases.append((grads, max_norm))
    return cases


def _global_norm(grads):
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))


def _accept_clip(value, args):
    """The library returns ``(clipped, norm)``; accept that too, with the norm before clipping."""
    if not isinstance(value, tuple):
        return value
    if len(value) == 2 and isinstance(value[0], dict) and np.ndim(value[1]) == 0 \
            and isinstance(value[1], (int, float, np.integer, np.floating)):
        if not np.isclose(float(value[1]), _global_norm(args[0]), rtol=1e-7):
            return Wrong("your answer is a tuple (clipped, norm), as optim.clip_global_norm returns; then "
                         "norm must be the global norm of the gradient before clipping, and yours is not")
        return value[0]
    return Wrong(f"your answer is a tuple of {len(value)} items; return the clipped dict "
                 "(or the pair (clipped, norm), as optim.clip_global_norm does)")


check_clip_global_norm = Exercise(
    "04.3 clipping by global norm", ("grads", "max_norm"), _clip_cases,
    lambda grads, max_norm: optim.clip_global_norm(grads, max_norm)[0],
    mistakes=[
        Mistake(lambda g, m: optim.clip_elementwise(g, m),
                "that is elementwise clipping: every entry is capped separately, which changes the direction"),
        Mistake(lambda g, m: {k: v * min(1.0, m / np.linalg.norm(v)) for k, v in g.items()},
                "each array is clipped by its own norm: the arrays then shrink by different factors and the "
                "direction of the whole gradient changes; one norm covers every entry of every array"),
        Mistake(lambda g, m: {k: v * min(1.0, m / _global_norm(g) ** 2) for k, v in g.items()},
                "the factor uses the squared norm: a norm is the square root of the sum of squares"),
        Mistake(lambda g, m: {k: v * (m / _global_norm(g)) for k, v in g.items()},
                "a gradient already shorter than max_norm must be left as it is; yours is stretched"),
        Mistake(lambda g, m: {k: v * max(1.0, m / _global_norm(g)) for k, v in g.items()},
                "the long gradient was not shortened: the factor may only shrink a gradient"),
    ],
    forbidden=["min(1, max_norm / ||g||)", "max_norm / norm"],
    accept=_accept_clip,
    returns=" (return a new dict with the same keys, each array rescaled)",
    answered_by=('optim.clip_global_norm',),
)
