"""Checkers of notebook 04: right answers pass, stubs are 'not attempted', each usual mistake is named."""
import numpy as np
import pytest
from unrolled import dynamics, optim
from unrolled.exercises import nb04

GAMMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}


def stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- 04.1

def bound_right(act, w_hh, w_hx, k):
    return GAMMA[act] ** (k + 1) * abs(w_hh) ** k * abs(w_hx)


@pytest.mark.parametrize("fn, words", [
    (lambda a, w_hh, w_hx, k: abs(w_hh) ** k * w_hx, "001's statement"),
    (lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * abs(w_hh) ** k * w_hx, "absolute value too"),
    (lambda a, w_hh, w_hx, k: abs(w_hh) ** k * abs(w_hx), "at most 1/4"),
    (lambda a, w_hh, w_hx, k: GAMMA[a] ** k * abs(w_hh) ** k * abs(w_hx), "one more activation"),
    (lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * abs(w_hh) ** (k + 1) * abs(w_hx), "one w_hh too many"),
    (lambda a, w_hh, w_hx, k: GAMMA[a] ** (k + 1) * w_hh ** k * abs(w_hx), "w_hh needs an absolute"),
    (lambda a, w_hh, w_hx, k: 0.25 ** (k + 1) * abs(w_hh) ** k * abs(w_hx), "not tanh's"),
])
def test_bound_mistakes_are_named(fn, words):
    v = nb04.check_single_neuron_bound(fn)
    assert v.status == "wrong" and words in v.message


def test_bound_right_stub_and_unknown():
    assert nb04.check_single_neuron_bound(bound_right).correct
    assert nb04.check_single_neuron_bound(dynamics.single_neuron_bound).correct
    assert nb04.check_single_neuron_bound(stub).status == "not attempted"
    v = nb04.check_single_neuron_bound(lambda a, w_hh, w_hx, k: 2.0)
    assert v.status == "wrong" and "same answer" in v.message


# ---------------------------------------------------------------- 04.2

def product_right(W, fprimes):
    M = np.eye(W.shape[0])
    for f in fprimes:
        M = (f[:, None] * W) @ M
    return M


def test_jacobian_product_right_and_stub():
    assert nb04.check_jacobian_product(product_right).correct
    assert nb04.check_jacobian_product(stub).status == "not attempted"


@pytest.mark.parametrize("fn, words", [
    (lambda W, fp: product_right(W, fp).T, "backward pass"),
    (lambda W, fp: np.linalg.multi_dot([np.eye(len(W))] + [f[:, None] * W for f in fp]), "order is reversed"),
    (lambda W, fp: np.linalg.multi_dot([np.eye(len(W))] + [W * f[None, :] for f in fp[::-1]]), "wrong side"),
    (lambda W, fp: np.linalg.matrix_power(W, len(fp)), "derivatives are missing"),
    (lambda W, fp: product_right(W, np.vstack([np.ones((1, len(W))), fp[:-1]])), "off by one"),
    (lambda W, fp: np.zeros((2, 2)), "shape"),
])
def test_jacobian_product_mistakes_are_named(fn, words):
    v = nb04.check_jacobian_product(fn)
    assert v.status == "wrong" and words in v.message


# ---------------------------------------------------------------- 04.4

