"""Notebook 09's library: the corpus, n-gram baselines, the entropy floor, the char-level LM and its training."""
import math

import numpy as np
import pytest
from unrolled import cells, charlm, data, gradcheck, losses, ngram, optim, sequence


def test_the_corpus_is_clean_printable_prose_and_the_split_is_contiguous():
    text = data.python_docs_text()
    assert len(text) > 100_000 and all(" " <= c <= "~" or c == "\n" for c in text)
    assert "\n\n\n" not in text and "*****" not in text
    train, held = data.split_text(text, 0.1)
    assert train + held == text and train.endswith("\n") and abs(len(held) / len(text) - 0.1) < 0.01
    raw = "A \u201cquote\u201d\u2014dash\n   code line\n*****\n\n\n\nnext"
    assert data.clean_text(raw) == 'A "quote"-dash\n\nnext\n'


def test_read_text_refuses_a_missing_or_tiny_file(tmp_path):
    with pytest.raises(ValueError, match="path"):
        data.read_text(tmp_path / "missing.txt")
    (tmp_path / "tiny.txt").write_text("too short")
    with pytest.raises(ValueError, match="path"):
        data.read_text(tmp_path / "tiny.txt")
    (tmp_path / "book.txt").write_text("word " * 400)
    assert data.read_text(tmp_path / "book.txt").startswith("word word")


def test_char_vocabulary_round_trips_and_names_unknown_characters():
    vocab = data.CharVocabulary("hello world\n")
    assert len(vocab) == 9 and vocab.decode(vocab.encode("low hell")) == "low hell"
    with pytest.raises(ValueError, match="unknown"):
        vocab.encode("xyz")
    assert vocab.unknown("hex") == ["x"]


def test_streams_are_contiguous_columns():
    s = data.streams(np.arange(23), 4)
    assert s.shape == (5, 4) and list(s[:, 1]) == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="B"):
        data.streams(np.arange(5), 4)


def test_add_k_and_witten_bell_are_distributions_for_seen_and_unseen_contexts():
    text = "abracadabra and a cat sat on a mat"
    V = len(set(text)) + 3
    chars = sorted(set(text)) + ["X", "Y", "Z"]
    for smoothing in ngram.SMOOTHINGS:
        model = ngram.NGram(text, 3, V, smoothing=smoothing, k=0.5)
        for h in ("ab", "a ", "zz", ""):
            assert abs(sum(model.prob(h, c) for c in chars) - 1) < 1e-12
            assert all(model.prob(h, c) > 0 for c in chars)
    # add-k by hand: C("ab r") = 2 ("abr" twice), C("ab" followed by something) = 2
    assert ngram.NGram(text, 3, V, "add-k", k=0.5).prob("ab", "r") == pytest.approx((2 + 0.5) / (2 + 0.5 * V))
    assert ngram.add_k(2, 2, V, 0.5) == pytest.approx((2 + 0.5) / (2 + 0.5 * V))


def test_witten_bell_by_hand_and_bits_per_char():
    text = "aab"
    m = ngram.NGram(text, 2, 3)
    # unigram: C(a)=2, C(b)=1, N=3, T=2: P(a) = (2 + 2/3) / 5; bigram after "a": C(aa)=1, C(ab)=1, T=2
    p1_a = (2 + 2 / 3) / 5
    assert m.prob("a", "a") == pytest.approx((1 + 2 * p1_a) / (2 + 2))
    bits = m.bits_per_char("aab")
    assert bits == pytest.approx(-(math.log2(m.prob("a", "a")) + math.log2(m.prob("a", "b"))) / 2)


def test_entropy_rate_of_an_iid_source_and_a_deterministic_cycle():
    p = np.array([0.5, 0.25, 0.25])
    P = np.tile(p, (3, 1))                                  # order 1, rows all the same: iid
    assert ngram.entropy_rate(P) == pytest.approx(1.5)
    cycle = np.eye(3)[[1, 2, 0]]                            # a -> b -> c -> a: no uncertainty
    assert ngram.entropy_rate(cycle) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    P2 = data.markov_source(3, 2, rng)
    ids = data.markov_sample(P2, 50_000, rng)
    assert abs(ngram.source_bits_per_char(P2, ids) - ngram.entropy_rate(P2)) < 0.05


