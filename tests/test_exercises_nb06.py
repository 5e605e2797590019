"""Checkers of notebook 06: right answers pass, each usual mistake is named, nothing returned makes them raise."""
import numpy as np
import pytest
from unrolled import cells
from unrolled.activations import _sigmoid as sigmoid
from unrolled.exercises import nb06

# ---------------------------------------------------------------- 06.1 one GRU step


def make_step(order="rzn", transpose=True, reset="before", swap=False):
    def step(x, h, p):
        H = h.shape[1]
        ax = x @ p["W_x"].T + p["b"]
        W = {k: p["W_h"][i * H:(i + 1) * H] for i, k in enumerate(order)}
        a = {k: ax[:, i * H:(i + 1) * H] for i, k in enumerate(order)}
        rec = (lambda v, k: v @ W[k].T) if transpose else (lambda v, k: v @ W[k])
        r, z = sigmoid(a["r"] + rec(h, "r")), sigmoid(a["z"] + rec(h, "z"))
        n = np.tanh(a["n"] + (rec(r * h, "n") if reset == "before" else r * rec(h, "n")))
        return z * n + (1 - z) * h if swap else (1 - z) * n + z * h
    return step


def test_step_right_answers_pass():
    assert nb06.check_gru_step(make_step()).correct
    assert nb06.check_gru_step(lambda x, h, p: cells.gru_step(x, h, p)[0]).correct


@pytest.mark.parametrize("kwargs, words", [
    ({"swap": True}, "z and 1 - z are swapped"),
    ({"reset": "after"}, "after the recurrent product"),
    ({"transpose": False}, "missing transpose"),
    ({"order": "zrn"}, "r and z are swapped"),
])
def test_step_mistakes_are_named(kwargs, words):
    v = nb06.check_gru_step(make_step(**kwargs))
    assert v.status == "wrong" and words in v.message


def test_step_hard_coded_answer_fails():
    x, h, p = nb06.check_gru_step.cases(0)[0]
    first = cells.gru_step(x, h, p)[0]
    v = nb06.check_gru_step(lambda *a: first)
    assert v.status == "wrong" and "same answer" in v.message


def test_step_the_librarys_own_pair_is_accepted():
    assert nb06.check_gru_step(cells.gru_step).correct


def test_step_reset_missing_and_two_mistakes_are_named():
    def no_reset(x, h, p):
        p = dict(p, b=p["b"].copy())
        p["b"][:h.shape[1]] = 40.0                 # r = 1: the candidate sees all of h_prev
        return cells.gru_step(x, h, p)[0]

    assert "reset gate is missing" in nb06.check_gru_step(no_reset).message
    assert "two mistakes" in nb06.check_gru_step(make_step(swap=True, reset="after")).message


def test_step_mutation_is_reported():
    def step(x, h, p):
        out = cells.gru_step(x, h, p)[0]
        h *= 0
        return out
    v = nb06.check_gru_step(step)
    assert v.status == "wrong" and "changed its input h_prev" in v.message


# ---------------------------------------------------------------- 06.2 interpolation


def test_interpolation_right_answer_passes():
    assert nb06.check_interpolation_backward(nb06.interpolation_backward).correct


@pytest.mark.parametrize("fn, words", [
    (lambda dh, h, z, n: (dh * (h - n), dh * z, dh * (1 - z)), "swapped"),
    (lambda dh, h, z, n: (dh * (n - h), dh * (1 - z), dh * z), "wrong sign"),
    (lambda dh, h, z, n: (dh * z * (1 - z) * (h - n), dh * (1 - z), dh * z), "sigmoid's derivative"),
    (lambda dh, h, z, n: (dh * (h - n), 1 - z, dh * z), "dn is missing the factor dh"),
    (lambda dh, h, z, n: (dh * (h - n), dh * (1 - z)), "three arrays"),
    (lambda dh, h, z, n: (h - n, 1 - z, z), "all three are missing the factor dh"),
    (lambda dh, h, z, n: (dh * (h - n), dh * (1 - z), -dh * z), "dh_prev has the wrong sign"),
    (lambda dh, h, z, n: (dh * (h - n), dh * (1 - z), dh), "dh_prev is wrong"),
    (lambda dh, h, z, n: np.stack([dh * (h - n), dh * (1 - z), dh * z]), "tuple"),
])
def test_interpolation_mistakes_are_named(fn, words):
    v = nb06.check_interpolation_backward(fn)
    assert v.status == "wrong" and words in v.message, v


