"""The explorer of notebook 08: the encoder-decoder reading a source and decoding it greedily."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
from unrolled import data, seq2seq
from unrolled.explorers import seq2seq_reader


def test_the_readout_is_greedy_decoding_of_the_chosen_source():
    params = seq2seq.init("gru", 6, 8, 5, np.random.default_rng(1))
    compute = seq2seq_reader.make_compute(params)
    r = compute("A C F B", 3)
    ids, probs, hs = seq2seq.translate("gru", np.array([[0], [2], [5], [1]]), params, data.SEQ2SEQ_GO, 5)
    np.testing.assert_allclose(r["hs"], hs[:, 0])
    np.testing.assert_allclose(r["p"], probs[2, 0])
    assert r["choice"] == ids[2, 0] and len(r["out"]) == 3 and abs(r["p"].sum() - 1) < 1e-12
    assert "right: C" in r["readout"]            # the reverse of A C F B, third output


def test_bad_settings_give_messages():
    compute = seq2seq_reader.make_compute(seq2seq.init("gru", 6, 8, 5, np.random.default_rng(1)))
    assert "message" in compute("A B", 4) and "message" in compute("A Z", 1) and "message" in compute("", 1)
    assert "message" not in compute("A B", 3)


def test_the_step_slider_follows_the_source():
    ex = seq2seq_reader.explorer()
    ex.controls["source"].value = ex.controls["source"].options[-1]
    ex.update()
    assert ex.controls["step"].max == len(ex.controls["source"].value.split()) + 1
