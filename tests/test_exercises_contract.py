"""Every checker keeps the contract of unrolled.exercises.base, whatever the reader's function does.

The checkers are discovered (``exercises.checkers()``), so a new notebook's checker is
fed the same catalogue of wrong answers as soon as its module exists.
"""
import copy

import numpy as np
import pytest
from unrolled import dynamics, exercises, hmm, optim
from unrolled.exercises import nb02, nb04

CHECKERS = exercises.checkers()
KEYS = sorted(CHECKERS)


def run(check, fn):
    """The verdict, asserting that the checker neither raised nor failed to print it."""
    verdict = check(fn)                    # an exception here fails the test: the contract is broken
    assert isinstance(verdict, exercises.Verdict)
    assert verdict.status in ("not attempted", "correct", "wrong"), verdict
    for text in check.forbidden:
        assert text not in str(verdict), (text, str(verdict))
    return verdict


def first(check):
    args = check.cases(0)[0]
    return args, check.answer(*copy.deepcopy(args))


def like(expected, kind):
    """A wrong answer of the given kind, shaped like ``expected`` where that makes sense."""
    if isinstance(expected, dict):
        return {k: like(v, kind) for k, v in expected.items()}
    if isinstance(expected, list):
        return {"complex": [1j], "nan": [float("nan")], "shape": np.zeros((2, 2), int)}[kind]
    if isinstance(expected, float):
        return {"complex": expected + 1j, "nan": float("nan"), "shape": np.array([expected, expected])}[kind]
    expected = np.asarray(expected)
    return {"complex": expected + 1j, "nan": np.full(expected.shape, np.nan),
            "shape": np.append(expected.ravel(), 0)}[kind]


def test_every_notebook_checker_is_discovered():
    assert len(KEYS) >= 9
    assert {k.split(".")[0] for k in KEYS} >= {"nb00", "nb02", "nb03", "nb04"}


@pytest.mark.parametrize("key", KEYS)
def test_cases_are_several_and_of_different_sizes(key):
    check = CHECKERS[key]
    cases = check.cases(0)
    assert len(cases) >= 2
    signatures = {tuple(np.shape(a) if isinstance(a, np.ndarray) else
                        tuple(np.shape(v) for v in a.values()) if isinstance(a, dict) else a for a in args)
                  for args in cases}
    assert len(signatures) >= 2, "every case has the same inputs"
    answers = [check.answer(*copy.deepcopy(args)) for args in cases]
    assert any(not exercises.base.agree(a, answers[0], 1e-9, 1e-12) for a in answers[1:]), \
        "every case has the same answer: a hard-coded one would pass"
    assert check.cases(0) is not cases and len(check.cases(1)) == len(cases)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes_and_says_nothing_more(key, capsys):
    check = CHECKERS[key]
    verdict = run(check, check.answer)
    assert verdict.correct, verdict
    assert capsys.readouterr().out.strip() == str(verdict)
    assert run(check, check.answer).message == verdict.message


@pytest.mark.parametrize("key", KEYS)
def test_stubs_are_not_attempted(key):
    check = CHECKERS[key]

    def stub(*args):
        raise NotImplementedError

    assert run(check, stub).status == "not attempted"
    assert run(check, lambda *args: None).status == "not attempted"


CATALOGUE = {
    # name: (make the reader's function from the first case's answer, words the verdict must contain)
    "str": (lambda exp: lambda *a: "the answer", "str"),
    "dict": (lambda exp: lambda *a: {"answer": 1}, "dict"),
    "int": (lambda exp: lambda *a: 3, ""),
    "tuple": (lambda exp: lambda *a: (exp, exp), "tuple"),
    "list of str": (lambda exp: lambda *a: ["a", "b"], ""),
    "complex": (lambda exp: lambda *a: like(exp, "complex"), "complex"),
    "NaN": (lambda exp: lambda *a: like(exp, "nan"), "nan"),
    "wrong shape": (lambda exp: lambda *a: like(exp, "shape"), "shape"),
    "a function": (lambda exp: lambda *a: (lambda: 0), ""),
    "raises": (lambda exp: lambda *a: (_ for _ in ()).throw(ValueError("boom")), "ValueError: boom"),
    "hard-coded": (lambda exp: lambda *a: copy.deepcopy(exp), "same answer"),
}


