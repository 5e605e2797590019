"""Checkers of notebook 03: right answers pass, stubs are 'not attempted', each usual mistake is named."""
import numpy as np
import pytest
from unrolled import bptt
from unrolled.exercises import nb03


def stub(*args):
    raise NotImplementedError


def test_delta_step_answer_is_the_library_recursion():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 2, 3))
    y = rng.integers(0, 4, (5, 2))
    params = bptt.init_lm(3, 4, 4, rng, bias=0.2)
    _, cache = bptt.lm_forward(x, y, params)
    dl, delta = bptt.immediate_state_gradients(cache), bptt.delta_recursion(cache)
    for t in range(1, 5):
        np.testing.assert_allclose(
            nb03.delta_step_answer(dl[t], delta[t], cache["hs"][t], bptt.h_prev(cache, t), params["W_hh"]),
            delta[t - 1],
            atol=1e-14)


def test_grad_W_hh_answer_is_the_library_gradient():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2, 3))
    y = rng.integers(0, 4, (5, 2))
    params = bptt.init_lm(3, 4, 4, rng, bias=0.2)
    h0 = rng.normal(size=(2, 4))
    _, cache = bptt.lm_forward(x, y, params, h0)
    dh = bptt.total_derivative(cache)
    np.testing.assert_allclose(nb03.grad_W_hh_answer(dh, cache["hs"], h0),
                               bptt.gradients(cache)["W_hh"], atol=1e-13)


def test_reach_answer_matches_truncated_gradients():
    """Losses whose gradient reaches h_t under BPTT(k2; k1), read off the library: with
    x_t = onehot(t), column t of the W_hx gradient is non-zero iff some loss reaches h_t."""
    rng = np.random.default_rng(2)
    T, H, V = 9, 3, 3
    x = np.eye(T)[:, None, :]
    y = rng.integers(0, V, (T, 1))
    params = bptt.init_lm(T, H, V, rng, bias=0.2)
    _, cache = bptt.lm_forward(x, y, params)
    onehot = np.eye(V)[y]
    for k1, k2 in [(1, 3), (3, 3), (4, 5), (2, 9)]:
        for s in range(T):
            only_s = dict(cache, ps=np.where(np.arange(T)[:, None, None] == s, cache["ps"], onehot))
            W_hx = bptt.truncated_gradients(only_s, k1, k2)["W_hx"]
            reached = [t for t in range(T) if np.abs(W_hx[:, t]).max() > 0]
            expected = [t for t in range(T) if s in nb03.reach_answer(t, T, k1, k2)]
            assert reached == expected, (k1, k2, s)
            assert reached == list(np.flatnonzero(bptt.truncation_reach(T, k1, k2)[s]))


@pytest.mark.parametrize("check,answer", [(nb03.check_delta_step, nb03.delta_step_answer),
                                          (nb03.check_grad_W_hh, nb03.grad_W_hh_answer),
                                          (nb03.check_reach, nb03.reach_answer)])
def test_correct_answer_and_stub(check, answer, capsys):
    assert check(answer).correct
    verdict = check(stub)
    assert verdict.status == "not attempted"
    assert check(lambda *a: None).status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


