import numpy as np
import pytest
from unrolled import cells, gradcheck, sequence

from .helpers import IDS, VARIANTS, loss_and_dhs, make_problem, sequence_loss

TOL = 1e-8


def _check_all(loss, p, grads, extra=()):
    for name in cells.arrays(p):
        num = gradcheck.numerical_gradient(loss, p[name])
        err = gradcheck.relative_error(grads[name], num)
        assert err < TOL, f"{name}: relative error {err:.2e}"
    for label, analytic, x in extra:
        err = gradcheck.relative_error(analytic, gradcheck.numerical_gradient(loss, x))
        assert err < TOL, f"{label}: relative error {err:.2e}"


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_full_bptt_matches_finite_differences(kind, init_opts, fwd_opts, seed):
    """T = 20, B = 3, non-zero biases, non-zero initial state: every parameter, x and state0."""
    p, x, y, W_yh, b_y, state0 = make_problem(kind, init_opts, seed, T=20)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    dx, dstate0, grads = sequence.backward(dhs, cache)
    assert set(grads) == set(cells.arrays(p)) and all(grads[k].shape == p[k].shape for k in grads)

    def loss():
        return sequence_loss(kind, x, p, y, W_yh, b_y, state0, fwd_opts)

    _check_all(loss, p, grads)


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_input_and_initial_state_gradients(kind, init_opts, fwd_opts, seed):
    """dx and dstate0 against L = sum(G * hs): a loss of order 10, so that rounding in
    L(x +- eps) (about 1e-16 |L| / eps) stays far below the gradients being checked."""
    p, x, _, _, _, state0 = make_problem(kind, init_opts, seed, T=20)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    G = np.random.default_rng(100 + seed).standard_normal(hs.shape)
    dx, dstate0, _ = sequence.backward(G, cache)

    def loss():
        return float(np.sum(G * sequence.forward(kind, x, p, state0, **fwd_opts)[0]))

    extra = [("dx", dx, x)]
    if kind == "lstm":
        extra += [("dh0", dstate0[0], state0[0]), ("dc0", dstate0[1], state0[1])]
    else:
        extra += [("dstate0", dstate0, state0)]
    _check_all(loss, {}, {}, extra)


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
def test_forward_equals_stepping_the_cell(kind, init_opts, fwd_opts):
    p, x, *_, state0 = make_problem(kind, init_opts, 2, T=6)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    state = state0
    for t in range(x.shape[0]):
        state, _ = cells.step(kind, x[t], state, p, **fwd_opts)
        h = state[0] if kind == "lstm" else state
        assert np.allclose(hs[t], h, rtol=1e-13, atol=1e-15)
    last = sequence.last_state(cache)
    assert all(np.array_equal(a, b) for a, b in zip(np.atleast_1d(last), np.atleast_1d(state))) \
        if kind != "lstm" else all(np.array_equal(a, b) for a, b in zip(last, state))


def _truncated_reference(kind, x, p, dhs, k1, k2, fwd_opts):
    """BPTT(k2; k1) from its definition: per chunk, rerun the window from a detached state."""
    T = x.shape[0]
    hs, cache = sequence.forward(kind, x, p, **fwd_opts)
    states = [None]  # states[t] = state before step t (None = zeros)
    st = None
    for t in range(T):
        prev = st if st is not None else cells.zero_state(kind, x.shape[1], hs.shape[2])
        st_new, _ = cells.step(kind, x[t], prev, p, **fwd_opts)
        states.append(st_new)
        st = st_new
    total = {k: np.zeros_like(v) for k, v in cells.arrays(p).items()}
    for lo in range(0, T, k1):
        end = min(lo + k1, T)
        start = max(0, end - k2)
        d = np.zeros((end - start,) + dhs.shape[1:])
        d[lo - start:] = dhs[lo:end]
        _, c = sequence.forward(kind, x[start:end], p, states[start], **fwd_opts)
        _, _, g = sequence.backward(d, c)
        for k in total:
            total[k] += g[k]
    return total


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("k1,k2", [(1, 1), (3, 3), (3, 7), (5, 5), (4, 10), (7, 20)])
def test_truncated_bptt_matches_its_definition(kind, init_opts, fwd_opts, k1, k2):
    p, x, y, W_yh, b_y, _ = make_problem(kind, init_opts, 3, T=17)
    hs, cache = sequence.forward(kind, x, p, **fwd_opts)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    _, _, grads = sequence.truncated_backward(dhs, cache, k1, k2)
    ref = _truncated_reference(kind, x, p, dhs, k1, k2, fwd_opts)
    for k in cells.arrays(p):
        assert np.allclose(grads[k], ref[k], rtol=1e-10, atol=1e-12), k


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("k1", [1, 4, 17])
def test_truncated_with_k2_at_least_T_is_full_bptt(kind, init_opts, fwd_opts, k1):
    p, x, y, W_yh, b_y, state0 = make_problem(kind, init_opts, 4, T=17)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    full = sequence.backward(dhs, cache)
    trunc = sequence.truncated_backward(dhs, cache, k1, 17)
    assert np.allclose(full[0], trunc[0], rtol=1e-11, atol=1e-13)
    for k in cells.arrays(p):
        assert np.allclose(full[2][k], trunc[2][k], rtol=1e-11, atol=1e-13)