@pytest.mark.parametrize("kind", sorted(CATALOGUE))
@pytest.mark.parametrize("key", KEYS)
def test_a_catalogue_of_wrong_answers_is_diagnosed_without_raising(key, kind):
    check = CHECKERS[key]
    _, expected = first(check)
    make, words = CATALOGUE[kind]
    if kind == "dict" and isinstance(expected, dict):
        words = "keys"
    if kind == "wrong shape" and isinstance(expected, list):
        words = "array"
    verdict = run(check, make(expected))
    assert verdict.status == "wrong", (kind, str(verdict))
    assert words.lower() in verdict.message.lower(), (kind, str(verdict))
    assert verdict.message and "Traceback" not in verdict.message


@pytest.mark.parametrize("key", KEYS)
def test_a_sign_flip_and_a_dropped_factor_are_wrong(key):
    check = CHECKERS[key]
    _, expected = first(check)
    if isinstance(expected, list):
        flips = [lambda *a: [-1 - s for s in check.answer(*a)], lambda *a: check.answer(*a)[:-1] or [99]]
    elif isinstance(expected, dict):
        flips = [lambda *a: {k: -v for k, v in check.answer(*a).items()},
                 lambda *a: {k: 2 * v for k, v in check.answer(*a).items()}]
    else:
        flips = [lambda *a: -np.asarray(check.answer(*a)) - 1, lambda *a: 2 * np.asarray(check.answer(*a)) + 1]
    for fn in flips:
        assert run(check, fn).status == "wrong"


@pytest.mark.parametrize("key", KEYS)
def test_an_answer_that_changes_its_input_is_reported(key):
    check = CHECKERS[key]
    args, _ = first(check)
    mutable = [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, dict))]
    if not mutable:                      # scalar inputs (04.1) cannot be changed in place
        assert all(isinstance(a, (int, float, str)) for a in args)
        return
    i = mutable[0]

    def mutating(*a):
        answer = check.answer(*copy.deepcopy(a))
        target = a[i]
        for arr in (target.values() if isinstance(target, dict) else [target]):
            arr[...] = arr * 0.5 if arr.dtype.kind == "f" else 0
        return answer

    verdict = run(check, mutating)
    assert verdict.status == "wrong" and "in place" in verdict.message
    assert check.arg_names[i] in verdict.message


@pytest.mark.parametrize("key", KEYS)
def test_each_known_mistake_is_named_by_its_own_message(key):
    check = CHECKERS[key]
    assert len(check.mistakes) >= 2, "name at least the two commonest mistakes"
    for mistake in check.mistakes:
        verdict = run(check, mistake.compute)
        assert verdict.status == "wrong" and verdict.message == mistake.message, (mistake.message, str(verdict))


@pytest.mark.parametrize("key", KEYS)
def test_no_message_gives_the_answer_away(key):
    check = CHECKERS[key]
    messages = [m.message for m in check.mistakes] + [check.returns]
    for text in check.forbidden:
        assert not any(text in m for m in messages), text
    # a scalar answer is never printed, at any of the usual precisions
    for args in check.cases(0)[:6]:
        expected = check.answer(*copy.deepcopy(args))
        if isinstance(expected, float) and expected not in (0.0, 1.0):
            verdict = run(check, lambda *a, e=expected: 0.5 * e + 0.1)
            diagnosis = verdict.message.split(": ", 1)[-1]       # after "for <the inputs>: "
            for fmt in (".2g", ".3g", ".4g", ".6g", ".2f", ".3f"):
                assert format(expected, fmt) not in diagnosis, (fmt, str(verdict))


def test_a_value_that_is_not_a_function_is_named():
    verdict = run(nb02.check_forward_step, np.ones(3))
    assert verdict.status == "wrong" and "pass the function itself" in verdict.message


@pytest.mark.parametrize("check,library", [
    (nb02.check_forward_step, hmm.forward_step),           # returns (belief, c)
    (nb02.check_backtrace, hmm.backtrace),
    (nb04.check_single_neuron_bound, dynamics.single_neuron_bound),
    (nb04.check_jacobian_product, dynamics.jacobian_product),
    (nb04.check_clip_global_norm, optim.clip_global_norm),  # returns (clipped, norm)
])
def test_the_librarys_own_signature_is_accepted(check, library):
    assert run(check, library).correct


def test_a_wrong_normaliser_next_to_a_right_belief_is_named():
    verdict = run(nb02.check_forward_step, lambda *a: (hmm.forward_step(*a)[0], 1.0))
    assert verdict.status == "wrong" and "c is not" in verdict.message


def test_a_checker_that_cannot_read_an_answer_still_answers():
    class Weird:
        def __array__(self, *a, **k):
            raise RuntimeError("no")

        def __len__(self):
            raise RuntimeError("no")

    for check in CHECKERS.values():
        assert run(check, lambda *a: Weird()).status == "wrong"
