"""The deep RNN with a per-step readout and the one-position tagger: every gradient, and what each reads."""
import numpy as np
import pytest
from unrolled import cells, data, gradcheck, readouts, sequence


def _nonzero_biases(params, rng):
    for k, v in params.items():
        if k.split(".")[-1].startswith("b"):
            params[k] = rng.uniform(-0.5, 0.5, v.shape)
    return params


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_every_gradient_of_a_stack_with_a_readout_matches_finite_differences(kind):
    rng = np.random.default_rng(0)
    params = _nonzero_biases(readouts.stack_init([4, 3, 5], 2, 2, rng, kind=kind), rng)
    assert readouts.n_layers(params) == 3
    batch = (rng.normal(size=(6, 3, 2)), rng.normal(size=(6, 3, 2)))
    _, grads = readouts.stack_loss_and_grads(params, batch, kind=kind)
    report = gradcheck.check_gradients(lambda p: readouts.stack_loss_and_grads(p, batch, kind=kind)[0],
                                       params, grads)
    assert set(report) == set(params) and len(report) == 3 * len(cells.init(kind, 2, 4, rng)) + 2
    assert max(r["norm"] for r in report.values()) < 1e-8, report


def test_the_stack_outputs_are_the_readout_of_the_top_layer():
    rng = np.random.default_rng(1)
    params = readouts.stack_init([3, 2], 1, 1, rng)
    x = rng.normal(size=(5, 2, 1))
    out, _ = readouts.stack_forward(params, x)
    hs, _ = sequence.stacked_forward([("rnn", {k[2:]: v for k, v in params.items() if k.startswith(f"{layer}.")})
                                      for layer in range(2)], x)
    np.testing.assert_allclose(out, hs @ params["W_y"].T + params["b_y"])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_gradient_of_the_tagger_matches_finite_differences(bidirectional):
    rng = np.random.default_rng(2)
    params = _nonzero_biases(readouts.tagger_init(5, 4, 3, rng, bidirectional), rng)
    assert any(k.startswith("b.") for k in params) == bidirectional
    batch = data.masked_token_batch(6, 3, 4, 2, rng)
    _, grads, logits = readouts.tagger_loss_and_grads(params, batch)
    assert logits.shape == (3, 4)
    report = gradcheck.check_gradients(lambda p: readouts.tagger_loss_and_grads(p, batch)[0], params, grads)
    assert set(report) == set(params)
    assert max(r["norm"] for r in report.values()) < 1e-8, report


def test_only_the_bidirectional_tagger_reads_tokens_to_the_right_of_the_position():
    rng = np.random.default_rng(3)
    x, position, target = data.masked_token_batch(8, 16, 4, 2, rng)
    later = x.copy()
    for b, t in enumerate(position):
        later[t + 1:, b] = (later[t + 1:, b] + 1) % 4           # change every token after the position
    for bidirectional, changes in ((False, False), (True, True)):
        params = readouts.tagger_init(5, 4, 3, np.random.default_rng(4), bidirectional)
        _, _, before = readouts.tagger_loss_and_grads(params, (x, position, target))
        _, _, after = readouts.tagger_loss_and_grads(params, (later, position, target))
        assert (not np.allclose(before, after)) == changes


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match="^widths"):
        readouts.stack_init([], 1, 1, rng)
    with pytest.raises(ValueError, match=r"^widths\[1\]"):
        readouts.stack_init([2, 0], 1, 1, rng)
    with pytest.raises(TypeError, match="^rng"):
        readouts.tagger_init(5, 4, 3, 0, True)
    with pytest.raises(TypeError, match="^bidirectional"):
        readouts.tagger_init(5, 4, 3, rng, "yes")
    params = readouts.tagger_init(5, 4, 3, rng, True)
    x, position, target = data.masked_token_batch(6, 3, 4, 2, rng)
    with pytest.raises(ValueError, match="^position"):
        readouts.tagger_loss_and_grads(params, (x, position + 6, target))
