"""Checkers for notebook 07 (long-term memory, measured).

* :data:`check_adding_sequence`: one sequence of the adding problem, input and target,
  from its values and marked steps, in either variant (:func:`unrolled.data.adding_problem`).
* :data:`check_baseline_mse`: the MSE of "always predict the mean" in closed form, for
  values uniform in [a, b] and a target c + k (X1 + X2)
  (:func:`unrolled.data.adding_target_moments`).
* :data:`check_longest_solved`: from a table of finished runs, the longest gap T that each
  model solves (mean over seeds of MSE / baseline below a threshold).

All three follow the contract of :mod:`unrolled.exercises.base`.
"""
from __future__ import annotations

import numpy as np

from .base import Exercise, Mistake, Wrong

# --------------------------------------------------------------------------
# 07.1 one adding-problem sequence and its target
# --------------------------------------------------------------------------

SEQ_CASES = [(71, 12, "hochreiter"), (72, 20, "pascanu"), (73, 30, "hochreiter")]   # (seed, T, variant)


def _seq_case(seed, T, variant):
    rng = np.random.default_rng(seed)
    lo = -1.0 if variant == "hochreiter" else 0.0
    values = rng.uniform(lo, 1.0, T)
    if variant == "hochreiter":
        # the first marker among the first 10 steps, the second after it and before T/2 (never the same step)
        first = int(rng.integers(1, min(10, T // 2 - 1)))      # from 1: "one step early" stays in range
        second = int(rng.integers(first + 1, T // 2))
    else:
        first, second = sorted(int(i) for i in rng.choice(np.arange(1, T), 2, replace=False))
    return values, first, second, variant


def _seq_cases(seed):
    return [_seq_case(s + 1000 * seed, T, v) for s, T, v in SEQ_CASES]


def _sequence(values, first, second, variant, *, offset=0, channels=(0, 1), half=0.5, scale=0.25,
              pascanu_scale=1.0):
    T = len(values)
    x = np.zeros((T, 2))
    x[:, channels[0]] = values
    x[first + offset, channels[1]] = 1.0
    x[second + offset, channels[1]] = 1.0
    total = values[first + offset] + values[second + offset]
    y = half + scale * total if variant == "hochreiter" else pascanu_scale * total
    return {"x": x, "y": np.float64(y)}


def adding_sequence(values, first, second, variant):
    """The library's answer, through the same generator the experiment uses (markers at first, second)."""
    return _sequence(values, first, second, variant)


def _accept_seq(value, args):
    """A pair ``(x, y)`` is read as the dict; any other tuple is named."""
    if isinstance(value, tuple):
        if len(value) == 2 and not isinstance(value[0], dict):
            return {"x": value[0], "y": value[1]}
        return Wrong(f"your answer is a tuple of {len(value)} items; return a dict {{'x': ..., 'y': ...}}")
    return value


def _explain_seq(got, args, expected):
    values, first, second, variant = args
    if np.allclose(got["x"], expected["x"]) and not np.allclose(got["y"], expected["y"]):
        return Wrong(f"x is right, y is not (variant {variant!r}): check the target's formula for this variant")
    if not np.allclose(got["x"][:, 0], values):
        return Wrong("channel 0 of x should carry the values of every step, unchanged")
    markers = np.asarray(got["x"][:, 1])
    marked = int(np.sum(markers != 0))
    if marked != 2:
        return Wrong(f"channel 1 of x marks {marked} step{'s' if marked != 1 else ''}: exactly two steps are marked")
    if not np.all(np.isin(markers, (0.0, 1.0))):
        return Wrong("channel 1 of x is a marker: 1 at a marked step and 0 elsewhere, not the value itself")
    return None


def _other(variant):
    return "pascanu" if variant == "hochreiter" else "hochreiter"


check_adding_sequence = Exercise(
    "07.1 one adding-problem sequence", ("values", "first", "second", "variant"), _seq_cases,
    adding_sequence,
    mistakes=[
        Mistake(lambda v, f, s, var: _sequence(v, f, s, var, offset=-1),
                "the markers and the summed values sit one step early: first and second are 0-based step indices"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, var, channels=(1, 0)),
                "the channels are swapped: channel 0 carries the values, channel 1 the markers"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, var, half=0.0),
                "the Hochreiter-Schmidhuber target is missing its offset: it lies in [0, 1], centred on 1/2"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, var, scale=0.5),
                "the Hochreiter-Schmidhuber sum is divided by 2: the sum of two values in [-1, 1] must "
                "be squeezed into a range of width 1"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, "hochreiter"),
                "the Pascanu variant's target is the plain sum of the two values: the offset and the "
                "scaling belong to the other variant"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, "pascanu"),
                "the Hochreiter-Schmidhuber target is not the plain sum: it is shifted and scaled into [0, 1]"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, _other(var)),
                "the two variants' targets are swapped: each formula belongs to the other variant"),
        Mistake(lambda v, f, s, var: _sequence(v, f, s, var, pascanu_scale=0.5),
                "the Pascanu target is the sum of the two marked values, not their mean"),
    ],
    forbidden=[],
    accept=_accept_seq,
    explain=_explain_seq,
    returns=" (return a dict {'x': array (T, 2), 'y': one number})",
    answered_by=("data.adding_problem",),
)

