"""gru_forms: the notes' GRU equals the library's; 004's printed backward lines fail where the notebook says."""
import numpy as np
import pytest
from unrolled import cells, gradcheck, gru_forms, sequence


@pytest.fixture
def case():
    rng = np.random.default_rng(6)
    D, H, T, B = 3, 4, 5, 2
    p = cells.init("gru", D, H, rng, reset_after=False)
    p["b"] = p["b"] + rng.normal(0, 0.3, 3 * H)
    x = rng.normal(size=(T, B, D))
    C = rng.normal(size=(T, B, H))
    return p, x, C


def test_conversion_round_trip_and_u_is_one_minus_z(case):
    p, x, _ = case
    w = gru_forms.to_notes(p)
    back = gru_forms.from_notes(w)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    s = gru_forms.one_step_both_ways(x[0], np.tanh(x[0] @ np.ones((3, 4))), p)
    np.testing.assert_allclose(s["u"], 1 - s["z"], atol=1e-15)
    np.testing.assert_allclose(s["h_notes"], s["h_library"], atol=1e-14)


def test_notes_forward_equals_library(case):
    p, x, _ = case
    hs = sequence.forward("gru", x, p)[0]
    np.testing.assert_allclose(gru_forms.notes_forward(x, gru_forms.to_notes(p))[0], hs, atol=1e-14)


def _loss(x, w, C):
    return float(np.sum(C * gru_forms.notes_forward(x, w)[0]))


def test_complete_backward_matches_finite_differences_and_the_library(case):
    p, x, C = case
    w = gru_forms.to_notes(p)
    _, caches = gru_forms.notes_forward(x, w)
    dx, dh0, g = gru_forms.notes_backward(C, caches, w)
    for k in w:
        num = gradcheck.numerical_gradient(lambda: _loss(x, w, C), w[k])
        assert gradcheck.relative_error(g[k], num) < 1e-8, k
    _, cache = sequence.forward("gru", x, p)
    dx_lib, dh0_lib, g_lib = sequence.backward(C, cache)
    np.testing.assert_allclose(dx, dx_lib, atol=1e-13)
    np.testing.assert_allclose(dh0, dh0_lib, atol=1e-13)
    for k, v in gru_forms.from_notes(g).items():
        np.testing.assert_allclose(v, g_lib[k], atol=1e-13)


def test_printed_eq12_is_wrong_with_losses_at_every_step_and_right_with_one_at_the_end(case):
    p, x, C = case
    w = gru_forms.to_notes(p)
    _, caches = gru_forms.notes_forward(x, w)
    num = gradcheck.numerical_gradient(lambda: _loss(x, w, C), w["b_z"])
    g = gru_forms.notes_backward(C, caches, w, eq12="printed")[2]
    assert gradcheck.relative_error(g["b_z"], num) > 1e-2
    C_end = np.zeros_like(C)
    C_end[-1] = C[-1]                   # nothing from above before T: the printed line agrees
    num = gradcheck.numerical_gradient(lambda: _loss(x, w, C_end), w["b_z"])
    g = gru_forms.notes_backward(C_end, caches, w, eq12="printed")[2]
    assert gradcheck.relative_error(g["b_z"], num) < 1e-8


def test_printed_eq13f_is_wrong_for_w_z_only(case):
    p, x, C = case
    w = gru_forms.to_notes(p)
    _, caches = gru_forms.notes_forward(x, w)
    g = gru_forms.notes_backward(C, caches, w, eq13f="printed")[2]
    for k in w:
        err = gradcheck.relative_error(g[k], gradcheck.numerical_gradient(lambda: _loss(x, w, C), w[k]))
        assert (err > 1e-3) if k == "w_z" else (err < 1e-8), k


def test_cho_from_after_agrees_where_the_reset_is_open():
    rng = np.random.default_rng(1)
    pa = cells.init("gru", 2, 3, rng)
    x = rng.normal(size=(6, 2, 2))
    pc = gru_forms.cho_from_after(pa)
    assert np.max(np.abs(sequence.forward("gru", x, pa)[0] - sequence.forward("gru", x, pc)[0])) > 1e-3
    for q in (pa, pc):                              # reset gate held open: r = sigmoid(40) = 1.0 exactly
        (q["b_h"] if "b_h" in q else q["b"])[:3] = 40.0
    np.testing.assert_allclose(sequence.forward("gru", x, pa)[0], sequence.forward("gru", x, pc)[0],
                               atol=1e-14)


def test_closed_form_counts_match_the_library():
    rng = np.random.default_rng(0)
    for D, H in ((1, 1), (3, 5), (20, 7)):
        for kind in cells.KINDS:
            assert cells.count_params(cells.init(kind, D, H, rng)) == gru_forms.closed_form_count(kind, D, H)
        assert cells.count_params(cells.init("gru", D, H, rng, reset_after=False)) == \
            gru_forms.closed_form_count("gru", D, H, reset_after=False)


