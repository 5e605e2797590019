"""Checkers of notebook 05: right answers pass, stubs are 'not attempted', each usual mistake is named,
and nothing the reader's function returns makes a checker raise."""
import numpy as np
import pytest
from unrolled import cells
from unrolled.exercises import nb05


def sig(a):
    return 1 / (1 + np.exp(-a))


def stub(*args):
    raise NotImplementedError


def make_step(order="ifgo", out=lambda o, c, c_prev: o * np.tanh(c), cell=lambda f, i, c_prev, g: f * c_prev + i * g,
              cand=np.tanh, transpose=True, swap=False):
    def step(x, h_prev, c_prev, W_x, W_h, b):
        H = h_prev.shape[1]
        a = (x @ W_x.T + h_prev @ W_h.T + b) if transpose else (x @ W_x + h_prev @ W_h + b)
        blk = {n: a[:, k * H:(k + 1) * H] for k, n in enumerate(order)}
        i, f, o, g = sig(blk["i"]), sig(blk["f"]), sig(blk["o"]), cand(blk["g"])
        c = cell(f, i, c_prev, g)
        h = out(o, c, c_prev)
        return (c, h) if swap else (h, c)
    return step


def library_step(x, h_prev, c_prev, W_x, W_h, b):
    p = {"W_x": W_x, "W_h": W_h, "b": b}
    (h, c), _ = cells.lstm_step_textbook(x, (h_prev, c_prev), p)
    return h, c


def test_lstm_step_right_and_stub():
    assert nb05.check_lstm_step(make_step()).correct
    assert nb05.check_lstm_step(library_step).correct
    assert nb05.check_lstm_step(stub).status == "not attempted"


@pytest.mark.parametrize("fn, words", [
    (make_step(out=lambda o, c, c_prev: o * c), "missing the tanh on the cell"),
    (make_step(order="ifog"), "swapped gate order"),
    (make_step(order="igfo"), "swapped gate order"),
    (make_step(order="figo"), "forget gate is applied to the candidate"),   # i and f swapped: the same model
    (make_step(cell=lambda f, i, c_prev, g: f * g + i * c_prev), "forget gate is applied to the candidate"),
    (make_step(cand=sig), "sigmoid"),
    (make_step(swap=True), "swapped"),
    (make_step(out=lambda o, c, c_prev: o * np.tanh(c_prev)), "previous cell"),
    (make_step(transpose=False), "transposed"),
    (lambda x, h, c, W_x, W_h, b: make_step()(x, h, c, W_x, W_h, 0 * b), "biases are missing"),
])
def test_lstm_step_mistakes_are_named(fn, words):
    v = nb05.check_lstm_step(fn)
    assert v.status == "wrong" and words in v.message, v.message


def dc_right(dh, dcf, f, o, c):
    return f * (dcf + dh * o * (1 - np.tanh(c) ** 2))


def test_dc_prev_right_and_stub():
    assert nb05.check_dc_prev(dc_right).correct
    assert nb05.check_dc_prev(stub).status == "not attempted"


@pytest.mark.parametrize("fn, words", [
    (lambda dh, dcf, f, o, c: f * dcf, "path through h_t is missing"),
    (lambda dh, dcf, f, o, c: dcf + dh * o * (1 - np.tanh(c) ** 2), "that is dL/dc_t"),
    (lambda dh, dcf, f, o, c: f * (dcf + dh * o * (1 - c ** 2)), "differentiate tanh at c"),
    (lambda dh, dcf, f, o, c: f * (dcf + dh * (1 - np.tanh(c) ** 2)), "output gate is missing"),
    (lambda dh, dcf, f, o, c: f * (dcf + dh * o), "derivative of the tanh on the cell is missing"),
    (lambda dh, dcf, f, o, c: (1 - f) * (dcf + dh * o * (1 - np.tanh(c) ** 2)), "1 - f"),
    (lambda dh, dcf, f, o, c: f * dcf + dh * o * (1 - np.tanh(c) ** 2), "only the part from step t+1"),
    (lambda dh, dcf, f, o, c: f * (dcf + dh * o * (1 - np.tanh(c)) ** 2), "square is in the wrong place"),
    (lambda dh, dcf, f, o, c: -dc_right(dh, dcf, f, o, c), "sign is flipped"),
])
def test_dc_prev_mistakes_are_named(fn, words):
    v = nb05.check_dc_prev(fn)
    assert v.status == "wrong" and words in v.message, v.message


