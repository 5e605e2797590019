"""``check(fn, strict=True)``: the checkers as autograder tests (make assignments).

A right answer passes as it does in a notebook; anything else raises an
AssertionError whose message is the verdict the notebook would have printed,
so an nbgrader test cell costs its points. Without ``strict`` nothing changes
(tests/test_exercises_contract.py).
"""
import numpy as np
import pytest
from unrolled import exercises

CHECKERS = exercises.checkers()
KEYS = sorted(CHECKERS)


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("key", KEYS)
def test_a_right_answer_passes_and_prints_its_verdict(key, capsys):
    check = CHECKERS[key]
    verdict = check(check.answer, strict=True)
    assert verdict.correct
    assert capsys.readouterr().out.strip() == str(verdict)


@pytest.mark.parametrize("key", KEYS)
def test_a_missing_answer_raises_with_the_notebooks_verdict(key, capsys):
    check = CHECKERS[key]
    lenient = check(stub)
    assert lenient.status == "not attempted"
    capsys.readouterr()
    with pytest.raises(AssertionError) as raised:
        check(stub, strict=True)
    assert str(raised.value) == str(lenient)
    assert capsys.readouterr().out == "", "the verdict is the error's message, not printed twice"


@pytest.mark.parametrize("key", KEYS)
def test_each_named_mistake_raises_with_its_diagnosis(key):
    check = CHECKERS[key]
    for mistake in check.mistakes:
        with pytest.raises(AssertionError) as raised:
            check(mistake.compute, strict=True)
        assert str(raised.value) == f"[{check.name}] wrong: {mistake.message}"


@pytest.mark.parametrize("answer", [lambda *a: "a string", lambda *a: None, lambda *a: (np.nan, 1j),
                                    lambda *a: 1 / 0, 42],
                         ids=["str", "None", "odd tuple", "raises", "not a function"])
def test_whatever_comes_back_the_only_error_is_the_assertion(answer):
    for check in CHECKERS.values():
        with pytest.raises(AssertionError) as raised:
            check(answer, strict=True)
        assert str(raised.value).startswith(f"[{check.name}] ")


def test_a_withheld_hint_stays_withheld_in_the_error():
    check = CHECKERS["nb00.check_tanh_slope"]
    leaky = exercises.Exercise(check.name, check.arg_names, check.cases, check.answer,
                               mistakes=[exercises.Mistake(lambda y: 2 * y, "it should be 1 - y ** 2")],
                               forbidden=["1 - y ** 2"])
    with pytest.raises(AssertionError) as raised:
        leaky(lambda y: 2 * y, strict=True)
    assert "1 - y ** 2" not in str(raised.value) and "withheld" in str(raised.value)


def test_strict_is_a_keyword_and_off_by_default(capsys):
    check = CHECKERS["nb00.check_tanh_slope"]
    assert check(stub).status == "not attempted"          # prints, returns, does not raise
    with pytest.raises(TypeError):
        check(stub, 0, True)                               # seed=0, then a positional strict: refused
