"""Notebook 05's library: the textbook LSTM step, the four notes' forms, the leaky unit, the carousel."""
import numpy as np
import pytest
from unrolled import cells, gates, gradcheck, sequence


def lstm_case(seed=0, D=3, H=4, T=6, B=2):
    rng = np.random.default_rng(seed)
    p = cells.init("lstm", D, H, rng)
    p["b"] += rng.normal(0, 0.5, 4 * H)                     # non-zero biases in every block
    return p, rng.normal(size=(T, B, D)), rng


def test_textbook_step_equals_the_fast_path_forward_and_backward():
    p, x, rng = lstm_case()
    B, H = x.shape[1], p["W_h"].shape[1]
    state = (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    hs, cache = sequence.forward("lstm", x, p, state0=state)
    s = state
    caches = []
    for t in range(x.shape[0]):
        s, c = cells.lstm_step_textbook(x[t], s, p)
        caches.append(c)
        assert np.max(np.abs(s[0] - hs[t])) < 1e-12
    dhs = rng.normal(size=hs.shape)
    dx_fast, ds0_fast, g_fast = sequence.backward(dhs, cache)
    d = (np.zeros((B, H)), np.zeros((B, H)))
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dx = np.zeros_like(x)
    for t in range(x.shape[0] - 1, -1, -1):
        dx[t], d, g = cells.lstm_step_textbook_backward((d[0] + dhs[t], d[1]), caches[t])
        for k in grads:
            grads[k] += g[k]
    assert np.max(np.abs(dx - dx_fast)) < 1e-12
    assert max(np.max(np.abs(a - b)) for a, b in zip(d, ds0_fast)) < 1e-12
    for k in p:
        assert np.max(np.abs(grads[k] - g_fast[k])) < 1e-12, k


def test_textbook_step_rejects_bad_input():
    p, x, _ = lstm_case()
    with pytest.raises(ValueError, match="x"):
        cells.lstm_step_textbook(x[0][:, :2], (np.zeros((2, 4)), np.zeros((2, 4))), p)
    with pytest.raises(TypeError, match="state"):
        cells.lstm_step_textbook(x[0], np.zeros((2, 4)), p)


@pytest.mark.parametrize("note", gates.NOTES)
def test_every_note_is_the_library_lstm(note):
    p, x, _ = lstm_case(1, D=2, H=3, T=7, B=1)
    hs, cache = sequence.forward("lstm", x, p)
    h, c = gates.note_forward(note, x[:, 0], gates.to_note(note, p))
    assert np.max(np.abs(h - hs[:, 0])) < 1e-12
    assert np.max(np.abs(c[-1] - sequence.last_state(cache)[1][0])) < 1e-12


def test_003_stacks_i_f_o_g():
    p, _, _ = lstm_case(2, D=2, H=3)
    W = gates.to_note("003", p)["W"]
    H = 3
    assert np.array_equal(W[2 * H:3 * H, :H], p["W_h"][3 * H:])      # 003's third block is our o
    assert np.array_equal(W[3 * H:, H:], p["W_x"][2 * H:3 * H])       # its fourth is our g


def test_the_printed_001_slide_is_a_different_model():
    p, x, _ = lstm_case(3, T=10, B=1)
    q = gates.to_note("001", p)
    h_ok, _ = gates.note_forward("001", x[:, 0], q)
    h_slide, c_slide = gates.slide_001_forward(x[:, 0], q)
    assert np.all(c_slide == 0) and np.max(np.abs(h_ok)) > 0.05      # from c_0 = 0 it never writes
    _, c2 = gates.slide_001_forward(x[:, 0], q, c0=np.ones(4))
    _, c3 = gates.note_forward("001", x[:, 0], q, c0=np.ones(4))
    assert np.max(np.abs(c2 - c3)) > 0.05


def test_leaky_unit_is_the_gated_cell_with_a_constant_gate():
    rng = np.random.default_rng(4)
    pr = cells.init("rnn", 2, 3, rng)
    x = rng.normal(size=(5, 1, 2))
    a = 0.2
    hs, _ = sequence.forward("gated", x, gates.leaky_params(a, pr))
    h = np.zeros(3)
    for t in range(5):
        h = (1 - a) * h + a * np.tanh(pr["W_hx"] @ x[t, 0] + pr["W_hh"] @ h + pr["b_h"])
        assert np.max(np.abs(h - hs[t, 0])) < 1e-12
    with pytest.raises(ValueError, match="a"):
        gates.logit(1.0)


@pytest.mark.parametrize("kind", ["rnn", "gated", "lstm"])
def test_state_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(5)
    p = cells.init(kind, 2, 3, rng)
    x = rng.normal(size=(5, 1, 2))
    w = rng.normal(size=(1, 3))
    s0 = cells.zero_state(kind, 1, 3)
    if kind == "lstm":
        s0 = (rng.normal(size=(1, 3)), rng.normal(size=(1, 3)))
    g = gates.state_gradients(kind, x, p, w, state0=s0)
    tail = x[1:]
    hs, cache = sequence.forward(kind, x[:1], p, state0=s0)
    s1 = sequence.last_state(cache)

    def loss():
        out, _ = sequence.forward(kind, tail, p, state0=s1)
        return float(np.sum(w * out[-1]))
    if kind == "lstm":
        num_h = gradcheck.numerical_gradient(loss, s1[0])
        num_c_partial = gradcheck.numerical_gradient(loss, s1[1])     # c_1 with h_1 held fixed
        assert gradcheck.relative_error(g["dh"][0], num_h) < 1e-8
        o1 = cache["cores"][0][2][:, 9:]
        total = num_c_partial + num_h * o1 * (1 - np.tanh(s1[1]) ** 2)
        assert gradcheck.relative_error(g["dc"][0], total) < 1e-8
    else:
        assert gradcheck.relative_error(g["dh"][0], gradcheck.numerical_gradient(loss, s1)) < 1e-8
    assert np.allclose(g["dh"][-1], w)


def test_cell_jacobian_matches_finite_differences_and_reduces_to_f():
    p, x, rng = lstm_case(6, H=4)
    c, o = rng.normal(size=4), rng.uniform(0.1, 0.9, 4)
    J, f = gates.cell_jacobian(p, x[0, 0], c, o)
    eps = 1e-6
    J_num = np.stack([(gates.cell_map(p, x[0, 0], c + e, o) - gates.cell_map(p, x[0, 0], c - e, o)) / (2 * eps)
                      for e in eps * np.eye(4)], axis=1)
    assert gradcheck.relative_error(J, J_num) < 1e-8
    J0, f0 = gates.cell_jacobian(p, x[0, 0], c, np.zeros(4))           # output gate shut: carousel only
    assert np.array_equal(J0, np.diag(f0))


def test_simplified_and_no_forget():
    rng = np.random.default_rng(7)
    p = cells.init("lstm", 3, 3, rng)
    x = rng.normal(size=(8, 3))
    q = gates.simplified_params(p)
    hs, cs = gates.simplified_forward(x, q)
    f = 1 / (1 + np.exp(-(q["U_f"] @ np.zeros(3) + q["W_f"] @ x[0])))
    i = 1 / (1 + np.exp(-(q["W_i"] @ x[0])))
    assert np.allclose(cs[0], i * x[0]) and f.shape == (3,)
    with pytest.raises(ValueError, match="D must equal H"):
        gates.simplified_params(cells.init("lstm", 2, 3, rng))
    xs = np.abs(rng.normal(size=(300, 1, 3)))
    p["b"][6:9], p["W_x"][6:9], p["W_h"][6:9] = 1.0, 0.0, 0.0           # candidate tanh(1) > 0: the cell only grows
    _, c_nf = gates.no_forget_forward(xs, p)
    assert np.all(np.diff(c_nf[:, 0], axis=0) > 0)


def test_hand_set_lstm_latches_counts_and_reads():
    x = np.zeros((12, 4))
    x[1, :2] = (0.8, 1)
    x[4, 3] = 1
    x[6, 2] = 1
    x[8, :2] = (-0.5, 1)
    tr = gates.gate_trace(gates.hand_set_lstm(), x)
    assert abs(tr["c"][5, 0] - np.tanh(1.6)) < 0.02                     # held after the write
    assert abs(tr["c"][7, 0]) < 1e-2                                     # erased
    assert abs(tr["c"][9, 0] - np.tanh(-1.0)) < 0.01                    # overwritten
    assert abs(tr["c"][-1, 1] - 2 * np.tanh(0.25)) < 0.01               # two writes counted
    assert abs(tr["h"][4, 2]) > 0.5 and abs(tr["h"][3, 2]) < 0.01       # shown only on read


def test_the_cell_diagram_draws_every_block():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from unrolled import plots
    fig, ax = plt.subplots()
    assert plots.lstm_cell_diagram(ax) is ax
    texts = " ".join(t.get_text() for t in ax.texts)
    for label in ("$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$", "tanh"):
        assert label in texts, label
    fig.canvas.draw()
    plt.close(fig)


def test_leaky_params_refuse_an_rnn_with_another_activation():
    p = cells.init("rnn", 3, 4, np.random.default_rng(0), activation="relu")
    with pytest.raises(ValueError, match="p_rnn"):
        gates.leaky_params(0.1, p)
    tanh = cells.init("rnn", 3, 4, np.random.default_rng(0), activation="tanh")
    assert "activation" not in gates.leaky_params(0.1, tanh)