def test_interpolation_mutation_is_reported():
    def fn(dh, h, z, n):
        out = nb06.interpolation_backward(dh, h, z, n)
        z[...] = 0.5
        return out
    v = nb06.check_interpolation_backward(fn)
    assert v.status == "wrong" and "changed its input z" in v.message


# ---------------------------------------------------------------- 06.3 parameter count


def test_count_right_answer_passes():
    assert nb06.check_gru_param_count(lambda D, H, after: 3 * H * (D + H + 1 + after)).correct
    assert nb06.check_gru_param_count(
        lambda D, H, after: cells.count_params(cells.init("gru", D, H, np.random.default_rng(0),
                                                          reset_after=after))).correct


@pytest.mark.parametrize("fn, words", [
    (lambda D, H, after: 4 * H * (D + H + 1 + after), "LSTM"),
    (lambda D, H, after: 3 * H * (D + H), "biases are missing"),
    (lambda D, H, after: 3 * H * (D + H + 1), "two bias vectors"),
    (lambda D, H, after: 3 * H * (D + H + 2), "one bias vector per block"),
    (lambda D, H, after: 3 * H * (D + 1 + after) + H * H, "counted once"),
    (lambda D, H, after: 3 * H * (D + 1 + after), "recurrent weights are missing"),
    (lambda D, H, after: H * (D + H + 1 + after), "one block's count"),
    (lambda D, H, after: 3 * H * (D + H) + (1 + after) * H, "counted once for the whole layer"),
    (lambda D, H, after: 3 * H * (D + H + 1 + after) + 1, "not the count"),
])
def test_count_mistakes_are_named(fn, words):
    v = nb06.check_gru_param_count(fn)
    assert v.status == "wrong" and words in v.message, v


def test_count_hard_coded_answer_fails():
    assert nb06.check_gru_param_count(lambda D, H, after: 96).status == "wrong"   # right for D=3, H=4, Cho only


# ---------------------------------------------------------------- never raise, never give the answer

ODD_RETURNS = [None, "h", {"h": 1}, 3, (1, 2), 1j, np.ones((2, 4)) * (1 + 1j), np.full((2, 4), np.nan),
               np.ones((5, 5)), [[1, 2], [3]], object(), True]


@pytest.mark.parametrize("value", ODD_RETURNS, ids=[type(v).__name__ for v in ODD_RETURNS])
@pytest.mark.parametrize("check", [nb06.check_gru_step, nb06.check_interpolation_backward,
                                   nb06.check_gru_param_count])
def test_checkers_never_raise(check, value):
    v = check(lambda *a: value)
    assert v.status in ("wrong", "not attempted")


@pytest.mark.parametrize("check", [nb06.check_gru_step, nb06.check_interpolation_backward,
                                   nb06.check_gru_param_count])
def test_stub_and_crash(check):
    def stub(*a):
        raise NotImplementedError

    assert check(stub).status == "not attempted"
    v = check(lambda *a: 1 / 0)
    assert v.status == "wrong" and "ZeroDivisionError" in v.message


def test_no_verdict_prints_the_formula():
    verdicts = [nb06.check_gru_step(make_step(swap=True)), nb06.check_gru_step(make_step(reset="after")),
                nb06.check_interpolation_backward(lambda dh, h, z, n: (dh * (n - h), dh, dh)),
                nb06.check_gru_param_count(lambda D, H, a: 1)]
    for v in verdicts:
        for formula in ("(1 - z) * n", "(1 - z) n", "3H(", "3 * H", "h_prev - n", "dh * z"):
            assert formula not in v.message, (v, formula)