def _truncated_one_buffer_per_chunk(dhs, cache, k1, k2):
    """The earlier implementation, kept as a reference: it zeroed a (T, B, H) copy of
    ``dhs`` per chunk (O(T^2 / k1)); the linear one must give exactly the same numbers."""
    T = dhs.shape[0]
    dax = np.zeros((T, dhs.shape[1], sequence._width(cache)), dtype=dhs.dtype)
    dah = dax if sequence._same_dah(cache) else np.zeros_like(dax)
    dstate0 = sequence._zero_dstate(cache)
    for begin in range(0, T, k1):
        end = min(begin + k1, T)
        start = max(0, end - k2)
        chunk = np.zeros_like(dhs)
        chunk[begin:end] = dhs[begin:end]
        dstate = sequence._backward_steps(chunk, cache, end, start, sequence._zero_dstate(cache), dax, dah)
        if start == 0:
            dstate0 = sequence._add_state(dstate0, dstate)
    dx, grads = sequence._gradients(cache, dax, dah)
    return dx, dstate0, grads


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
@pytest.mark.parametrize("k1,k2", [(1, 1), (1, 4), (3, 3), (3, 7), (6, 6), (4, 17), (5, 40)])
def test_truncated_is_exactly_the_one_buffer_per_chunk_version(kind, init_opts, fwd_opts, k1, k2):
    """Bit for bit: dx, dstate0 (a pair for the LSTM) and every gradient, k1 < k2, k1 = k2, k2 >= T."""
    p, x, y, W_yh, b_y, state0 = make_problem(kind, init_opts, 6, T=17)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    dx, dstate0, grads = sequence.truncated_backward(dhs, cache, k1, k2)
    dx_ref, dstate0_ref, grads_ref = _truncated_one_buffer_per_chunk(dhs, cache, k1, k2)
    assert np.array_equal(dx, dx_ref)
    for a, b in zip(np.atleast_1d(dstate0) if kind != "lstm" else dstate0,
                    np.atleast_1d(dstate0_ref) if kind != "lstm" else dstate0_ref):
        assert np.array_equal(a, b)
    assert set(grads) == set(grads_ref)
    assert all(np.array_equal(grads[k], grads_ref[k]) for k in grads)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_truncated_allocates_nothing_that_grows_with_T_per_chunk(kind):
    """No timing: the memory in use while any chunk runs its backward steps, above what
    was in use before the call, stays below the pre-activation gradients (which grow
    with T once per call) plus a margin of a few windows. A (T, B, H) buffer per chunk
    (the earlier, quadratic version) exceeds it by T * B * H * 8 bytes."""
    import copy
    import tracemalloc

    T, B, H, k1, k2 = 1000, 2, 16, 1, 5
    rng = np.random.default_rng(0)
    p = cells.init(kind, 3, H, rng)
    hs, cache = sequence.forward(kind, rng.standard_normal((T, B, 3)), p)
    dhs = rng.standard_normal(hs.shape)
    in_use = [0]                                        # the largest reading so far (a list would grow)
    spy = copy.copy(cache["cell"])                      # the shared Cell table stays untouched

    def core_backward(dstate, core):
        in_use[0] = max(in_use[0], tracemalloc.get_traced_memory()[0])
        return cache["cell"].core_backward(dstate, core)

    spy.core_backward = core_backward
    spied = {**cache, "cell": spy}
    dax_bytes = T * B * sequence._width(cache) * 8 * (1 if sequence._same_dah(cache) else 2)
    margin = 64 * 1024                                  # a few windows of (k2, B, 4H) and small temporaries
    buffer_bytes = T * B * H * 8
    assert buffer_bytes > 2 * margin                    # so the test can see the quadratic buffer
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sequence.truncated_backward(dhs, spied, k1, k2)
        worst = in_use[0] - before
        assert worst < dax_bytes + margin, (worst, dax_bytes)
        in_use[0] = 0
        before = tracemalloc.get_traced_memory()[0]
        _truncated_one_buffer_per_chunk(dhs, spied, k1, k2)      # the test sees the old buffer
        assert in_use[0] - before >= dax_bytes + buffer_bytes
    finally:
        tracemalloc.stop()


