"""Checkers for notebook 04 (vanishing and exploding gradients).

* :data:`check_single_neuron_bound`: the sharpest bound on |dh^(t)/dx^(t-k)| for
  one neuron (001; :func:`unrolled.dynamics.single_neuron_bound`).
* :data:`check_jacobian_product`: dh_T/dh_0 as a product of Jacobians
  (:func:`unrolled.dynamics.jacobian_product`).
* :data:`check_pascanu_verdict` (04.3): what the conditions of Pascanu et al. decide
  from ``W`` and the activation (:func:`unrolled.dynamics.pascanu_verdict`).
* :data:`check_clip_global_norm` (04.4): clipping by the global norm
  (:func:`unrolled.optim.clip_global_norm`).

All four follow the contract of :mod:`unrolled.exercises.base`.
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
        Mistake(lambda a, w_hh, w_hx, k: (0.5 if a == "sigmoid" else 1.0) ** (k + 1) * abs(w_hh) ** k * abs(w_hx),
                "the sigmoid's largest slope is not 1/2: sigmoid'(a) = s(1 - s), and a product s(1 - s) of "
                "two numbers that add up to 1 is largest when both are 1/2"),
        Mistake(lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * abs(w_hh) ** k,
                "w_hx is missing: x^(t-k) enters the unit through w_hx before it travels the k steps"),
        Mistake(lambda a, w_hh, w_hx, k: 0.25 ** (k + 1) * abs(w_hh) ** k * abs(w_hx),
                "1/4 is the sigmoid's largest slope, not tanh's or ReLU's: tanh'(0) = 1 - tanh(0)^2 = 1, "
                "and ReLU's slope is 1 wherever the unit is on"),
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
        Mistake(lambda W, fp: _product(reversed([f[:, None] * W for f in fp[1:]]), len(W)),
                "one step is missing: there is one Jacobian per step, T of them, the first step's included"),
        Mistake(lambda W, fp: _product(reversed([f[:, None] * W.T for f in fp]), len(W)),
                "W is transposed inside each factor: h_j[p] depends on h_(j-1)[q] through W[p, q], so row p "
                "of a step's Jacobian is row p of W, scaled"),
        Mistake(lambda W, fp: W @ dynamics.jacobian_product(W, fp),
                "one W too many: each step contributes one W, and there are T steps"),
        Mistake(lambda W, fp: dynamics.jacobian_product(W, fp) @ W,
                "one W too many: each step contributes one W, and there are T steps"),
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
    # a zero gradient (a loss at its minimum, a dead network): already short, it stays zero
    cases.append(({"W_hh": np.zeros((2, 2)), "W_hx": np.zeros((2, 1)), "b_h": np.zeros(2)}, 1.0))
    return cases


def _global_norm(grads):
    return np.float64(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))   # 1/0 is inf, not an error


#: what a NaN array of the zero-gradient case is read as: a value no right answer has, so
#: that a mistake elsewhere is still recognised (its own 0/0 gives the same) and
#: :func:`_explain_clip` can name the division by zero
NAN_MARK = -12345.0


def _marked(value):
    """``value`` with every float array that contains NaN replaced by ``NAN_MARK``."""
    if not isinstance(value, dict):
        return value
    with np.errstate(all="ignore"):
        return {k: np.full(np.shape(v), NAN_MARK)
                if isinstance(v, np.ndarray) and v.dtype.kind == "f" and np.isnan(v).any() else v
                for k, v in value.items()}


def _accept_clip(value, args):
    """The library returns ``(clipped, norm)``; accept that too, with the norm before clipping.

    For the zero gradient a NaN answer (``max_norm / 0``, then ``0 * inf``) is read as
    ``NAN_MARK`` and named by :func:`_explain_clip`.
    """
    if isinstance(value, tuple):
        if len(value) == 2 and isinstance(value[0], dict) and np.ndim(value[1]) == 0 \
                and isinstance(value[1], (int, float, np.integer, np.floating)):
            if not np.isclose(float(value[1]), _global_norm(args[0]), rtol=1e-7):
                return Wrong("your answer is a tuple (clipped, norm), as optim.clip_global_norm returns; then "
                             "norm must be the global norm of the gradient before clipping, and yours is not")
            value = value[0]
        else:
            return Wrong(f"your answer is a tuple of {len(value)} items; return the clipped dict "
                         "(or the pair (clipped, norm), as optim.clip_global_norm does)")
    return _marked(value) if _global_norm(args[0]) == 0 else value


def _explain_clip(got, args, expected):
    if _global_norm(args[0]) == 0 and any(np.any(v == NAN_MARK) for v in got.values()):
        return Wrong("for a zero gradient your answer contains NaN: its norm is 0, and dividing by it gives "
                     "0/0; a zero gradient is already short enough and must come back unchanged")
    return None


def _clip_mistake(fn):
    """A mistake as the reader's answer would be read (NaN for the zero gradient marked)."""
    def compute(g, m):
        with np.errstate(all="ignore"):
            out = fn(g, m)
        return _marked(out) if _global_norm(g) == 0 else out
    return compute


