"""The explorers of notebook 01: the RNN LM reading a sentence, and ripples in a linear state."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
from unrolled import data, lm
from unrolled.explorers import lm_state, ripples


def test_the_state_explorer_shows_the_steps_read_so_far_and_a_distribution():
    vocab = data.agreement_vocabulary()
    params = lm.init_rnn(len(vocab), 4, 6, np.random.default_rng(0))
    sentences = ["the cat on the mat sleeps", "the dogs under the old tree by the red car run"]
    compute = lm_state.make_compute(params, vocab, sentences)
    r = compute(sentences[1], 5)
    assert r["hs"].shape == (5, 6) and abs(r["p"].sum() - 1) < 1e-12
    assert r["read"] == ["<end>", "the", "dogs", "under", "the"] and vocab.words[r["target"]] == "old"
    _, cache = lm.rnn_forward(data.lm_pairs(vocab.encode(sentences[1]))[0][:, None], params)
    np.testing.assert_allclose(r["hs"], cache["hs"][:5, 0], atol=1e-14)
    last = compute(sentences[0], 7)
    assert last["target"] == vocab.end
    assert "message" in compute(sentences[0], 8) and "message" in compute("no such sentence", 1)


def test_the_step_slider_follows_the_sentence():
    ex = lm_state.explorer()
    ex.controls["sentence"].value = ex.controls["sentence"].options[1]
    ex.update()
    n = len(data.agreement_vocabulary().encode(ex.controls["sentence"].value))
    assert ex.controls["step"].max == n


def test_ripples_are_powers_of_w_and_add_up():
    r = ripples.compute(w=0.5, second_drop=True)
    np.testing.assert_allclose(r["h"], r["ripples"].sum(0), atol=1e-15)
    k = np.arange(0, 10)
    np.testing.assert_allclose(r["ripples"][0, ripples.FIRST - 1 + k], 0.5 ** k)
    assert abs(r["half_life"] - 1.0) < 1e-12
    assert ripples.compute(w=1.0)["half_life"] is None and ripples.compute(w=0.0)["half_life"] == 0.0
    assert ripples.compute(w=1.1)["h"][-1] > 10 and "message" in ripples.compute(w=3.0)
    one = ripples.compute(w=0.9, second_drop=False)
    assert np.all(one["ripples"][1] == 0) and len(one["drops"]) == 1
