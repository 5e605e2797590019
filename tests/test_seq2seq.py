"""The encoder-decoder and the conditioned decoder: gradients of every parameter, and decoding."""
import numpy as np
import pytest
from unrolled import data, gradcheck, seq2seq, sequence


def _nonzero_biases(params, rng):
    for k, v in params.items():
        if k.split(".")[-1].startswith("b"):
            params[k] = rng.uniform(-0.5, 0.5, v.shape)
    return params


@pytest.mark.parametrize("kind", ["rnn", "gru", "gated"])
def test_every_gradient_of_the_encoder_decoder_matches_finite_differences(kind):
    rng = np.random.default_rng(0)
    params = _nonzero_biases(seq2seq.init(kind, 4, 6, 5, rng), rng)
    batch = data.seq2seq_batch("reverse", 3, 2, 4, rng)
    loss, grads = seq2seq.loss_and_grads(kind, params, batch)
    report = gradcheck.check_gradients(lambda p: seq2seq.loss_and_grads(kind, p, batch)[0], params, grads)
    assert set(report) == set(params) and any(k.startswith("enc.") for k in report)
    assert max(r["norm"] for r in report.values()) < 1e-8, report


def test_the_encoder_gets_its_gradient_only_through_its_final_state():
    rng = np.random.default_rng(1)
    params = _nonzero_biases(seq2seq.init("gru", 3, 5, 4, rng), rng)
    src, tgt_in, tgt_out = data.seq2seq_batch("copy", 4, 3, 3, rng)
    c, cache_e = seq2seq.encode("gru", src, params)
    logits, cache_d = seq2seq.decode_forward("gru", c, tgt_in, params)
    _, dlogits = __import__("unrolled").losses.softmax_cross_entropy(logits, tgt_out)
    dc, _ = seq2seq.decode_backward(dlogits, cache_d)
    num = gradcheck.numerical_gradient(
        lambda: __import__("unrolled").losses.softmax_cross_entropy(
            seq2seq.decode_forward("gru", c, tgt_in, params)[0], tgt_out)[0], c)
    assert gradcheck.relative_error(dc, num) < 1e-8
    hs, _ = sequence.forward("gru", np.eye(3)[src], {k[4:]: v for k, v in params.items() if k.startswith("enc.")})
    np.testing.assert_allclose(c, hs[-1])


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_every_gradient_of_the_conditioned_decoder_matches_finite_differences(kind):
    rng = np.random.default_rng(2)
    params = _nonzero_biases(seq2seq.init(kind, 1, 6, 4, rng, n_features=3), rng)
    assert not any(k.startswith("enc.") for k in params)
    feats = rng.normal(size=(2, 3))
    _, tgt_in, tgt_out = data.seq2seq_batch("copy", 3, 2, 4, rng)
    batch = (feats, tgt_in, tgt_out)
    _, grads = seq2seq.condition_loss_and_grads(kind, params, batch)
    report = gradcheck.check_gradients(lambda p: seq2seq.condition_loss_and_grads(kind, p, batch)[0], params, grads)
    assert set(report) == set(params)
    assert max(r["norm"] for r in report.values()) < 1e-8, report


def test_greedy_decoding_feeds_back_its_choices_and_matches_teacher_forcing_on_them():
    rng = np.random.default_rng(3)
    params = seq2seq.init("gru", 4, 6, 5, rng)
    src = rng.integers(0, 4, (3, 2))
    ids, probs, hs = seq2seq.translate("gru", src, params, data.SEQ2SEQ_GO, 4)
    assert ids.shape == (4, 2) and probs.shape == (4, 2, 6) and hs.shape == (3, 2, 5)
    np.testing.assert_allclose(probs.sum(-1), 1)
    tgt_in = np.concatenate([np.full((1, 2), data.SEQ2SEQ_GO), ids[:-1]])
    logits, _ = seq2seq.forward("gru", src, tgt_in, params)
    np.testing.assert_array_equal(logits.argmax(-1), ids)


def test_after_end_a_sequence_keeps_producing_end():
    rng = np.random.default_rng(4)
    params = seq2seq.init("rnn", 3, 5, 4, rng)
    params["b_y"][data.SEQ2SEQ_END] = 50.0          # <end> wins at once
    ids, _, _ = seq2seq.greedy("rnn", np.zeros((2, 4)), params, data.SEQ2SEQ_GO, 3, end=data.SEQ2SEQ_END)
    assert (ids == data.SEQ2SEQ_END).all()


def test_bad_input_is_named():
    rng = np.random.default_rng(5)
    params = seq2seq.init("gru", 3, 5, 4, rng)
    with pytest.raises(ValueError, match="kind"):
        seq2seq.init("lstm", 3, 5, 4, rng)
    with pytest.raises(ValueError, match="src"):
        seq2seq.encode("gru", np.array([[0, 7]]), params)
    with pytest.raises(TypeError, match="tgt_in"):
        seq2seq.decode_forward("gru", np.zeros((1, 4)), np.zeros((2, 1)), params)
    with pytest.raises(ValueError, match="steps"):
        seq2seq.greedy("gru", np.zeros((1, 4)), params, 1, 0)


def test_the_toy_tasks():
    rng = np.random.default_rng(6)
    src, tgt_in, tgt_out = data.seq2seq_batch("reverse", 5, 3, 4, rng)
    np.testing.assert_array_equal(tgt_out[:5], src[::-1] + 2)
    assert (tgt_out[5] == data.SEQ2SEQ_END).all() and (tgt_in[0] == data.SEQ2SEQ_GO).all()
    np.testing.assert_array_equal(tgt_in[1:], tgt_out[:-1])
    _, _, s = data.seq2seq_batch("sort", 6, 4, 5, rng)
    assert (np.diff(s[:6], axis=0) >= 0).all()
    x, pos, target = data.masked_token_batch(7, 50, 3, 2, rng)
    cols = np.arange(50)
    assert (x[pos, cols] == 3).all() and (x[pos + 2, cols] == target).all() and (pos <= 4).all()
    assert (x == 3).sum() == 50
    with pytest.raises(ValueError, match="gap"):
        data.masked_token_batch(3, 1, 3, 3, rng)
    with pytest.raises(ValueError, match="task"):
        data.seq2seq_batch("shuffle", 3, 1, 3, rng)


def test_the_conditioned_first_state_is_the_tanh_of_the_affine_map_and_checks_its_features():
    rng = np.random.default_rng(7)
    params = seq2seq.init("gru", 1, 5, 4, rng, n_features=3)
    feats = rng.normal(size=(2, 3))
    np.testing.assert_allclose(seq2seq.condition_state(feats, params),
                               np.tanh(feats @ params["W_hf"].T + params["b_f"]))
    _, tgt_in, _ = data.seq2seq_batch("copy", 2, 2, 3, rng)
    _, cache = seq2seq.condition_forward("gru", feats, tgt_in, params)
    np.testing.assert_allclose(cache[1], seq2seq.condition_state(feats, params))
    with pytest.raises(ValueError, match="^features"):
        seq2seq.condition_state(rng.normal(size=(2, 4)), params)
