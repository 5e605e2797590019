"""The feed-forward and RNN language models: shapes, gradients (float64, non-zero biases), sampling."""
import numpy as np
import pytest
from unrolled import data, gradcheck, lm, optim, train
from unrolled.activations import softmax


@pytest.fixture(scope="module")
def corpus():
    vocab = data.agreement_vocabulary()
    ids = [vocab.encode(s) for s in data.agreement_sentences()]
    return vocab, ids


@pytest.mark.parametrize("make", [lambda V, r: lm.init_ffw(V, 5, r, context=1),
                                  lambda V, r: lm.init_ffw(V, 4, r, context=3),
                                  lambda V, r: lm.init_rnn(V, 3, 5, r, bias=0.3)])
def test_every_gradient_agrees_with_finite_differences(make, corpus):
    vocab, ids = corpus
    rng = np.random.default_rng(0)
    params = make(len(vocab), rng)
    assert all(np.all(params[k] != 0) for k in params if k.startswith("b_"))
    batch = data.pad_batch([ids[0], ids[100], ids[-1]])          # different lengths: the mask matters
    loss, grads = lm.loss_and_grads(params, batch)
    report = gradcheck.check_gradients(lambda p: lm.loss_and_grads(p, batch)[0], params, grads)
    assert set(report) == set(params)
    for name, err in report.items():
        assert err["norm"] < 1e-7, (name, err)


def test_the_rnn_step_is_one_column_of_the_forward_pass():
    rng = np.random.default_rng(1)
    params = lm.init_rnn(6, 3, 4, rng)
    inputs = rng.integers(0, 6, (5, 2))
    logits, cache = lm.rnn_forward(inputs, params)
    h = np.zeros((2, 4))
    for t in range(5):
        h, p = lm.rnn_step(inputs[t], h, params)
        np.testing.assert_allclose(h, cache["hs"][t], atol=1e-14)
        np.testing.assert_allclose(p, softmax(logits[t]), atol=1e-14)


def test_one_hot_times_E_is_a_column_of_E():
    rng = np.random.default_rng(2)
    params = lm.init_rnn(5, 3, 2, rng)
    x = data.one_hot(np.array([3]), 5)[0]
    np.testing.assert_array_equal(params["E"] @ x, params["E"][:, 3])


def test_the_sentence_probabilities_of_a_model_sum_to_at_most_one():
    """Over every sentence of up to 3 words from a 3-word vocabulary (<end> included),
    the chain rule's probabilities add up to P(length <= 3) <= 1, and the remainder is
    the probability of a longer sentence."""
    rng = np.random.default_rng(3)
    for params in (lm.init_rnn(3, 2, 3, rng), lm.init_ffw(3, 3, rng, context=2)):
        total = 0.0
        for n in (1, 2, 3):
            for body in np.ndindex(*(2,) * (n - 1)):
                ids = [b + 1 for b in body] + [0]
                total += np.exp(lm.sentence_log_prob(params, ids))
        assert 0.0 < total < 1.0


def test_sampling_stops_at_end_and_is_seeded(corpus):
    vocab, ids = corpus
    params = lm.init_rnn(len(vocab), 4, 8, np.random.default_rng(4))
    a = lm.sample(params, np.random.default_rng(0), max_len=50)
    b = lm.sample(params, np.random.default_rng(0), max_len=50)
    assert a == b and (a[-1] == 0 or len(a) == 50) and 0 not in a[:-1]
    greedy = lm.sample(params, np.random.default_rng(5), temperature=0, max_len=10)
    assert greedy == lm.sample(params, np.random.default_rng(6), temperature=0, max_len=10)


def test_a_short_training_run_learns_the_agreement_only_with_the_rnn(corpus):
    vocab, ids = corpus
    train_ids, test_ids = data.split(ids, 0.25, np.random.default_rng(0))
    results = {}
    for name, params in (("ffw2", lm.init_ffw(len(vocab), 32, np.random.default_rng(2), context=2)),
                         ("rnn", lm.init_rnn(len(vocab), 16, 32, np.random.default_rng(2)))):
        train.fit(lm.loss_and_grads, params, optim.Adam(lr=0.01), data.batches(train_ids, 32), 1000,
                  clip_norm=5.0, progress=False)
        results[name] = lm.evaluate(params, test_ids, vocab)
    assert results["rnn"]["agreement"] > 0.9 > 0.6 > results["ffw2"]["agreement"]
    assert results["rnn"]["cross_entropy"] < results["ffw2"]["cross_entropy"]


def test_counting():
    assert lm.table_params(10, 1) == 9 and lm.table_params(10, 3) == 900
    assert lm.count_params(lm.init_ffw(7, 3, np.random.default_rng(0), context=2)) == 3 * 14 + 3 + 7 * 3 + 7


def test_bad_input_is_named():
    rng = np.random.default_rng(0)
    params = lm.init_rnn(5, 2, 3, rng)
    with pytest.raises(ValueError, match="h_prev"):
        lm.rnn_step(np.array([1, 2]), np.zeros((3, 3)), params)
    with pytest.raises(ValueError, match="params"):
        lm.ffw_forward(np.zeros((2, 1, 1), dtype=int), params)
    with pytest.raises(ValueError, match="windows"):
        lm.ffw_forward(np.zeros((2, 1, 2), dtype=int), lm.init_ffw(5, 3, rng))
    with pytest.raises(ValueError, match="W_hx"):
        lm.is_rnn({"W_hx": np.zeros((3, 7)), "b_h": np.zeros(3), "W_yh": np.zeros((5, 3)), "b_y": np.zeros(5)})
    with pytest.raises(TypeError, match="rng"):
        lm.sample(params, 0)
    with pytest.raises(ValueError, match="V"):
        lm.table_params(0, 2)