def problem(kind, seed, V, H, T, B):
    """A small char-LM training problem: parameters with non-zero biases and readout, random
    input and target ids (T, B), a random initial state."""
    rng = np.random.default_rng(seed)
    params = charlm.init(kind, V, H, rng)
    for k in params:
        params[k] = params[k] + rng.normal(0, 0.3, params[k].shape)
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    state0 = (rng.normal(size=(B, H)), rng.normal(size=(B, H))) if kind == "lstm" else rng.normal(size=(B, H))
    return params, inputs, targets, state0


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_char_lm_gradients_match_finite_differences(kind):
    params, inputs, targets, state0 = problem(kind, seed=1, V=5, H=4, T=6, B=2)
    _, grads, _ = charlm.loss_and_grads(kind, params, inputs, targets, state0)
    report = gradcheck.check_gradients(lambda p: charlm.loss_and_grads(kind, p, inputs, targets, state0)[0],
                                       params, grads)
    assert set(report) == set(params)
    for key, err in report.items():
        assert err["norm"] < 1e-7, (key, err)


def test_training_carries_the_state_and_lowers_the_held_out_loss():
    text = "the cat sat on the mat. " * 200
    vocab = data.CharVocabulary(text)
    train_text, held = data.split_text(text, 0.2)
    r = charlm.run("gru", vocab, train_text, held, H=16, B=4, T=16, steps=60, lr=2e-2, n_evals=2, sample_len=10,
                    prefix="the ")
    assert r["curve"][-1] < r["curve"][0] - 1 and r["bits_per_char"] < 2
    assert len(r["samples"]) == len(r["eval_steps"]) == 3 and set(r["final_samples"]) == set(charlm.TEMPERATURES)
    # Reading the held-out text as one stream equals reading it chunk by chunk with the state carried.
    ids = vocab.encode(held)
    assert charlm.bits_per_char("gru", r["params"], ids, chunk=7) == pytest.approx(
        charlm.bits_per_char("gru", r["params"], ids, chunk=1000), rel=1e-12)


def test_sampling_at_temperature_zero_is_the_argmax_path():
    rng = np.random.default_rng(0)
    params = charlm.init("lstm", 6, 5, rng)
    params["b_y"] = rng.normal(0, 2, 6)
    ids = charlm.sample("lstm", params, np.array([1, 2]), 5, np.random.default_rng(1), temperature=0)
    state, z = charlm.read("lstm", params, np.array([1, 2]))
    assert ids[0] == int(np.argmax(z))
    logits, _ = charlm.forward("lstm", params, np.array([[1], [2], [ids[0]]]))
    assert ids[1] == int(np.argmax(logits[-1, 0]))


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="kind"):
        charlm.init("tree", 5, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="stream_ids"):
        charlm.train("rnn", charlm.init("rnn", 5, 4, np.random.default_rng(0)), np.zeros((3, 2), int), 8, 1,
                     optim.Adam())
    with pytest.raises(ValueError, match="smoothing"):
        ngram.NGram("abc", 2, 3, smoothing="good-turing")


def test_float32_training_runs_in_float32():
    rng = np.random.default_rng(0)
    params = charlm.init("lstm", 6, 5, rng, dtype=np.float32)
    out = charlm.train("lstm", params, rng.integers(0, 6, (40, 3)), 8, 3, optim.Adam(1e-2))
    assert all(v.dtype == np.float32 for v in params.values()) and len(out["loss"]) == 3
    assert charlm.sample("lstm", params, np.array([1]), 4, rng).shape == (4,)


# ------------------------------- the lookup the training step runs, against the textbook one-hot product

def _nonzero_biases(params, rng):
    return {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}