# --------------------------------------------------------------------------
# 07.2 the baseline's MSE in closed form
# --------------------------------------------------------------------------

BASE_CASES = [(-1.0, 1.0, 0.5, 0.25), (0.0, 1.0, 0.0, 1.0), (0.0, 2.0, 1.0, 0.5), (-3.0, 1.0, 2.0, 2.0)]


def _base_cases(seed):
    return list(BASE_CASES) if seed == 0 else list(BASE_CASES[::-1])


def baseline_mse(a, b, c, k):
    """Var(c + k (X1 + X2)) with X1, X2 independent and uniform in [a, b]: 2 k^2 (b - a)^2 / 12."""
    return float(2 * k * k * (b - a) ** 2 / 12)


def _explain_base(got, args, expected):
    # A factor of 2 on every case is named by the mistakes above; on one case alone it is
    # often a coincidence ((b - a) = 2 unsquared, a stray c = 1/2), so it is not guessed here.
    a, b, c, k = args
    if np.ndim(got) == 0 and float(got) < 0:
        return Wrong("a mean squared error cannot be negative")
    return Wrong(f"for a={a}, b={b}, c={c}, k={k}: the best constant is the target's mean, and its MSE "
                 "is the target's variance; build it from the variance of one uniform value")


check_baseline_mse = Exercise(
    "07.2 the baseline's MSE", ("a", "b", "c", "k"), _base_cases, baseline_mse,
    mistakes=[
        Mistake(lambda a, b, c, k: k * k * (b - a) ** 2 / 12,
                "one value's variance: the target adds two independent values, so their variances add"),
        Mistake(lambda a, b, c, k: 2 * abs(k) * (b - a) ** 2 / 12,
                "k enters squared: scaling a quantity by k scales its variance by k squared"),
        Mistake(lambda a, b, c, k: 4 * k * k * (b - a) ** 2 / 12,
                "that treats X1 + X2 as 2 X1 (perfectly correlated): the two values are independent"),
        Mistake(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 4,
                "the variance of a uniform value on [a, b] has 12 in its denominator, not 4"),
        Mistake(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 12 + c * c,
                "the offset c does not change the error of the best constant: the constant absorbs it"),
        Mistake(lambda a, b, c, k: float(np.sqrt(2 * k * k * (b - a) ** 2 / 12)),
                "that is a standard deviation: the MSE is a squared error"),
        Mistake(lambda a, b, c, k: 2 * k * k * (b - a) / 12,
                "the width b - a of the interval enters the variance squared: a value twice as spread out "
                "has four times the variance"),
        Mistake(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 3,
                "that is the variance of a uniform value on [-(b - a), b - a]: the half-width of [a, b] is "
                "(b - a)/2"),
        Mistake(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 12 + (c + k * (a + b)) ** 2,
                "that is the error of predicting 0 (the mean of the squared target): the best constant is the "
                "target's mean, and its error is what is left around it"),
    ],
    forbidden=["/ 12", "/12"],
    explain=_explain_base,
    returns=" (return one number)",
    answered_by=("data.adding_target_moments", "data.adding_baseline_mse"),
)

# --------------------------------------------------------------------------
# 07.3 the longest gap each model solves, from a table of runs
# --------------------------------------------------------------------------

THRESHOLD = 0.1


def _table(seed, n_kinds, Ts, n_seeds):
    """A synthetic sweep: ``relative[k, j, s]`` (model k, gap Ts[j], seed s) and ``Ts``."""
    rng = np.random.default_rng(seed)
    Ts = np.array(Ts)
    rel = np.empty((n_kinds, len(Ts), n_seeds))
    for k in range(n_kinds):
        edge = int(rng.integers(-1, len(Ts)))          # the last solved index (-1: none)
        for j in range(len(Ts)):
            rel[k, j] = rng.uniform(0.003, 0.06, n_seeds) if j <= edge else rng.uniform(0.7, 1.3, n_seeds)
        if edge + 1 < len(Ts):
            rel[k, edge + 1, 0] = 0.02   # one lucky seed past the edge: the best seed is not the model
        if edge >= 0:
            rel[k, edge, -1] = 0.45      # one failed seed at the edge: the mean counts it, the median not
    return rel, Ts


