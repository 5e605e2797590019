"""The one contract every exercise checker follows, and the machinery that keeps it.

A checker is an :class:`Exercise`: called with the reader's function, it prints
one line and returns a :class:`Verdict` whose ``status`` is

* ``"not attempted"``: the stub still raises ``NotImplementedError`` or returns None;
* ``"correct"``: the function agrees with the library on every case;
* ``"wrong"``: with a diagnosis of what is wrong.

The contract (``tests/test_exercises_contract.py`` checks it for every checker
it finds in ``unrolled.exercises.nbNN``, so a new checker is covered as soon as
it exists):

1. **Never raises.** Whatever the reader's function returns (a str, a dict, an
   int, a tuple, a list, complex numbers, NaN, the wrong shape) or raises, the
   answer is a Verdict that names what came back and what was expected
   instead: its kind and shape, never its value.
2. **Copies in, mutation out.** The function receives deep copies of the
   inputs; an answer that changes an input in place is wrong, and the verdict
   names the argument.
3. **Several cases of different sizes.** At least two cases, whose inputs differ
   in shape (or, for scalar inputs, in value) and whose answers differ, so a
   value copied from one run fails the next.
4. **Named mistakes.** ``mistakes`` lists the usual slips of the exercise (a
   sign, a transpose, an off-by-one, a dropped factor, a missing
   normalisation), each as ``Mistake(what it computes, the message naming it)``.
   An answer that reproduces one on every case gets that message.
5. **Diagnose, never answer.** A message may say which term is wrong and hint
   where to look; it never prints the correct formula or the correct value.
   ``forbidden`` lists strings (the formula as code) that no verdict may contain.

Writing a checker (in ``unrolled/exercises/nbNN.py``, called from the notebook
as ``nbNN.check_thing(thing)``)::

    def _cases(seed):
        rng = np.random.default_rng(seed)
        return [(rng.normal(size=(B, D)), rng.normal(size=(H, D))) for B, D, H in ((3, 4, 5), (2, 3, 2))]

    check_thing = Exercise(
        "05.1 the thing", ("x", "W"), _cases, layers.thing,
        mistakes=[Mistake(lambda x, W: x @ W, "W is transposed: rows of W belong to outputs"),
                  Mistake(lambda x, W: -(x @ W.T), "the sign is flipped: ...")],
        forbidden=["x @ W.T"],
        returns=" (return an array of shape (B, H))",
        answered_by=("layers.thing",))

``cases(seed)`` returns a list of argument tuples; ``answer(*args)`` is the
library's value for one case (an array, a float, a list of ints or a dict of
arrays; the reader's return value is read as the same kind). Optional hooks:
``accept(value, args)`` turns a return value the library itself would give
(e.g. a ``(belief, c)`` tuple) into the part that is checked, or returns a
:class:`Wrong`; ``explain(got, args, expected)`` names a mistake that is
easier to recognise by a property than by a formula. ``returns`` is appended
to a message about the kind or shape of the return value; ``rtol``/``atol`` are
the tolerances of the comparison. ``answered_by`` names the library functions
that answer the exercise, as a notebook spells them (``"hmm.forward_step"``):
the rules of :mod:`unrolled.exercises.rules` forbid a ``show()`` of one before
the exercise, and ``make student`` drops the cell (tagged ``answer``) that
shows one after it.

**Strict mode, for an autograder.** ``check(fn, strict=True)`` is the one
exception to rule 1, asked for explicitly: an answer that is not correct
(wrong, or not attempted) raises ``AssertionError`` whose message is the
verdict, diagnosis included, so a test cell that fails costs its points (the
nbgrader assignments of ``make assignments`` call the checkers this way). A
correct answer prints its verdict and returns it, as without ``strict``. The
checker itself never raises otherwise: whatever the answer, the verdict is
found first, in the same way.
"""
from __future__ import annotations

import copy
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

NOT_ATTEMPTED = "not attempted"
CORRECT = "correct"
WRONG = "wrong"


@dataclass(frozen=True)
class Verdict:
    """The checker's answer: ``status`` is "not attempted", "correct" or "wrong"."""
    exercise: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        head = f"[{self.exercise}] {self.status}"
        return f"{head}: {self.message}" if self.message else head

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


