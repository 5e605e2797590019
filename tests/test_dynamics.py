"""Tests for unrolled.dynamics: Jacobian products, spectra, bounds, overflow-free norms."""
import numpy as np
import pytest
from unrolled import activations, dynamics

ACTS = ["linear", "tanh", "sigmoid", "relu"]


def fd_jacobian(fn, h, eps=1e-6):
    """Centred finite-difference Jacobian of fn at h (numerator layout)."""
    cols = []
    for i in range(h.size):
        e = np.zeros_like(h)
        e[i] = eps
        cols.append((fn(h + e) - fn(h - e)) / (2 * eps))
    return np.stack(cols, axis=1)


def test_normal_matrix_has_radius_and_equal_singular_values():
    rng = np.random.default_rng(0)
    W = dynamics.normal_matrix(12, 0.7, rng)
    assert dynamics.spectral_radius(W) == pytest.approx(0.7, rel=1e-12)
    np.testing.assert_allclose(np.abs(dynamics.eigenvalues(W)), 0.7, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 0.7, rtol=1e-12)


def test_eigenvalues_are_sorted_by_modulus_and_complex():
    W = np.array([[0.0, -2.0], [2.0, 0.0]])          # rotation by 90 degrees, scaled: +-2i
    lam = dynamics.eigenvalues(W)
    assert lam.dtype.kind == "c"
    np.testing.assert_allclose(np.sort(lam.imag), [-2.0, 2.0])
    assert dynamics.spectral_radius(W) == pytest.approx(2.0)
    W2 = np.diag([0.1, -3.0, 2.0])
    np.testing.assert_allclose(dynamics.eigenvalues(W2).real, [-3.0, 2.0, 0.1])


def test_linear_normal_norms_are_exactly_radius_to_the_lag():
    rng = np.random.default_rng(1)
    for r in (0.5, 1.0, 1.3):
        W = dynamics.normal_matrix(10, r, rng)
        ln = dynamics.log_jacobian_norms(W, np.ones((80, 10)))
        np.testing.assert_allclose(ln, np.arange(81) * np.log10(r), atol=1e-9)
        assert dynamics.lag_slope(ln) == pytest.approx(np.log10(r), abs=1e-12)


def test_non_normal_matrix_transient_growth_then_radius_rate():
    rng = np.random.default_rng(2)
    W = dynamics.non_normal_matrix(16, 0.9, rng, coupling=2.0)
    assert np.allclose(np.tril(W, -1), 0)
    assert dynamics.spectral_radius(W) == pytest.approx(0.9, rel=1e-12)
    assert dynamics.largest_singular_value(W) > 5 * 0.9
    ln = dynamics.log_jacobian_norms(W, np.ones((400, 16)))
    assert ln.max() > 3.0                        # grows by more than three orders of magnitude ...
    assert dynamics.lag_slope(ln, 300) == pytest.approx(np.log10(0.9), abs=2e-3)   # ... then rho^k


def test_matrix_with_singular_values():
    rng = np.random.default_rng(3)
    s = np.array([3.0, 1.0, 0.5, 0.1])
    W = dynamics.matrix_with_singular_values(s, rng)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), s, rtol=1e-12)


@pytest.mark.parametrize("act", ACTS)
def test_step_jacobian_matches_finite_differences(act):
    rng = np.random.default_rng(4)
    H = 5
    W = rng.standard_normal((H, H)) * 0.8
    drive = rng.standard_normal(H)
    h_prev = rng.standard_normal(H)
    f = activations.get(act)
    a = W @ h_prev + drive
    assert np.min(np.abs(a)) > 1e-3               # no ReLU kink inside the difference
    fprime = activations.derivative(act, f(a))
    J = dynamics.step_jacobian(W, fprime)
    np.testing.assert_allclose(J, fd_jacobian(lambda h: f(W @ h + drive), h_prev), atol=1e-8)
    # the transposed layout W^T diag(f') is what a backward pass multiplies by
    g = rng.standard_normal(H)
    np.testing.assert_allclose(W.T @ (fprime * g), J.T @ g)


@pytest.mark.parametrize("act", ACTS)
def test_jacobian_product_matches_finite_differences_of_the_trajectory(act):
    rng = np.random.default_rng(5)
    H, T = 4, 6
    W = dynamics.normal_matrix(H, 0.9, rng)
    drive = rng.standard_normal((T, H))
    h0 = rng.standard_normal(H)
    hs, fp = dynamics.rnn_trajectory(W, drive, act, h0)
    J = dynamics.jacobian_product(W, fp)
    fd = fd_jacobian(lambda h: dynamics.rnn_trajectory(W, drive, act, h)[0][-1], h0)
    np.testing.assert_allclose(J, fd, atol=1e-7)