check_clip_global_norm = Exercise(
    "04.4 clipping by global norm", ("grads", "max_norm"), _clip_cases,
    lambda grads, max_norm: optim.clip_global_norm(grads, max_norm)[0],
    mistakes=[
        Mistake(_clip_mistake(lambda g, m: optim.clip_elementwise(g, m)),
                "that is elementwise clipping: every entry is capped separately, which changes the direction"),
        Mistake(_clip_mistake(lambda g, m: {k: v * min(1.0, m / np.linalg.norm(v)) for k, v in g.items()}),
                "each array is clipped by its own norm: the arrays then shrink by different factors and the "
                "direction of the whole gradient changes; one norm covers every entry of every array"),
        Mistake(_clip_mistake(lambda g, m: {k: v * min(1.0, m / _global_norm(g) ** 2) for k, v in g.items()}),
                "the factor uses the squared norm: a norm is the square root of the sum of squares"),
        Mistake(_clip_mistake(lambda g, m: {k: v * (m / _global_norm(g)) for k, v in g.items()}),
                "a gradient already shorter than max_norm must be left as it is; yours is stretched"),
        Mistake(_clip_mistake(lambda g, m: {k: v * max(1.0, m / _global_norm(g)) for k, v in g.items()}),
                "the long gradient was not shortened: the factor may only shrink a gradient"),
        Mistake(_clip_mistake(lambda g, m: {k: v * min(1.0, m / sum(np.sum(np.abs(x)) for x in g.values()))
                                            for k, v in g.items()}),
                "that is the sum of absolute values (an L1 norm); the global norm is the square root of "
                "the sum of squares of every entry"),
    ],
    forbidden=["min(1, max_norm / ||g||)", "max_norm / norm"],
    accept=_accept_clip,
    explain=_explain_clip,
    returns=" (return a new dict with the same keys, each array rescaled)",
    answered_by=('optim.clip_global_norm',),
)


VERDICT_CODES = {verdict: code for code, verdict in dynamics.PASCANU_VERDICTS.items()}


