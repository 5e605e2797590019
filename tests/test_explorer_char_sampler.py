"""The explorer of notebook 09: a typed prefix and a temperature."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
from unrolled import charlm, data
from unrolled.activations import softmax
from unrolled.explorers import char_sampler


def small():
    vocab = data.CharVocabulary("abc de\n")
    return "gru", charlm.init("gru", len(vocab), 6, np.random.default_rng(0)), vocab


def test_the_bars_are_the_models_distribution_at_the_temperature():
    kind, params, vocab = small()
    compute = char_sampler.make_compute(kind, params, vocab)
    r = compute(0.5, "abc")
    _, z = charlm.read(kind, params, vocab.encode("abc"))
    np.testing.assert_allclose(np.sort(r["p"])[::-1], np.sort(softmax(z / 0.5))[::-1][:char_sampler.TOP])
    assert len(r["continuation"]) == char_sampler.SAMPLE_LEN
    assert compute(0.5, "abc")["continuation"] == r["continuation"]              # the same seed every time
    assert compute(2.0, "abc")["entropy"] > compute(0.2, "abc")["entropy"]


def test_bad_prefixes_give_a_message():
    kind, params, vocab = small()
    compute = char_sampler.make_compute(kind, params, vocab)
    assert "never seen" in compute(1.0, "xyz")["message"]
    assert "at most" in compute(1.0, "a" * (char_sampler.MAX_PREFIX + 1))["message"]
    assert "message" not in compute(1.0, "")


def test_the_explorer_sweeps_its_extremes():
    ex = char_sampler.explorer(*small(), prefix="ab")
    for settings in ex.sweep():
        ex.render(ex.run_compute(**settings))