def test_log_norms_agree_with_plain_products_at_every_lag():
    rng = np.random.default_rng(6)
    H, T = 6, 25
    W = rng.standard_normal((H, H))
    _, fp = dynamics.rnn_trajectory(W, rng.standard_normal((T, H)), "tanh")
    ln = dynamics.log_jacobian_norms(W, fp)
    for k in range(T + 1):
        plain = dynamics.jacobian_product(W, fp[T - k:])
        assert ln[k] == pytest.approx(np.log10(np.linalg.norm(plain, 2)), abs=1e-10)


def test_log_norms_never_overflow_or_underflow():
    rng = np.random.default_rng(7)
    W = dynamics.normal_matrix(8, 1.5, rng)
    with np.errstate(all="raise"):
        up = dynamics.log_jacobian_norms(W, np.ones((3000, 8)))
        down = dynamics.log_jacobian_norms(W / 3.0, np.full((3000, 8), 0.25))
    # 1.5^3000 = 10^528 and (0.5 * 0.25)^3000 = 10^-2709 are far outside float64
    assert up[-1] == pytest.approx(3000 * np.log10(1.5), rel=1e-9)
    assert down[-1] == pytest.approx(3000 * np.log10(0.125), rel=1e-9)
    assert np.all(np.isfinite(up)) and np.all(np.isfinite(down))


def test_zero_product_gives_minus_inf_after_the_dead_step():
    W = np.eye(3)
    fp = np.ones((5, 3))
    fp[2] = 0.0                                   # every ReLU unit off at step 3
    ln = dynamics.log_jacobian_norms(W, fp)       # lags 0, 1, 2 pass steps 5, 4; lag 3 hits step 3
    np.testing.assert_allclose(ln[:3], 0.0, atol=1e-12)
    assert np.all(np.isneginf(ln[3:]))


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("kind", ["normal", "non-normal"])
def test_norms_respect_the_singular_value_bound(act, kind):
    rng = np.random.default_rng(8)
    W = dynamics.matrix_with_radius(10, 0.9, rng, kind)
    try:
        _, fp = dynamics.rnn_trajectory(W, 0.5 * rng.standard_normal((60, 10)), act)
    except dynamics.StatesOverflow:
        pytest.fail("no overflow expected at 60 steps")
    ln = dynamics.log_jacobian_norms(W, fp)
    c = dynamics.pascanu_conditions(W, act)
    bound = np.arange(61) * np.log10(c["gamma"] * c["sigma_max"])
    finite = np.isfinite(ln)
    assert np.all(ln[finite] <= bound[finite] + 1e-9)


def test_pascanu_conditions():
    rng = np.random.default_rng(9)
    W = dynamics.normal_matrix(5, 2.0, rng)
    c = dynamics.pascanu_conditions(W, "sigmoid")            # 2 < 1/(1/4) = 4
    assert c["vanishing_guaranteed"] and not c["exploding_possible"]
    c = dynamics.pascanu_conditions(W, "tanh")
    assert c["exploding_possible"] and not c["vanishing_guaranteed"]
    assert c["threshold"] == 1.0 and c["rho"] == pytest.approx(2.0)


def test_trajectory_overflow_is_reported_not_silent():
    rng = np.random.default_rng(10)
    W = dynamics.normal_matrix(4, 1.5, rng)
    with pytest.raises(dynamics.StatesOverflow) as info:
        dynamics.rnn_trajectory(W, np.ones((2000, 4)), "linear")
    assert 400 < info.value.step < 700                       # 1.5^t passes 1e100 near t = 568


@pytest.mark.parametrize("act", ACTS)
def test_single_neuron_gradient_and_bound(act):
    rng = np.random.default_rng(11)
    for _ in range(20):
        w_hh, w_hx, b = rng.uniform(-2, 2, 3)
        x = rng.standard_normal(8)
        h, g = dynamics.single_neuron_input_gradient(act, w_hh, w_hx, b, x)
        for k in range(8):
            t = 7 - k
            e = np.zeros(8)
            e[t] = 1e-6
            fd = (dynamics.single_neuron_input_gradient(act, w_hh, w_hx, b, x + e)[0][-1]
                  - dynamics.single_neuron_input_gradient(act, w_hh, w_hx, b, x - e)[0][-1]) / 2e-6
            assert g[k] == pytest.approx(fd, abs=1e-6)
            assert abs(g[k]) <= dynamics.single_neuron_bound(act, w_hh, w_hx, k) * (1 + 1e-12)