def test_truncated_is_blind_beyond_k2():
    """A loss only at the last step: with k1 = k2 = 5 nothing reaches inputs older than 5 steps."""
    p, x, y, W_yh, b_y, _ = make_problem("rnn", {}, 5, T=20)
    hs, cache = sequence.forward("rnn", x, p)
    dhs = np.zeros_like(hs)
    dhs[-1] = 1.0
    dx, _, _ = sequence.truncated_backward(dhs, cache, 5, 5)
    assert np.all(dx[:15] == 0) and np.all(np.abs(dx[15:]).sum(axis=(1, 2)) > 0)
    dx_full, _, _ = sequence.backward(dhs, cache)
    assert np.all(np.abs(dx_full[:15]).sum(axis=(1, 2)) > 0)


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
def test_chunks_with_carried_state_equal_one_pass(kind, init_opts, fwd_opts):
    """Forward in two chunks carrying the state; backward with dstate_last chains them exactly."""
    p, x, y, W_yh, b_y, state0 = make_problem(kind, init_opts, 6, T=12)
    hs, cache = sequence.forward(kind, x, p, state0, **fwd_opts)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    dx, ds0, g = sequence.backward(dhs, cache)
    h1, c1 = sequence.forward(kind, x[:5], p, state0, **fwd_opts)
    h2, c2 = sequence.forward(kind, x[5:], p, sequence.last_state(c1), **fwd_opts)
    assert np.allclose(np.concatenate([h1, h2]), hs, rtol=1e-13)
    dx2, dmid, g2 = sequence.backward(dhs[5:], c2)
    dx1, ds01, g1 = sequence.backward(dhs[:5], c1, dstate_last=dmid)
    assert np.allclose(np.concatenate([dx1, dx2]), dx, rtol=1e-11, atol=1e-13)
    for k in cells.arrays(p):
        assert np.allclose(g1[k] + g2[k], g[k], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kinds", [("rnn", "rnn"), ("lstm", "gru"), ("gru", "gated", "rnn")])
def test_stacked_bptt_matches_finite_differences(kinds):
    rng = np.random.default_rng(7)
    T, B, D, H, V = 8, 2, 3, 4, 5
    layers = []
    n_in = D
    for kind in kinds:
        p = cells.init(kind, n_in, H, rng)
        for k in cells.arrays(p):
            if k.startswith("b"):
                p[k] += 0.2
        layers.append((kind, p))
        n_in = H
    x = rng.standard_normal((T, B, D))
    y = rng.integers(0, V, (T, B))
    W_yh, b_y = rng.standard_normal((V, H)), rng.standard_normal(V)
    top, caches = sequence.stacked_forward(layers, x)
    _, dtop = loss_and_dhs(top, y, W_yh, b_y)
    dx, dstates0, grads = sequence.stacked_backward(dtop, caches)
    assert len(grads) == len(kinds) and len(dstates0) == len(kinds)

    def loss():
        return loss_and_dhs(sequence.stacked_forward(layers, x)[0], y, W_yh, b_y)[0]

    for (_, p), g in zip(layers, grads):
        _check_all(loss, p, g)
    _check_all(loss, {}, {}, [("dx", dx, x)])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bidirectional_bptt_matches_finite_differences(kind):
    rng = np.random.default_rng(8)
    T, B, D, H, V = 7, 2, 3, 4, 5
    pf, pb = cells.init(kind, D, H, rng), cells.init(kind, D, H, rng)
    x = rng.standard_normal((T, B, D))
    y = rng.integers(0, V, (T, B))
    W_yh, b_y = rng.standard_normal((V, 2 * H)), rng.standard_normal(V)
    hs, cache = sequence.bidirectional_forward(kind, x, pf, pb)
    assert hs.shape == (T, B, 2 * H)
    _, dhs = loss_and_dhs(hs, y, W_yh, b_y)
    dx, _, (gf, gb) = sequence.bidirectional_backward(dhs, cache)

    def loss():
        return loss_and_dhs(sequence.bidirectional_forward(kind, x, pf, pb)[0], y, W_yh, b_y)[0]

    _check_all(loss, pf, gf)
    _check_all(loss, pb, gb, [("dx", dx, x)])


def test_bidirectional_state_at_t_sees_the_future():
    rng = np.random.default_rng(9)
    pf, pb = cells.init("rnn", 2, 3, rng), cells.init("rnn", 2, 3, rng)
    x = rng.standard_normal((6, 1, 2))
    hs, _ = sequence.bidirectional_forward("rnn", x, pf, pb)
    x2 = x.copy()
    x2[5] += 1.0                                        # change only the last input
    hs2, _ = sequence.bidirectional_forward("rnn", x2, pf, pb)
    assert np.array_equal(hs[0, :, :3], hs2[0, :, :3])  # the forward half at t=0 cannot know
    assert not np.allclose(hs[0, :, 3:], hs2[0, :, 3:])  # the backward half does


@pytest.mark.parametrize("kind,init_opts,fwd_opts", VARIANTS, ids=IDS)
def test_float32_is_preserved_end_to_end(kind, init_opts, fwd_opts):
    rng = np.random.default_rng(10)
    p = cells.init(kind, 3, 4, rng, dtype=np.float32, **init_opts)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    hs, cache = sequence.forward(kind, x, p, **fwd_opts)
    dx, ds0, g = sequence.backward(np.ones_like(hs), cache)
    assert hs.dtype == dx.dtype == np.float32
    assert all(v.dtype == np.float32 for v in g.values())
    p64 = {**p, **{k: v.astype(np.float64) for k, v in cells.arrays(p).items()}}
    hs64, c64 = sequence.forward(kind, x.astype(np.float64), p64, **fwd_opts)
    assert np.allclose(hs, hs64, atol=1e-5)
    assert all(np.allclose(g[k], sequence.backward(np.ones_like(hs64), c64)[2][k], atol=1e-4) for k in cells.arrays(p))


def test_forward_rejects_bad_input():
    rng = np.random.default_rng(0)
    p = cells.init("gru", 3, 4, rng)
    with pytest.raises(ValueError, match="x: expected an array with 3 dimensions"):
        sequence.forward("gru", np.zeros((2, 3)), p)
    with pytest.raises(ValueError, match="x: expected 3 input features"):
        sequence.forward("gru", np.zeros((2, 1, 5)), p)
    with pytest.raises(TypeError, match="x: expected dtype float64"):
        sequence.forward("gru", np.zeros((2, 1, 3), np.float32), p)
    with pytest.raises(ValueError, match="state0: expected shape"):
        sequence.forward("gru", np.zeros((2, 1, 3)), p, np.zeros((1, 5)))
    with pytest.raises(ValueError, match="kind"):
        sequence.forward("lsmt", np.zeros((2, 1, 3)), p)
    with pytest.raises(ValueError, match="x: expected finite"):
        sequence.forward("gru", np.full((2, 1, 3), np.inf), p)
    with pytest.raises(ValueError, match=r"params\['W_h'\]: expected shape"):
        sequence.forward("gru", np.zeros((2, 1, 3)), {**p, "W_h": np.zeros((13, 4))})
    hs, cache = sequence.forward("gru", np.zeros((2, 1, 3)), p)
    with pytest.raises(ValueError, match="dhs: expected shape"):
        sequence.backward(np.zeros((3, 1, 4)), cache)
    with pytest.raises(ValueError, match="k2: expected k2 >= k1"):
        sequence.truncated_backward(np.zeros_like(hs), cache, 3, 2)
    with pytest.raises(ValueError, match="k1"):
        sequence.truncated_backward(np.zeros_like(hs), cache, 0, 2)
    with pytest.raises(ValueError, match="layers"):
        sequence.stacked_forward([], np.zeros((2, 1, 3)))


def test_truncated_benchmark_runs_at_tiny_sizes():
    """benchmarks/truncated_bptt.py's code paths (no timing is asserted here)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "truncated_bptt.py"
    spec = importlib.util.spec_from_file_location("bench_truncated_bptt", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.measure(lengths=(6, 12), settings=((1, 3), (3, 3)), B=2, D=3, H=4, rounds=2,
                         min_seconds=0.0)
    assert len(rows) == 4 and all(r["median_us"] > 0 and r["worst_us"] >= r["median_us"] for r in rows)
    table = bench.markdown(rows, "rnn", 2, 3, 4)
    assert table.count("\n| ") == 1 + 2                  # header + one line per length
    assert "k1 = 1, k2 = 3: median per step at T = 12 over T = 6" in table