@dataclass(frozen=True)
class Mistake:
    """A usual slip: ``compute(*args)`` is what it returns, ``message`` names it (no formula)."""
    compute: Callable
    message: str


@dataclass(frozen=True)
class Wrong:
    """Returned by an ``accept`` or ``explain`` hook: the answer is wrong, and this says why."""
    message: str


def report(verdict: Verdict) -> Verdict:
    """Print the verdict in one line and return it (so a cell can assert on it)."""
    print(verdict)
    return verdict


# ----------------------------------------------------------------- reading a return value

def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, (tuple, list, dict)):
        return f"a {type(value).__name__} of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str):
        return "a str"
    return _a(type(value).__name__)


def _expected_kind(expected) -> str:
    if isinstance(expected, dict):
        return f"a dict with the keys {sorted(expected)}"
    if isinstance(expected, list):
        return "a list of step indices (ints)"
    if isinstance(expected, float):
        return "one real number"
    expected = np.asarray(expected)
    what = "integers" if expected.dtype.kind in "iu" else "real numbers"
    return f"a numpy array of {what} with shape {expected.shape}"


def _numbers(value, expected_shape, name: str) -> np.ndarray | Wrong:
    """``value`` as a real float array, or a Wrong naming why it cannot be one."""
    if isinstance(value, (str, bytes, dict, set)) or callable(value):
        return Wrong(f"{name} is {_kind(value)}")
    if isinstance(value, (bool, np.bool_)):
        return Wrong(f"{name} is a bool (True/False), not a number")
    if isinstance(value, tuple) and len(value) > 1 and any(np.ndim(v) > 0 for v in value):
        return Wrong(f"{name} is a tuple of {len(value)} items; return one array, not a tuple")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(value)
    except Exception:                    # a ragged list, an object numpy cannot read
        return Wrong(f"{name} is {_kind(value)} that cannot be read as an array of numbers")
    if isinstance(value, tuple) and arr.shape != tuple(expected_shape):
        return Wrong(f"{name} is a tuple of {len(value)} items; return one "
                     f"{'number' if not expected_shape else 'array'}, not a tuple")
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        return Wrong(f"{name} is {_kind(value)} that cannot be read as an array of numbers")
    if arr.dtype.kind == "c":
        return Wrong(f"{name} has complex numbers (dtype {arr.dtype}): the answer is real; a complex value "
                     "usually comes from a square root or log of a negative number, or from np.linalg.eig")
    if arr.dtype.kind == "b":
        return Wrong(f"{name} is an array of bools, not of numbers")
    if arr.shape != tuple(expected_shape):
        hint = ""
        if arr.ndim == 0 and expected_shape:
            hint = " (one number where an array is expected)"
        elif arr.ndim == 2 and arr.shape == tuple(expected_shape)[::-1]:
            hint = " (the transposed shape)"
        elif arr.size == int(np.prod(expected_shape)):
            hint = " (the right number of entries, arranged differently)"
        want = "one number" if not expected_shape else str(tuple(expected_shape))
        return Wrong(f"{name} has shape {arr.shape}, expected {want}{hint}")
    if np.isnan(arr).any():
        return Wrong(f"{name} contains NaN (look for 0/0, inf - inf or the log of a negative number)")
    if np.isinf(arr).any():
        return Wrong(f"{name} contains inf (look for a division by zero or an overflowing exp)")
    return arr


