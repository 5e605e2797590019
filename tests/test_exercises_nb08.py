"""Notebook 08's checkers: the right answers pass, each usual mistake is named."""
import numpy as np
import pytest
from unrolled import seq2seq, sequence
from unrolled.exercises import nb08


def test_the_answers_agree_with_the_library():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 2, 3))
    pf = {"W_hx": rng.normal(size=(4, 3)), "W_hh": rng.normal(size=(4, 4)) * 0.3, "b_h": rng.normal(size=4)}
    pb = {k: v + 0.1 for k, v in pf.items()}
    hs, _ = sequence.bidirectional_forward("rnn", x, pf, pb)
    hf, _ = sequence.forward("rnn", x, pf)
    hb, _ = sequence.forward("rnn", x[::-1].copy(), pb)
    np.testing.assert_allclose(nb08.bidirectional_states_answer(hf, hb), hs)
    params = seq2seq.init("gru", 1, 5, 4, rng, n_features=3)
    feats = rng.normal(size=(2, 3))
    tgt = np.array([[2, 3], [4, 2], [0, 0]])
    logits, cache = seq2seq.condition_forward("gru", feats, nb08.decoder_inputs_answer(tgt, 1), params)
    dlogits = rng.normal(size=logits.shape)
    grads = seq2seq.condition_backward(dlogits, cache)
    dh0, _ = seq2seq.decode_backward(dlogits, cache[2])
    np.testing.assert_allclose(nb08.conditioning_gradient_answer(dh0, cache[1], feats), grads["W_hf"])


@pytest.mark.parametrize(("check", "answer"), [
    (nb08.check_bidirectional_states, nb08.bidirectional_states_answer),
    (nb08.check_decoder_inputs, nb08.decoder_inputs_answer),
    (nb08.check_conditioning_gradient, nb08.conditioning_gradient_answer)])
def test_not_attempted_and_correct(check, answer):
    def stub(*args):
        raise NotImplementedError
    assert check(stub).status == "not attempted"
    assert check(answer).correct and check(answer, seed=4).correct


@pytest.mark.parametrize(("check", "fn", "says"), [
    (nb08.check_bidirectional_states, lambda f, b: np.concatenate([f, b], axis=2), "order they were computed"),
    (nb08.check_bidirectional_states, lambda f, b: np.concatenate([b[::-1], f], axis=2), "swapped"),
    (nb08.check_bidirectional_states, lambda f, b: f + b[::-1], "shape"),
    (nb08.check_bidirectional_states,
     lambda f, b: np.concatenate([f, np.roll(b[::-1], -1, axis=0)], axis=2), "row T-2-t"),
    (nb08.check_bidirectional_states,
     lambda f, b: np.concatenate([f, np.roll(b[::-1], 1, axis=0)], axis=2), "row T-t"),
    (nb08.check_decoder_inputs, lambda t, go: np.concatenate([np.ones((1, t.shape[1]), int), t[:-1]]),
     "not always 1"),
    (nb08.check_decoder_inputs, lambda t, go: np.concatenate([np.full((1, t.shape[1]), go), t[1:]]),
     "dropped the first target"),
    (nb08.check_conditioning_gradient, lambda d, h, f: -(d * (1 - h * h)).T @ f, "sign"),
    (nb08.check_conditioning_gradient, lambda d, h, f: np.outer(d[0] * (1 - h[0] ** 2), f[0]), "first example"),
    (nb08.check_decoder_inputs, lambda t, go: t, "very token"),
    (nb08.check_decoder_inputs, lambda t, go: np.concatenate([t[1:], np.full((1, t.shape[1]), go)]),
     "wrong way"),
    (nb08.check_decoder_inputs, lambda t, go: np.concatenate([np.zeros((1, t.shape[1]), int), t[:-1]]),
     "not <go>"),
    (nb08.check_conditioning_gradient, lambda d, h, f: d.T @ f, "slope is missing"),
    (nb08.check_conditioning_gradient, lambda d, h, f: (d * (1 - np.tanh(h) ** 2)).T @ f, "tanh to h0 again"),
    (nb08.check_conditioning_gradient, lambda d, h, f: (d * h * (1 - h)).T @ f, "sigmoid"),
    (nb08.check_conditioning_gradient, lambda d, h, f: (d * (1 - h * h)).T @ f / d.shape[0], "averaged"),
    (nb08.check_conditioning_gradient, lambda d, h, f: f.T @ (d * (1 - h * h)), "shape"),
])
def test_each_mistake_is_named(check, fn, says):
    verdict = check(fn)
    assert verdict.status == "wrong" and says in verdict.message, verdict.message