def _pascanu_cases(seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(4)
    cases = [
        (dynamics.non_normal_matrix(6, 0.8, rng, coupling=1.0), "tanh"),   # rho < 1 < sigma_max
        (dynamics.normal_matrix(5, 3.0, rng), "sigmoid"),                   # 3 < 4: vanishing
        (dynamics.normal_matrix(4, 1.0, rng), "tanh"),                      # sigma_max = 1 up to rounding
        (dynamics.matrix_with_singular_values(np.array([2.5, 1.0, 0.3]), rng), "relu"),
        (dynamics.matrix_with_singular_values(np.array([0.9, 0.5, 0.2, 0.1, 0.05]), rng), "linear"),
        (dynamics.matrix_with_singular_values(np.array([4.8, 0.7, 0.1]), rng), "sigmoid"),
        (dynamics.matrix_with_singular_values(np.array([1.5, 0.4]), rng), "sigmoid"),
    ]
    return [cases[i] for i in perm] + cases[4:]


def _pascanu_answer(W, activation):
    return float(VERDICT_CODES[dynamics.pascanu_verdict(W, activation)])


def _side(a, b):
    """-1, 0, 1 as a is below, at (within dynamics.RTOL) or above b: the reader's comparison."""
    return 0.0 if np.isclose(a, b, rtol=dynamics.RTOL, atol=dynamics.ATOL) else float(np.sign(a - b))


def _accept_verdict(value, args):
    """The answer is one of the three strings, compared as its code -1, 0, 1
    (:data:`unrolled.dynamics.PASCANU_VERDICTS`); a number is read as that code."""
    if not isinstance(value, str):
        return value
    code = VERDICT_CODES.get(value.strip().lower())
    if code is None:
        return Wrong(f"your answer is the string {value[:40]!r}; return one of "
                     f"{', '.join(repr(v) for v in VERDICT_CODES)}")
    return float(code)


def _explain_verdict(got, args, expected):
    """A verdict is a word, not a size: say which word was given where another was due."""
    W, activation = args
    try:
        said = f"{dynamics.PASCANU_VERDICTS[int(got)]!r}"
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return Wrong(f"for a W of shape {np.shape(W)} with activation {activation!r} you answered {said}, "
                 "and the conditions decide otherwise: compute sigma_max(W) and compare it with 1/gamma "
                 "for this activation")


check_pascanu_verdict = Exercise(
    "04.3 vanishing or exploding, from W and the activation", ("W", "activation"), _pascanu_cases,
    _pascanu_answer,
    mistakes=[
        Mistake(lambda W, a: _side(dynamics.spectral_radius(W), 1 / GAMMA.get(a, 1.0)),
                "you compared the spectral radius: it decides only the long-run rate of a linear "
                "recurrence; a bound on every product needs the largest singular value (section 5)"),
        Mistake(lambda W, a: _side(dynamics.largest_singular_value(W), 1.0),
                "the threshold is not 1 for every activation: the bound multiplies sigma_max by the "
                "activation's largest slope gamma"),
        Mistake(lambda W, a: _side(dynamics.largest_singular_value(W), 2.0 if a == "sigmoid" else 1.0),
                "the sigmoid's gamma is not 1/2: its slope s(1 - s) is largest at s = 1/2"),
        Mistake(lambda W, a: float(np.sign(dynamics.largest_singular_value(W) * GAMMA.get(a, 1.0) - 1.0)),
                "a matrix scaled to have sigma_max = 1 computes it as 1.0000000000000002: that is the "
                "boundary, not above it; compare computed floats with a tolerance (np.isclose)"),
        Mistake(lambda W, a: _side(np.max(np.abs(W)) * GAMMA.get(a, 1.0), 1.0),
                "the largest entry of W is not its largest singular value (np.linalg.norm(W, 2) is)"),
        Mistake(lambda W, a: _side(np.linalg.norm(W) * GAMMA.get(a, 1.0), 1.0),
                "np.linalg.norm(W) without ord=2 is the Frobenius norm, the root of the sum of all squared "
                "singular values: larger than the largest one (np.linalg.norm(W, 2))"),
        Mistake(lambda W, a: -_side(dynamics.largest_singular_value(W) * GAMMA.get(a, 1.0), 1.0),
                "the two verdicts are swapped: sigma_max below 1/gamma makes every Jacobian shrink the "
                "gradient (vanishing), above it allows growth"),
    ],
    forbidden=["sigma_max < 1 / gamma", "np.linalg.norm(W, 2) < 1"],
    accept=_accept_verdict,
    explain=_explain_verdict,
    returns=" (return 'vanishing', 'exploding possible' or 'undecided')",
    answered_by=("dynamics.pascanu_verdict", "dynamics.pascanu_conditions"),
)