def read(value, expected, name: str = "your answer"):
    """The reader's ``value`` in the form of ``expected``, or a :class:`Wrong` saying why not.

    ``expected`` is a numpy array (read as a real array of the same shape), a
    float (one real number), a list of ints (a list of indices, any order), or a
    dict of arrays (the same keys, each read like an array).
    """
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            return Wrong(f"{name} is {_kind(value)}; expected {_expected_kind(expected)}")
        if set(value) != set(expected):
            return Wrong(f"{name} has the keys {sorted(map(str, value))}; expected {sorted(expected)}")
        out = {}
        for key, exp in expected.items():
            got = read(value[key], exp, f"{name}[{key!r}]")
            if isinstance(got, Wrong):
                return got
            out[key] = got
        return out
    if isinstance(expected, list):
        if isinstance(value, (str, bytes, dict)) or np.ndim(value) != 1 and not isinstance(value, (list, tuple, range)):
            return Wrong(f"{name} is {_kind(value)}; expected {_expected_kind(expected)}")
        items = list(value)
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) for s in items):
            bad = next(s for s in items if not isinstance(s, (int, np.integer)) or isinstance(s, (bool, np.bool_)))
            return Wrong(f"{name} is {_kind(value)} with {_kind(bad)} among its items ({bad!r}); "
                         "a step is an int index")
        return sorted(int(s) for s in items)
    if isinstance(expected, float):
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())
        arr = _numbers(value, (), name)
        return arr if isinstance(arr, Wrong) else float(arr)
    expected = np.asarray(expected)
    arr = _numbers(value, expected.shape, name)
    if isinstance(arr, Wrong):
        return arr
    if expected.dtype.kind in "iu":
        if arr.dtype.kind == "f" and not np.array_equal(arr, np.round(arr)):
            return Wrong(f"{name} has fractions; expected whole numbers (indices)")
        return arr.astype(int)
    return arr.astype(float)


def agree(got, expected, rtol: float, atol: float) -> bool:
    """Whether two read answers (arrays, floats, lists, dicts of arrays) are equal to tolerance."""
    try:
        if isinstance(expected, dict):
            return isinstance(got, dict) and set(got) == set(expected) and all(
                agree(got[k], expected[k], rtol, atol) for k in expected)
        if isinstance(expected, list):
            return isinstance(got, list) and got == list(expected)
        got_arr, exp_arr = np.asarray(got), np.asarray(expected)
        if got_arr.shape != exp_arr.shape or got_arr.dtype.kind not in "biuf":
            return False
        return bool(np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol))
    except Exception:
        return False


def _difference(got, expected) -> str:
    """How a read answer differs from the right one, without giving the right one away."""
    if isinstance(expected, dict):
        wrong = [k for k in expected if not agree(got[k], expected[k], 1e-7, 1e-10)]
        return f"{', '.join(map(repr, wrong))} {'is' if len(wrong) == 1 else 'are'} wrong"
    if isinstance(expected, list):
        extra = sorted(set(got) - set(expected))
        if extra:
            return f"your list includes step {extra[0]}, which is not reached"
        return "your list misses a step that is reached"
    if isinstance(expected, float):
        return f"your value is too {'large' if got > expected else 'small'}"
    got, expected = np.asarray(got), np.asarray(expected)
    off = ~np.isclose(got, expected, rtol=1e-7, atol=1e-10)
    return f"{int(off.sum())} of the {off.size} entries are wrong"


def _same_input(before, after) -> bool:
    try:
        if isinstance(before, dict):
            return isinstance(after, dict) and set(before) == set(after) and all(
                _same_input(before[k], after[k]) for k in before)
        if isinstance(before, np.ndarray):
            return (isinstance(after, np.ndarray) and after.shape == before.shape
                    and bool(np.array_equal(before, after, equal_nan=True)))
        return bool(before == after)
    except Exception:
        return False


def _describe(args, names) -> str:
    parts = []
    for n, a in zip(names, args):
        if isinstance(a, np.ndarray):
            parts.append(f"{n} of shape {a.shape}")
        elif isinstance(a, dict):
            shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in a.items())
            parts.append(f"{n} = {{{shapes}}}")
        elif isinstance(a, (int, float, str, np.integer, np.floating)):
            parts.append(f"{n}={a!r}" if not isinstance(a, np.generic) else f"{n}={a.item()!r}")
    return ", ".join(parts)


# ----------------------------------------------------------------- the checker