def clip_right(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    return {k: g * min(1.0, max_norm / norm) for k, g in grads.items()}


def test_clip_right_stub_and_library():
    assert nb04.check_clip_global_norm(clip_right).correct
    assert nb04.check_clip_global_norm(lambda g, m: optim.clip_global_norm(g, m)[0]).correct
    assert nb04.check_clip_global_norm(stub).status == "not attempted"


def _always(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    return {k: g * max_norm / norm for k, g in grads.items()}


@pytest.mark.parametrize("fn, words", [
    (lambda g, m: optim.clip_elementwise(g, m), "elementwise"),
    (lambda g, m: {k: v * min(1.0, m / np.linalg.norm(v)) for k, v in g.items()}, "its own norm"),
    (lambda g, m: {k: v * min(1, m / sum(np.sum(u ** 2) for u in g.values())) for k, v in g.items()}, "squared norm"),
    (_always, "left as it is"),
    (lambda g, m: {k: v * min(1, m / sum(np.sum(np.abs(u)) for u in g.values())) for k, v in g.items()}, "L1"),
    (lambda g, m: [1, 2], "expected a dict"),
    (lambda g, m: 2.0, "expected a dict"),
])
def test_clip_mistakes_are_named(fn, words):
    v = nb04.check_clip_global_norm(fn)
    assert v.status == "wrong" and words in v.message


def test_new_mistakes_of_exercises_1_and_2_are_named():
    from unrolled import dynamics
    v = nb04.check_single_neuron_bound(
        lambda a, w_hh, w_hx, k: (0.5 if a == "sigmoid" else 1.0) ** (k + 1) * abs(w_hh) ** k * abs(w_hx))
    assert v.status == "wrong" and "not 1/2" in v.message
    v = nb04.check_single_neuron_bound(
        lambda a, w_hh, w_hx, k: dynamics.single_neuron_bound(a, w_hh, 1.0, k))
    assert v.status == "wrong" and "w_hx is missing" in v.message

    def transposed_inside(W, fp):
        M = np.eye(len(W))
        for f in fp:
            M = (f[:, None] * W.T) @ M
        return M

    v = nb04.check_jacobian_product(transposed_inside)
    assert v.status == "wrong" and "transposed inside" in v.message
    v = nb04.check_jacobian_product(lambda W, fp: W @ dynamics.jacobian_product(W, fp))
    assert v.status == "wrong" and "one W too many" in v.message
    v = nb04.check_jacobian_product(lambda W, fp: dynamics.jacobian_product(W, fp[1:]))
    assert v.status == "wrong" and "one step is missing" in v.message


def test_clip_zero_gradient_nan_is_named():
    def divides(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        return {k: g * max_norm / norm if norm > max_norm else g * (max_norm / norm) * (norm / max_norm)
                for k, g in grads.items()}
    with np.errstate(all="ignore"):
        v = nb04.check_clip_global_norm(divides)
    assert v.status == "wrong" and "zero gradient" in v.message and "NaN" in v.message


def _verdict_from(quantity, threshold=lambda a: 4.0 if a == "sigmoid" else 1.0, tol=True):
    def verdict(W, activation):
        s, t = quantity(W), threshold(activation)
        if tol and np.isclose(s, t, rtol=1e-9, atol=1e-12):
            return "undecided"
        return "vanishing" if s < t else "exploding possible"
    return verdict


def test_pascanu_verdict_right_stub_and_mistakes():
    from unrolled import dynamics
    sig = dynamics.largest_singular_value
    assert nb04.check_pascanu_verdict(_verdict_from(sig)).correct
    assert nb04.check_pascanu_verdict(dynamics.pascanu_verdict).correct
    assert nb04.check_pascanu_verdict(stub).status == "not attempted"
    # the codes of dynamics.PASCANU_VERDICTS are read as the strings they stand for
    codes = {v: k for k, v in dynamics.PASCANU_VERDICTS.items()}
    assert nb04.check_pascanu_verdict(lambda W, a: codes[dynamics.pascanu_verdict(W, a)]).correct
    for fn, words in [(_verdict_from(dynamics.spectral_radius), "spectral radius"),
                      (_verdict_from(sig, lambda a: 1.0), "threshold is not 1"),
                      (_verdict_from(sig, lambda a: 2.0 if a == "sigmoid" else 1.0), "not 1/2"),
                      (_verdict_from(sig, tol=False), "tolerance"),
                      (_verdict_from(lambda W: np.max(np.abs(W))), "largest entry"),
                      (_verdict_from(np.linalg.norm), "Frobenius"),
                      (lambda W, a: {"vanishing": "exploding possible", "exploding possible": "vanishing"}.get(
                          dynamics.pascanu_verdict(W, a), "undecided"), "swapped"),
                      (lambda W, a: "exploding possible" if a == "linear" else dynamics.pascanu_verdict(W, a),
                       "you answered 'exploding possible'"),
                      (lambda W, a: "exploding possible", "same answer"),
                      (lambda W, a: ["vanishing"], "return 'vanishing'"),
                      (lambda W, a: "explodes", "return one of")]:
        v = nb04.check_pascanu_verdict(fn)
        assert v.status == "wrong" and words in v.message, (words, v.message)
