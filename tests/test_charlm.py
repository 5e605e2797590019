"""Notebook 09's library: the corpus, n-gram baselines, the entropy floor, the char-level LM and its training."""
import math

import numpy as np
import pytest
from unrolled import charlm, data, gradcheck, ngram, optim


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


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_char_lm_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(1)
    V, H, T, B = 5, 4, 6, 2
    params = charlm.init(kind, V, H, rng)
    for k in params:                                        # non-zero biases and readout
        params[k] = params[k] + rng.normal(0, 0.3, params[k].shape)
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    state0 = (rng.normal(size=(B, H)), rng.normal(size=(B, H))) if kind == "lstm" else rng.normal(size=(B, H))
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
