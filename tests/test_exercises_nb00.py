"""Notebook 00's checker: the three answers, and each usual mistake named."""
import numpy as np
import pytest
from unrolled.exercises import nb00


def stub(y):
    raise NotImplementedError


def test_not_attempted(capsys):
    verdict = nb00.check_tanh_slope(stub)
    assert verdict.status == "not attempted" and not verdict.correct
    assert "not attempted" in capsys.readouterr().out


def test_correct_answer_and_the_library_agree():
    assert nb00.check_tanh_slope(lambda y: 1 - y * y).correct
    assert nb00.check_tanh_slope(nb00.tanh_slope_answer, seed=3).correct


@pytest.mark.parametrize(("fn", "says"), [
    (lambda y: 1 - np.tanh(y) ** 2, "applied tanh again"),
    (lambda y: 1 - y, "power of y is missing"),
    (lambda y: y * (1 - y), "slope of the sigmoid"),
    (lambda y: y ** 2 - 1, "sign is flipped"),
    (lambda y: -2 * y, "once too often"),
    (lambda y: (1 - y * y)[:2], "shape"),
    (lambda y: 1 - y * y + 0.1, "entries are wrong"),
    (lambda y: 1 / (y - y), "contains inf"),
])
def test_each_mistake_gets_its_diagnosis(fn, says):
    with np.errstate(divide="ignore", invalid="ignore"):
        verdict = nb00.check_tanh_slope(fn)
    assert verdict.status == "wrong" and says in verdict.message


def test_a_crash_in_the_readers_code_is_reported_as_theirs():
    verdict = nb00.check_tanh_slope(lambda y: y.no_such_attribute)
    assert verdict.status == "wrong" and "AttributeError" in verdict.message