def test_single_neuron_bounds_are_attained():
    # tanh and sigmoid: every pre-activation 0, f' at its maximum (1 and 1/4)
    w_hh, w_hx, k = -0.8, -1.5, 5
    _, g = dynamics.single_neuron_input_gradient("tanh", w_hh, w_hx, 0.0, np.zeros(k + 1))
    assert abs(g[k]) == pytest.approx(dynamics.single_neuron_bound("tanh", w_hh, w_hx, k))
    # sigmoid: h = 1/2 after each step, so x_t = -(w_hh / 2) / w_hx keeps a_t = 0 (x_1 = 0)
    x = np.full(k + 1, -(w_hh * 0.5) / w_hx)
    x[0] = 0.0
    _, g = dynamics.single_neuron_input_gradient("sigmoid", w_hh, w_hx, 0.0, x)
    assert abs(g[k]) == pytest.approx(0.25 ** (k + 1) * abs(w_hh) ** k * abs(w_hx))
    # ReLU on an active path: equality
    _, g = dynamics.single_neuron_input_gradient("relu", 0.8, 1.5, 0.1, np.ones(k + 1))
    assert g[k] == pytest.approx(0.8 ** k * 1.5)


def test_note_bound_without_absolute_value_fails():
    # 001 writes dh/dx <= |w_hh|^k w_hx: with w_hx < 0 and an odd k, the derivative is positive
    _, g = dynamics.single_neuron_input_gradient("relu", -0.5, -1.0, 2.0, np.zeros(2))
    assert g[1] == pytest.approx(0.5)
    assert g[1] > abs(-0.5) ** 1 * (-1.0)


def test_identity_path_keeps_the_gradient():
    rng = np.random.default_rng(12)
    H, L = 16, 40
    Ws = [dynamics.normal_matrix(H, 0.5, rng) for _ in range(L)]
    h0 = rng.standard_normal(H)
    plain = dynamics.deep_net_log_gradient_norms(h0, Ws, "tanh", "plain")
    resid = dynamics.deep_net_log_gradient_norms(h0, [W / np.sqrt(L) for W in Ws], "tanh", "residual")
    assert plain[-1] < L * np.log10(0.5) + 1e-9               # at least 0.5^40: vanished
    assert abs(resid[-1]) < 1.0                               # within a factor 10 of 1


def test_highway_jacobian_matches_finite_differences():
    rng = np.random.default_rng(13)
    H = 4
    W, G = rng.standard_normal((H, H)), rng.standard_normal((H, H))
    h0 = rng.standard_normal(H)
    sig = activations.get("sigmoid")

    def layer(h):
        g = sig(G @ h - 1.0)
        return g * np.tanh(W @ h) + (1 - g) * h

    ln = dynamics.deep_net_log_gradient_norms(h0, [W], "tanh", "highway", [G], gate_bias=-1.0)
    assert ln[1] == pytest.approx(np.log10(np.linalg.norm(fd_jacobian(layer, h0), 2)), abs=1e-7)


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(14)
    with pytest.raises(ValueError, match="W"):
        dynamics.spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="radius"):
        dynamics.normal_matrix(3, -1.0, rng)
    with pytest.raises(ValueError, match="kind"):
        dynamics.matrix_with_radius(3, 1.0, rng, "weird")
    with pytest.raises(ValueError, match="fprimes"):
        dynamics.log_jacobian_norms(np.eye(3), np.ones((4, 2)))
    with pytest.raises(ValueError, match="activation"):
        dynamics.single_neuron_bound("softplus", 1.0, 1.0, 2)
    with pytest.raises(ValueError, match="k"):
        dynamics.single_neuron_bound("tanh", 1.0, 1.0, -1)


def test_dense_net_gradient_matches_finite_differences_and_keeps_a_direct_path():
    rng = np.random.default_rng(15)
    H, L = 3, 4
    Ws = [rng.standard_normal((H, n * H)) for n in range(1, L + 1)]
    h0 = rng.standard_normal(H)

    def last_from(i, h_i, states):
        states = states[:i] + [h_i]
        for Wl in Ws[i:]:
            states.append(np.tanh(Wl @ np.concatenate(states)))
        return states[-1]

    states = [h0]
    for Wl in Ws:
        states.append(np.tanh(Wl @ np.concatenate(states)))
    ln = dynamics.dense_net_log_gradient_norms(h0, Ws, "tanh")
    assert ln.shape == (L + 1,) and ln[0] == 0.0
    for k in range(1, L + 1):
        i = L - k
        fd = fd_jacobian(lambda h, i=i: last_from(i, h, states), states[i])
        assert ln[k] == pytest.approx(np.log10(np.linalg.norm(fd, 2)), abs=1e-7)
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        dynamics.dense_net_log_gradient_norms(h0, [Ws[0], Ws[0]], "tanh")