def _planted(seed):
    """A small table whose every model tells two readings of "solves" apart.

    Model 0: at the middle gap one seed failed (0.4) while the mean stays below 0.1
    (requiring every seed below 0.1 is the wrong test: the mean says solved). Model 1: at
    the shortest gap the median and the geometric mean are below 0.1, the mean is not.
    Model 2: there the median is below 0.1, the geometric mean and the mean are not. By
    the mean, models 1 and 2 solve nothing.
    """
    rng = np.random.default_rng(900 + seed)
    Ts = np.array([5, 15, 30])
    rel = rng.uniform(0.8, 1.2, (3, 3, 5))
    rel[0, :2] = rng.uniform(0.003, 0.02, (2, 5))
    rel[0, 1, 2] = 0.4                                   # mean about 0.09, max 0.4
    rel[1, 0] = [0.003, 0.004, 0.005, 0.6, 0.7]          # mean 0.26, median 0.005, geometric 0.03
    rel[2, 0] = [0.05, 0.08, 0.09, 0.9, 0.95]            # mean 0.41, median 0.09, geometric 0.2
    return rel, Ts


def _longest_cases(seed):
    return [_table(700 + seed, 2, (10, 20, 40), 3), _table(800 + seed, 4, (10, 25, 50, 100, 200), 4),
            _planted(seed)]


def _explain_longest(got, args, expected):
    relative, Ts = args
    got = np.asarray(got)
    if got.shape == expected.shape:
        zero = expected == 0
        if np.any(zero) and np.array_equal(got[~zero], expected[~zero]):
            return Wrong("right where a gap is solved; a model that solves no gap gets 0")
        index = np.arange(len(Ts))
        if np.all(np.isin(got[~zero], index)) and not np.all(np.isin(got[~zero], Ts)):
            return Wrong("those look like positions in Ts: return the gap T itself")
    return None


def longest_solved(relative, Ts, threshold=THRESHOLD, reduce=np.mean):
    """The longest gap each model solves: (K,) ints, 0 where no gap is solved.

    ``relative[k, j, s]`` is the held-out MSE / baseline of model k at gap ``Ts[j]`` with
    seed s; a model solves gap T when the mean over seeds is below ``threshold``.
    """
    solved = reduce(np.asarray(relative, dtype=float), axis=-1) < threshold      # (K, n_T)
    Ts = np.asarray(Ts)
    return np.array([Ts[row].max() if row.any() else 0 for row in solved], dtype=int)


check_longest_solved = Exercise(
    "07.3 the longest gap each model solves", ("relative", "Ts"), _longest_cases, longest_solved,
    mistakes=[
        Mistake(lambda r, Ts: longest_solved(r, Ts, reduce=np.min),
                "you take the best seed: a model solves T when the mean over seeds is below the threshold"),
        Mistake(lambda r, Ts: longest_solved(r, Ts, reduce=np.median),
                "you take the median over seeds: use the mean, so that one failed seed counts"),
        Mistake(lambda r, Ts: longest_solved(r, Ts, reduce=np.max),
                "you require every seed below the threshold: a model solves T when the mean over seeds is "
                "below it, one failed seed among good ones need not undo that"),
        Mistake(lambda r, Ts: longest_solved(np.log(r), Ts, threshold=np.log(THRESHOLD)),
                "you average on a log scale (a geometric mean): use the plain mean over seeds, in which one "
                "failed seed weighs as much as its error"),
        Mistake(lambda r, Ts: np.array([int(np.flatnonzero(row).max()) if row.any() else 0
                                         for row in np.mean(r, axis=-1) < THRESHOLD]),
                "those are positions in Ts: return the gap T itself"),
        Mistake(lambda r, Ts: longest_solved(r, Ts, threshold=1.0),
                "that threshold is 'below the baseline' (ratio 1): solved means 10 times below (ratio < 0.1)"),
        Mistake(lambda r, Ts: np.array([Ts[(np.mean(row, axis=-1) < THRESHOLD)].min()
                                         if (np.mean(row, axis=-1) < THRESHOLD).any() else 0 for row in r]),
                "that is the shortest solved gap: the question is the longest"),
        Mistake(lambda r, Ts: np.array([Ts[int(np.argmax(np.mean(row, axis=-1) >= THRESHOLD)) - 1]
                                         if (np.mean(row, axis=-1) >= THRESHOLD).any() else Ts[-1] for row in r]),
                "no solved gap should read as 0, not as the longest gap of the table (index -1 wraps around)"),
    ],
    forbidden=[],
    explain=_explain_longest,
    returns=" (return an array of ints, one longest T per model, 0 where none is solved)",
)