def test_delta_step_diagnoses():
    cases = {
        "present loss": lambda dl, d, h, hp, W: (d * (1 - h ** 2)) @ W,
        "left out delta_t": lambda dl, d, h, hp, W: (dl * (1 - h ** 2)) @ W,
        "tanh derivative is missing": lambda dl, d, h, hp, W: (dl + d) @ W,
        "taken at h_{t-1}": lambda dl, d, h, hp, W: ((dl + d) * (1 - hp ** 2)) @ W,
        "transposed": lambda dl, d, h, hp, W: ((dl + d) * (1 - h ** 2)) @ W.T,
        "after the matrix product": lambda dl, d, h, hp, W: ((dl + d) @ W) * (1 - h ** 2),
        "sigmoid": lambda dl, d, h, hp, W: ((dl + d) * h * (1 - h)) @ W,
        "sign is flipped": lambda dl, d, h, hp, W: -((dl + d) * (1 - h ** 2)) @ W,
        "batch size": lambda dl, d, h, hp, W: ((dl + d) * (1 - h ** 2)) @ W / len(h),
        "batch average": lambda dl, d, h, hp, W: np.broadcast_to(
            (((dl + d) * (1 - h ** 2)) @ W).mean(axis=0), h.shape).copy(),
        "shape": lambda dl, d, h, hp, W: ((dl + d) * (1 - h ** 2)) @ W[:, :2],
        "entries are wrong": lambda dl, d, h, hp, W: 2 * ((dl + d) * (1 - h ** 2)) @ W,
        "raised": lambda dl, d, h, hp, W: dl @ np.ones((7, 7)),
    }
    for phrase, fn in cases.items():
        verdict = nb03.check_delta_step(fn)
        assert verdict.status == "wrong" and phrase in verdict.message, (phrase, verdict.message)


def test_grad_W_hh_diagnoses():
    def da(dh, hs):
        return dh * (1 - hs ** 2)

    def prev(hs, h0):
        return np.concatenate([h0[None], hs[:-1]])

    cases = {
        "the previous one": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", da(dh, hs), hs),
        "transposed": lambda dh, hs, h0: np.einsum("tbj,tbi->ij", da(dh, hs), prev(hs, h0)),
        "tanh derivative": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh, prev(hs, h0)),
        "only the last step": lambda dh, hs, h0: da(dh, hs)[-1].T @ prev(hs, h0)[-1],
        "first step is missing": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", da(dh, hs)[1:], hs[:-1]),
        "averaged": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", da(dh, hs), prev(hs, h0)) / len(hs),
        "batch size": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", da(dh, hs), prev(hs, h0)) / hs.shape[1],
        "sign is flipped": lambda dh, hs, h0: -np.einsum("tbj,tbi->ji", da(dh, hs), prev(hs, h0)),
        "taken at h_{t-1}": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", da(dh, prev(hs, h0)), prev(hs, h0)),
        "sigmoid": lambda dh, hs, h0: np.einsum("tbj,tbi->ji", dh * hs * (1 - hs), prev(hs, h0)),
    }
    for phrase, fn in cases.items():
        verdict = nb03.check_grad_W_hh(fn)
        assert verdict.status == "wrong" and phrase in verdict.message, (phrase, verdict.message)


def test_reach_diagnoses():
    full = nb03.check_reach(lambda t, T, k1, k2: list(range(t, T)))
    assert full.status == "wrong" and "full BPTT" in full.message
    per_loss = nb03.check_reach(lambda t, T, k1, k2: list(range(t, min(t + k2, T))))
    assert per_loss.status == "wrong" and "END of a chunk" in per_loss.message


def window(t, T, k1, k2, late=0):
    return [s for s in range(t, T) if t >= min((s // k1 + 1) * k1 - 1 + late, T - 1) - k2 + 1]


@pytest.mark.parametrize("phrase,fn", [
    ("one state too few", lambda t, T, k1, k2: window(t, T, k1, k2 - 1)),
    ("one state too many", lambda t, T, k1, k2: window(t, T, k1, k2 + 1)),
    ("1-based", lambda t, T, k1, k2: [s + 1 for s in window(t, T, k1, k2)]),
    ("one step late", lambda t, T, k1, k2: window(t, T, k1, k2, late=1)),
])
def test_reach_off_by_one_mistakes_are_named(phrase, fn):
    verdict = nb03.check_reach(fn)
    assert verdict.status == "wrong" and phrase in verdict.message, verdict.message


@pytest.mark.parametrize("bad", [0.5, 2.5, 1.0])
def test_reach_rejects_non_integer_steps(bad):
    """A float step is not an index, even one that int() would truncate to a right answer."""
    def answer(t, T, k1, k2):
        return [bad] + window(t, T, k1, k2)[1:] if window(t, T, k1, k2) else [bad]
    verdict = nb03.check_reach(answer)
    assert verdict.status == "wrong" and "int" in verdict.message, verdict.message