@pytest.mark.parametrize("activation, radius", [("tanh", 1.0), ("relu", 1.0), ("sigmoid", 4.0), ("linear", 1.0)])
def test_pascanu_boundary_within_rounding_is_undecided(activation, radius):
    # a normal W scaled to the threshold has sigma_max one bit away from it: the boundary
    W = dynamics.normal_matrix(16, radius, np.random.default_rng(0))
    c = dynamics.pascanu_conditions(W, activation)
    assert not c["vanishing_guaranteed"] and not c["exploding_possible"]
    assert c["verdict"] == dynamics.pascanu_verdict(W, activation) == "undecided"
    assert dynamics.pascanu_verdict(W * (1 + 1e-6), activation) == "exploding possible"
    assert dynamics.pascanu_verdict(W * (1 - 1e-6), activation) == "vanishing"


def test_pascanu_tolerance_is_the_explorers():
    from unrolled.explorers import base
    for a, b in [(1.0, 1.0 + 1e-10), (1.0, 1.0 + 1e-8), (4.0, 4.0 * (1 + 5e-10))]:
        assert base.close(a, b) == np.isclose(a, b, rtol=dynamics.RTOL, atol=dynamics.ATOL) or \
            base.close(a, b) == (abs(a - b) <= max(dynamics.RTOL * max(abs(a), abs(b)), dynamics.ATOL))


def test_input_weight_contributions_sum_to_the_bptt_gradient():
    from unrolled import cells, sequence
    rng = np.random.default_rng(3)
    for act in ("tanh", "sigmoid", "relu"):
        p = cells.init("rnn", 2, 5, rng)
        p["b_h"] = rng.normal(size=5)
        x = rng.standard_normal((6, 3, 2))
        dh = rng.standard_normal((3, 5))
        c = dynamics.input_weight_contributions(p, x, dh, act)
        hs, cache = sequence.forward("rnn", x, p, activation=act)
        dhs = np.zeros_like(hs)
        dhs[-1] = dh
        _, _, g = sequence.backward(dhs, cache)
        assert c.shape == (6, 5, 2)
        np.testing.assert_allclose(c.sum(0), g["W_hx"], rtol=1e-12, atol=1e-14)
        # the last step's term is delta_T^T x_T with delta_T = dh * f'(a_T)
        np.testing.assert_allclose(c[-1], (dh * activations.derivative(act, hs[-1])).T @ x[-1], rtol=1e-12)
    with pytest.raises(ValueError, match="dh_last"):
        dynamics.input_weight_contributions(p, x, np.zeros((3, 4)), "tanh")


def test_cliff_loss_gradient_matches_finite_differences_and_has_a_wall():
    w = np.array([1.0, 4.0, 6.0, 9.0])
    b = np.array([-0.5, -2.0, -3.0, -4.0])
    L, dw, db = dynamics.cliff_loss(w, b, T=30)
    eps = 1e-6
    fd_w = (dynamics.cliff_loss(w + eps, b, T=30)[0] - dynamics.cliff_loss(w - eps, b, T=30)[0]) / (2 * eps)
    fd_b = (dynamics.cliff_loss(w, b + eps, T=30)[0] - dynamics.cliff_loss(w, b - eps, T=30)[0]) / (2 * eps)
    np.testing.assert_allclose(dw, fd_w, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(db, fd_b, rtol=1e-5, atol=1e-8)
    ww, bb = np.meshgrid(np.linspace(-2, 10, 120), np.linspace(-6, 2, 120))
    _, gw, gb = dynamics.cliff_loss(ww, bb)
    norms = np.hypot(gw, gb)
    assert norms.max() > 10 * np.median(norms)           # a wall: a few points far steeper than the rest
    with pytest.raises(ValueError, match="w, b"):
        dynamics.cliff_loss(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="T"):
        dynamics.cliff_loss(1.0, 1.0, T=0)


def test_recall_task_and_last_step_regression_gradients():
    from unrolled import cells, gradcheck
    rng = np.random.default_rng(4)
    x, y = dynamics.recall_batches(6, 5)(rng)
    assert x.shape == (7, 5, 1) and np.array_equal(y, x[0, :, 0])
    for act in ("tanh", "sigmoid"):
        p = cells.init("rnn", 1, 4, rng)
        p["b_h"] = rng.normal(size=4)                  # non-zero biases
        p["w_out"] = rng.normal(size=(1, 4))
        p["b_out"] = np.array([0.3])
        loss, grads = dynamics.last_step_regression(p, (x, y), act)
        assert set(grads) == set(p)
        errs = gradcheck.check_gradients(lambda q, a=act: dynamics.last_step_regression(q, (x, y), a)[0], p, grads)
        assert all(e["norm"] < 1e-7 for e in errs.values()), errs
    with pytest.raises(ValueError, match="gap"):
        dynamics.recall_batches(0, 5)