def grads_right(da, x, hs, h0):
    h_prev = np.concatenate([h0[None], hs[:-1]])
    return {"W_x": sum(da[t].T @ x[t] for t in range(len(x))),
            "W_h": sum(da[t].T @ h_prev[t] for t in range(len(x))),
            "b": da.sum(axis=(0, 1))}


def test_weight_grads_right_and_stub():
    assert nb05.check_weight_grads(grads_right).correct
    assert nb05.check_weight_grads(stub).status == "not attempted"


@pytest.mark.parametrize("change, words", [
    (lambda g, da, x, hs, h0: {**g, "W_h": g["W_h"].T}, "missing transpose"),
    (lambda g, da, x, hs, h0: {**g, "W_x": g["W_x"].T}, "missing transpose"),
    (lambda g, da, x, hs, h0: {**g, "W_h": sum(da[t].T @ hs[t] for t in range(len(x)))}, "you used h_t"),
    (lambda g, da, x, hs, h0: {**g, "b": g["b"] / da.shape[1]}, "averaged over the examples"),
    (lambda g, da, x, hs, h0: {**g, "W_x": da[-1].T @ x[-1]}, "last step only"),
    (lambda g, da, x, hs, h0: {**g, "b": da.sum(axis=0)}, "shape of the parameter"),
    (lambda g, da, x, hs, h0: {**g, "W_h": sum(da[t].T @ hs[t - 1] for t in range(1, len(x)))}, "first step"),
    (lambda g, da, x, hs, h0: {k: v / len(x) for k, v in g.items()}, "averaged over time"),
])
def test_weight_grads_mistakes_are_named(change, words):
    v = nb05.check_weight_grads(lambda da, x, hs, h0: change(grads_right(da, x, hs, h0), da, x, hs, h0))
    assert v.status == "wrong" and words in v.message, v.message


def test_the_mistake_model_without_changes_is_the_library_step():
    from unrolled.exercises.nb05 import FORWARD_CASES, _forward_case, _library_step, _step
    for case in FORWARD_CASES:
        args = _forward_case(*case)
        for a, b in zip(_step(*args), _library_step(*args)):
            assert np.max(np.abs(a - b)) < 1e-12


def test_hard_coded_answers_fail():
    from unrolled.exercises.nb05 import FORWARD_CASES, _forward_case, _step
    h, c = _step(*_forward_case(*FORWARD_CASES[0]))
    assert nb05.check_lstm_step(lambda *a: (h, c)).status == "wrong"
    args = nb05._cell_case(0, 2, 3)
    fixed = dc_right(*args)
    assert nb05.check_dc_prev(lambda *a: fixed).status == "wrong"


def test_mutation_is_reported():
    def mutating(dh, dcf, f, o, c):
        dcf += dh * o * (1 - np.tanh(c) ** 2)
        dcf *= f
        return dcf
    v = nb05.check_dc_prev(mutating)
    assert v.status == "wrong" and "in place" in v.message


ODD = [None, "abc", {"h": 1}, 3, (1, 2, 3), 1j, np.full((2, 4), np.nan), np.zeros((2, 4), complex),
       np.zeros(7), [[1, 2], [3]], object()]


@pytest.mark.parametrize("value", ODD, ids=[type(v).__name__ + str(i) for i, v in enumerate(ODD)])
def test_checkers_never_raise(value):
    for check in (nb05.check_lstm_step, nb05.check_dc_prev, nb05.check_weight_grads):
        v = check(lambda *a, value=value: value)
        assert v.status in ("wrong", "not attempted")
        v = check(lambda *a, value=value: (value, value))
        assert v.status in ("wrong", "not attempted")
    v = nb05.check_weight_grads(lambda *a: {"W_x": value, "W_h": value, "b": value})
    assert v.status in ("wrong", "not attempted")


def test_a_raising_function_is_reported_with_its_error():
    def broken(*a):
        raise KeyError("oops")
    assert "KeyError" in nb05.check_lstm_step(broken).message


def test_verdicts_do_not_print_the_formula():
    for v in (nb05.check_lstm_step(make_step()), nb05.check_dc_prev(dc_right),
              nb05.check_weight_grads(grads_right)):
        assert "tanh(c" not in v.message and "*" not in v.message


def test_the_pair_may_come_as_nested_lists():
    def as_lists(*args):
        h, c = library_step(*args)
        return [h.tolist(), c.tolist()]
    assert nb05.check_lstm_step(as_lists).correct