CELL_CASES = [("rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})]


@pytest.mark.parametrize("kind, options", CELL_CASES)
def test_forward_ids_is_the_one_hot_forward_exactly_and_its_gradients_agree(kind, options):
    rng = np.random.default_rng(3)
    V, H, T, B = 7, 5, 6, 3
    params = _nonzero_biases(cells.init(kind, V, H, rng, **options), rng)
    ids = rng.integers(0, V, (T, B))
    ids[0, 0], ids[1, 0] = 0, V - 1                         # both ends of the vocabulary read
    state0 = (rng.normal(size=(B, H)), rng.normal(size=(B, H))) if kind == "lstm" else rng.normal(size=(B, H))
    hs_ids, cache_ids = sequence.forward_ids(kind, ids, params, state0)
    hs_x, cache_x = sequence.forward(kind, np.eye(V)[ids], params, state0)
    assert np.array_equal(hs_ids, hs_x)                     # the lookup adds no rounding at all
    dhs = rng.normal(size=hs_x.shape)
    dx_ids, ds_ids, g_ids = sequence.backward(dhs, cache_ids)
    dx_x, ds_x, g_x = sequence.backward(dhs, cache_x)
    assert dx_ids is None and dx_x.shape == (T, B, V)
    for a, b in zip(ds_ids if kind == "lstm" else [ds_ids], ds_x if kind == "lstm" else [ds_x]):
        assert np.array_equal(a, b)
    assert set(g_ids) == set(g_x) == set(params)
    for k in params:                                        # only the summation order of dW_x, db differs
        assert np.linalg.norm(g_ids[k] - g_x[k]) <= 1e-12 * np.linalg.norm(g_x[k]), k
    # symbols never read get a zero column of dW_x
    unread = sorted(set(range(V)) - set(ids.ravel().tolist()))
    W_in = "W_hx" if kind == "rnn" else "W_x"
    assert all(not g_ids[W_in][:, v].any() for v in unread)


@pytest.mark.parametrize("kind, options", CELL_CASES)
def test_forward_ids_gradients_match_finite_differences(kind, options):
    rng = np.random.default_rng(4)
    V, H, T, B = 5, 4, 5, 2
    params = _nonzero_biases(cells.init(kind, V, H, rng, **options), rng)
    ids = rng.integers(0, V, (T, B))
    w = rng.normal(size=(T, B, H))

    def loss(p):
        hs, _ = sequence.forward_ids(kind, ids, p)
        return float((w * hs).sum())

    _, cache = sequence.forward_ids(kind, ids, params)
    _, _, grads = sequence.backward(w, cache)
    report = gradcheck.check_gradients(loss, params, grads)
    assert set(report) == set(params)
    assert all(err["norm"] < 1e-7 for err in report.values()), report


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_the_char_lm_lookup_equals_the_textbook_one_hot_model(kind):
    rng = np.random.default_rng(5)
    V, H, T, B = 9, 6, 7, 4
    params = _nonzero_biases(charlm.init(kind, V, H, rng), rng)
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    logits, cache = charlm.forward(kind, params, inputs)
    logits_1h, cache_1h = charlm.forward_one_hot(kind, params, inputs)
    assert np.array_equal(logits, logits_1h)
    _, dlogits = losses.softmax_cross_entropy(logits, targets)
    g, g_1h = charlm.backward(dlogits, cache), charlm.backward(dlogits, cache_1h)
    for k in params:
        assert np.linalg.norm(g[k] - g_1h[k]) <= 1e-12 * np.linalg.norm(g_1h[k]), k


def test_forward_ids_refuses_bad_indices_and_the_gated_cell():
    rng = np.random.default_rng(0)
    params = cells.init("rnn", 4, 3, rng)
    with pytest.raises(ValueError, match="ids"):
        sequence.forward_ids("rnn", np.array([[0], [4]]), params)
    with pytest.raises(TypeError, match="ids"):
        sequence.forward_ids("rnn", np.zeros((2, 1)), params)
    with pytest.raises(ValueError, match="ids"):
        sequence.forward_ids("rnn", np.array([0, 1]), params)
    with pytest.raises(ValueError, match="kind"):
        sequence.forward_ids("gated", np.array([[0]]), cells.init("gated", 4, 3, rng))


@pytest.mark.parametrize("kind", charlm.KINDS)
@pytest.mark.parametrize("clip_norm", [5.0, 0.3, None])
def test_train_checks_once_and_updates_like_the_checked_public_steps(kind, clip_norm):
    # train() checks its arguments once and runs unchecked cores per chunk (lookup forward,
    # readout as one product, loss and dlogits in one buffer, clipping in place, the
    # optimiser's _update): the same parameters as the public, checked functions step by step.
    rng = np.random.default_rng(3)
    V, H, T, B, steps = 9, 7, 6, 4, 12
    stream = rng.integers(0, V, (T * steps // 2 + 1, B))          # two epochs: the state is reset once
    params = charlm.init(kind, V, H, rng)
    params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}   # non-zero biases
    reference = {k: v.copy() for k, v in params.items()}
    out = charlm.train(kind, params, stream, T, steps, optim.Adagrad(0.1), clip_norm=clip_norm)
    opt, state, begin, expected = optim.Adagrad(0.1), None, 0, []
    for _ in range(steps):
        if begin + T + 1 > len(stream):
            state, begin = None, 0
        loss, grads, state = charlm.loss_and_grads(kind, reference, stream[begin:begin + T],
                                                   stream[begin + 1:begin + T + 1], state)
        if clip_norm is not None:
            grads, _ = optim.clip_global_norm(grads, clip_norm)
        opt.step(reference, grads)
        expected.append(loss)
        begin += T
    assert np.allclose(out["loss"], expected, rtol=1e-12, atol=0)
    for k in reference:
        assert np.allclose(params[k], reference[k], rtol=1e-12, atol=1e-15), k


def test_train_refuses_bad_parameters_once_and_a_diverging_run():
    rng = np.random.default_rng(0)
    stream = rng.integers(0, 5, (40, 2))
    params = charlm.init("rnn", 5, 4, rng)
    bad = {**params, "W_hh": params["W_hh"].copy()}
    bad["W_hh"][0, 0] = np.nan
    with pytest.raises(ValueError, match="W_hh"):
        charlm.train("rnn", bad, stream, 8, 2, optim.Adagrad())
    with pytest.raises(ValueError, match="b_y"):
        charlm.train("rnn", {**params, "b_y": np.zeros(6)}, stream, 8, 2, optim.Adagrad())
    with pytest.raises(ValueError, match="stream_ids"):
        charlm.train("rnn", params, stream + 5, 8, 2, optim.Adagrad())
    with pytest.raises(ValueError, match="clip_norm"):
        charlm.train("rnn", params, stream, 8, 2, optim.Adagrad(), clip_norm=-1.0)
    huge = {**params, "b_y": np.array([1e308, -1e308, 0.0, 0.0, 0.0])}   # log p = -inf: the loss is not finite
    with pytest.raises(ValueError, match="diverged"), np.errstate(over="ignore"):
        charlm.train("rnn", huge, stream, 8, 2, optim.SGD(1.0), clip_norm=None)


def test_the_optimisers_step_still_checks_what_their_update_does_not():
    params = {"w": np.ones(3)}
    for opt in (optim.SGD(0.1), optim.Adagrad(0.1), optim.Adam(0.1)):
        with pytest.raises(ValueError, match="grads"):
            opt.step(params, {"w": np.array([1.0, np.nan, 0.0])})
        with pytest.raises(ValueError, match="grads"):
            opt.step(params, {"v": np.ones(3)})
    grads = {"w": np.array([3.0, 4.0])}
    assert optim._clip_global_norm_in_place(grads, 1.0) == 5.0
    assert np.allclose(grads["w"], [0.6, 0.8]) and np.array_equal(grads["w"], optim.clip_global_norm(
        {"w": np.array([3.0, 4.0])}, 1.0)[0]["w"])


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_the_training_loops_unchecked_gradients_equal_the_checked_ones_and_finite_differences(kind):
    params, inputs, targets, state0 = problem(kind, seed=4, V=6, H=5, T=7, B=3)
    core_args = cells._core_args(kind, params)
    loss, grads, last = charlm.loss_and_grads(kind, params, inputs, targets, state0)
    fast_loss, fast_grads, fast_last = charlm._loss_and_grads(kind, params, inputs, targets, state0, core_args)
    assert fast_loss == pytest.approx(loss, rel=1e-13) and set(fast_grads) == set(grads)
    for k in grads:
        assert np.abs(fast_grads[k] - grads[k]).max() <= 1e-12 * np.abs(grads[k]).max(), k
    assert all(np.array_equal(a, b) for a, b in zip(np.atleast_3d(fast_last), np.atleast_3d(last)))
    report = gradcheck.check_gradients(
        lambda p: charlm._loss_and_grads(kind, p, inputs, targets, state0, core_args)[0], params, fast_grads)
    assert set(report) == set(params)
    for key, err in report.items():
        assert err["norm"] < 1e-7, (key, err)