def test_coupled_lstm_is_the_gru_with_the_reset_open_and_only_then(case):
    p, x, _ = case
    assert np.max(np.abs(gru_forms.coupled_lstm_forward(x, p) - sequence.forward("gru", x, p)[0])) > 1e-3
    q = {k: v.copy() for k, v in p.items()}
    q["b"][:4] = 40.0
    np.testing.assert_allclose(gru_forms.coupled_lstm_forward(x, q), sequence.forward("gru", x, q)[0],
                               atol=1e-14)


def test_state_gradient_norms_agree_with_sequence_backward():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 2, 3))
    for kind in ("rnn", "gru", "lstm"):
        p = cells.init(kind, 3, 4, rng)
        g = rng.normal(size=(2, 4))
        norms = gru_forms.state_gradient_norms(kind, x, p, g)
        assert norms.shape == (8,) and norms[0] == pytest.approx(np.linalg.norm(g))
        hs, cache = sequence.forward(kind, x, p)
        dhs = np.zeros_like(hs)
        dhs[-1] = g
        d0 = sequence.backward(dhs, cache)[1]
        assert norms[-1] == pytest.approx(np.linalg.norm(d0[0] if kind == "lstm" else d0), rel=1e-12)


def test_bad_input_is_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="Cho"):
        gru_forms.to_notes(cells.init("gru", 2, 3, rng))
    with pytest.raises(ValueError, match="PyTorch"):
        gru_forms.cho_from_after(cells.init("gru", 2, 3, rng, reset_after=False))
    with pytest.raises(ValueError, match="kind"):
        gru_forms.closed_form_count("transformer", 2, 3)
    with pytest.raises(TypeError, match="w"):
        gru_forms.from_notes({"w_u": 1})
    with pytest.raises(ValueError, match="eq12"):
        p = cells.init("gru", 2, 3, rng, reset_after=False)
        w = gru_forms.to_notes(p)
        gru_forms.notes_backward(np.zeros((1, 1, 3)), gru_forms.notes_forward(np.zeros((1, 1, 2)), w)[1], w,
                                 eq12="typo")


def test_notes_functions_reject_bad_input_naming_the_argument():
    rng = np.random.default_rng(0)
    p = cells.init("gru", 2, 3, rng, reset_after=False)
    w = gru_forms.to_notes(p)
    x = rng.normal(size=(4, 1, 2))
    _, caches = gru_forms.notes_forward(x, w)
    bad_w = dict(w, w_z=w["w_z"][:, :4])
    cases = [
        (lambda: gru_forms.notes_step(np.zeros((1, 5)), np.zeros((1, 3)), w), ValueError, "x"),
        (lambda: gru_forms.notes_step(np.zeros((1, 2)), np.zeros((2, 3)), w), ValueError, "h_prev"),
        (lambda: gru_forms.notes_step(np.zeros((1, 2)), np.zeros((1, 3)), bad_w), ValueError, "w\\['w_z'\\]"),
        (lambda: gru_forms.notes_forward(np.zeros((4, 2)), w), ValueError, "x"),
        (lambda: gru_forms.notes_forward(x, w, h0=np.zeros((1, 4))), ValueError, "h0"),
        (lambda: gru_forms.notes_forward(x, "w"), TypeError, "w"),
        (lambda: gru_forms.notes_backward(np.zeros((3, 1, 3)), caches, w), ValueError, "dhs"),
        (lambda: gru_forms.notes_backward(np.zeros((4, 1, 3)), [], w), TypeError, "caches"),
        (lambda: gru_forms.notes_backward(np.zeros((4, 1, 3)), caches, w, eq13f="x"), ValueError, "eq13f"),
        (lambda: gru_forms.coupled_lstm_forward(np.zeros((4, 1, 3)), p), ValueError, "x"),
        (lambda: gru_forms.state_gradient_norms("gru", x, p, np.zeros((1, 2))), ValueError, "dh_last"),
        (lambda: gru_forms.state_gradient_norms("gru", x, p, np.full((1, 3), np.nan)), ValueError, "dh_last"),
        (lambda: gru_forms.closed_form_count("gru", 0, 3), ValueError, "D"),
        (lambda: gru_forms.one_step_both_ways(np.zeros((1, 2)), np.zeros((1, 3)), {"W_x": 1}), (TypeError, ValueError),
         "p"),
    ]
    for call, exc, name in cases:
        with pytest.raises(exc, match=f"^{name}"):
            call()


@pytest.mark.parametrize("reset_after", [False, True])
def test_step_diagram_draws_both_conventions(reset_after):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    ax = Figure().subplots()
    assert gru_forms.step_diagram(ax, reset_after=reset_after) is ax
    texts = " ".join(t.get_text() for t in ax.texts)
    assert ("b_{hn}" in texts) == reset_after                # the reset multiplies W_hn h + b_hn only after
    assert "PyTorch" in ax.get_title() if reset_after else "Cho" in ax.get_title()
    with pytest.raises(TypeError, match="reset_after"):
        gru_forms.step_diagram(ax, reset_after="after")