@dataclass
class Exercise:
    """One exercise's checker; call it with the reader's function (see the module docstring)."""
    name: str
    arg_names: Sequence[str]
    cases: Callable[[int], list]
    answer: Callable
    mistakes: Sequence[Mistake] = ()
    forbidden: Sequence[str] = ()
    accept: Callable | None = None
    explain: Callable | None = None
    rtol: float = 1e-7
    atol: float = 1e-10
    returns: str = ""
    answered_by: Sequence[str] = ()

    def __call__(self, fn, seed: int = 0, *, strict: bool = False) -> Verdict:
        try:
            verdict = self._check(fn, seed)
        except Exception as exc:    # the contract: never raise, even on an answer nobody foresaw
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            verdict = Verdict(self.name, WRONG, f"the checker could not read your answer ({last})")
        verdict = self._scrub(verdict)
        if strict and not verdict.correct:      # an autograder's test cell: the verdict is the error
            raise AssertionError(str(verdict))
        return report(verdict)

    def _scrub(self, verdict: Verdict) -> Verdict:
        for text in self.forbidden:
            if text in verdict.message:     # a message that would give the answer away is not shown
                return Verdict(verdict.exercise, verdict.status, "(hint withheld: it would give the answer)")
        return verdict

    def _wrong(self, message: str) -> Verdict:
        return Verdict(self.name, WRONG, message)

    def _call(self, fn, args):
        """``(value, None)`` or ``(None, Verdict)``: the reader's fn on deep copies of ``args``."""
        copies = copy.deepcopy(args)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = fn(*copies)
        except NotImplementedError:
            return None, Verdict(self.name, NOT_ATTEMPTED, "replace the `raise NotImplementedError` with your code")
        except Exception as exc:     # the reader's code failed: show their error, not the checker's
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return None, self._wrong(f"your function raised {last}")
        changed = [n for n, a, c in zip(self.arg_names, args, copies) if not _same_input(a, c)]
        if changed:
            return None, self._wrong(f"your function changed its input {', '.join(changed)} in place "
                                     "(an `+=`, `*=` or `x[...] = ` on an argument); compute a new array instead")
        return value, None

    def _check(self, fn, seed: int) -> Verdict:
        if not callable(fn):
            return self._wrong(f"expected your function, got {_kind(fn)}: pass the function itself, "
                               "`check(my_function)`, not the result of calling it")
        cases = self.cases(seed)
        if len(cases) < 2:
            raise ValueError(f"{self.name}: a checker needs at least two cases, got {len(cases)}")
        results, expecteds, raw = [], [], []
        for i, args in enumerate(cases):
            expected = self.answer(*copy.deepcopy(args))
            value, verdict = self._call(fn, args)
            if verdict is not None:
                return verdict
            if value is None:
                if i == 0:
                    return Verdict(self.name, NOT_ATTEMPTED, "your function returned None (is a `return` missing?)")
                return self._wrong(f"your function returned None for {_describe(args, self.arg_names)}")
            if self.accept is not None:
                value = self.accept(value, args)
                if isinstance(value, Wrong):
                    return self._wrong(value.message)
            got = read(value, expected)
            if isinstance(got, Wrong):
                if i > 0 and _same_input(raw[0], value) and not agree(expecteds[0], expected, self.rtol, self.atol):
                    return self._wrong("you return the same answer for inputs of different sizes: "
                                       "it has to be computed from the inputs")
                return self._wrong(f"{got.message}{self.returns}")
            results.append(got)
            expecteds.append(expected)
            raw.append(value)
        if all(agree(g, e, self.rtol, self.atol) for g, e in zip(results, expecteds)):
            return Verdict(self.name, CORRECT, f"right on all {len(cases)} cases")
        for mistake in self.mistakes:
            try:
                with np.errstate(all="ignore"):
                    candidates = [read(mistake.compute(*copy.deepcopy(args)), e) for args, e in zip(cases, expecteds)]
            except Exception:
                continue
            if all(agree(g, c, self.rtol, self.atol) for g, c in zip(results, candidates)):
                return self._wrong(mistake.message)
        if all(agree(g, results[0], self.rtol, self.atol) for g in results) and not all(
                agree(e, expecteds[0], self.rtol, self.atol) for e in expecteds):
            return self._wrong("you return the same answer for different inputs: "
                               "it has to be computed from the inputs")
        first = next(i for i, (g, e) in enumerate(zip(results, expecteds)) if not agree(g, e, self.rtol, self.atol))
        if self.explain is not None:
            hint = self.explain(results[first], cases[first], expecteds[first])
            if isinstance(hint, Wrong):
                return self._wrong(hint.message)
        where = _describe(cases[first], self.arg_names)
        return self._wrong(f"for {where}: {_difference(results[first], expecteds[first])}")
