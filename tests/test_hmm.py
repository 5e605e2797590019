"""unrolled.hmm: every inference algorithm against brute-force enumeration over all tag sequences."""
import numpy as np
import pytest
from unrolled import hmm


def random_hmm(seed, N=3, V=4, zeros=False):
    """A random HMM; with zeros=True some transitions and emissions are impossible."""
    rng = np.random.default_rng(seed)
    A = rng.dirichlet(np.full(N, 0.7), size=N)
    E = rng.dirichlet(np.full(V, 0.7), size=N)
    initial = rng.dirichlet(np.ones(N))
    if zeros:
        A[rng.random((N, N)) < 0.3] = 0.0
        A[np.arange(N), rng.integers(0, N, N)] += 0.5   # every row keeps some mass
        A /= A.sum(axis=1, keepdims=True)
        E[rng.random((N, V)) < 0.3] = 0.0
        E[:, 0] += 0.2                                  # word 0 is always possible
        E /= E.sum(axis=1, keepdims=True)
    return initial, A, E, rng


def possible_obs(initial, A, E, rng, T):
    _, words = hmm.sample(initial, A, E, T, rng)
    return words[:, 0]


def brute_posteriors(initial, A, E, obs):
    """Filter (via prefixes) and smoother from the full joint table."""
    T, N = len(obs), A.shape[0]
    filt = np.empty((T, N))
    for t in range(T):
        paths, lj = hmm.enumerate_paths(initial, A, E, obs[: t + 1])
        p = np.exp(lj)
        filt[t] = np.bincount(paths[:, t], weights=p, minlength=N) / p.sum()
    paths, lj = hmm.enumerate_paths(initial, A, E, obs)
    p = np.exp(lj)
    smooth = np.stack([np.bincount(paths[:, t], weights=p, minlength=N) for t in range(T)]) / p.sum()
    return filt, smooth, paths, lj


SIZES = [(2, 2, 1), (2, 3, 5), (3, 4, 6), (4, 3, 5), (3, 5, 7)]   # (N tags, V words, T steps)
CASES = [(seed, N, V, T, zeros) for seed, (N, V, T) in enumerate(SIZES) for zeros in (False, True)]


@pytest.mark.parametrize("seed,N,V,T,zeros", CASES)
def test_filter_smoother_viterbi_match_enumeration(seed, N, V, T, zeros):
    initial, A, E, rng = random_hmm(seed, N, V, zeros)
    obs = possible_obs(initial, A, E, rng, T)
    filt, smooth, paths, lj = brute_posteriors(initial, A, E, obs)
    log_evidence = np.log(np.exp(lj).sum())
    for domain in ("linear", "log"):
        post, loglik = hmm.filter(initial, A, E, obs, domain=domain)
        np.testing.assert_allclose(post, filt, rtol=1e-10, atol=1e-13)
        assert loglik == pytest.approx(log_evidence, rel=1e-11)
    np.testing.assert_allclose(hmm.smooth(initial, A, E, obs), smooth, rtol=1e-10, atol=1e-13)
    path, log_prob = hmm.viterbi(initial, A, E, obs)
    assert log_prob == pytest.approx(lj.max(), rel=1e-11)
    best = np.flatnonzero(np.isclose(lj, lj.max(), rtol=1e-12))
    assert any(np.array_equal(path, paths[b]) for b in best)


def test_batch_equals_one_sequence_at_a_time():
    initial, A, E, rng = random_hmm(11, 3, 4)
    _, words = hmm.sample(initial, A, E, 9, rng, batch=5)
    post, ll = hmm.filter(initial, A, E, words)
    sm = hmm.smooth(initial, A, E, words)
    path, lp = hmm.viterbi(initial, A, E, words)
    assert post.shape == (9, 5, 3) and ll.shape == (5,) and path.shape == (9, 5)
    for b in range(5):
        p1, l1 = hmm.filter(initial, A, E, words[:, b], domain="log")
        np.testing.assert_allclose(post[:, b], p1, rtol=1e-12)
        assert ll[b] == pytest.approx(l1, rel=1e-12)
        np.testing.assert_allclose(sm[:, b], hmm.smooth(initial, A, E, words[:, b]), rtol=1e-12)
        pb, lpb = hmm.viterbi(initial, A, E, words[:, b])
        np.testing.assert_array_equal(path[:, b], pb)
        assert lp[b] == pytest.approx(lpb)


def test_long_sequences_are_stable_while_the_literal_recursion_underflows():
    initial, A, E, rng = random_hmm(3, 3, 4, zeros=True)
    obs = possible_obs(initial, A, E, rng, 5000)
    post, ll = hmm.filter(initial, A, E, obs)
    post_log, ll_log = hmm.filter(initial, A, E, obs, domain="log")
    assert np.all(np.isfinite(post)) and np.allclose(post.sum(axis=1), 1)
    np.testing.assert_allclose(post, post_log, atol=1e-9)
    assert np.isfinite(ll) and ll < -1000 and ll == pytest.approx(ll_log, rel=1e-10)
    sm = hmm.smooth(initial, A, E, obs)
    assert np.all(np.isfinite(sm)) and np.allclose(sm.sum(axis=1), 1)
    np.testing.assert_allclose(sm[-1], post[-1], atol=1e-12)
    _, lp = hmm.viterbi(initial, A, E, obs)
    assert np.isfinite(lp) and lp <= ll
    joint = hmm.forward_joint(initial, A, E, obs)
    assert joint[-1].sum() == 0.0                      # underflowed
    np.testing.assert_allclose(joint[:5] / joint[:5].sum(axis=1, keepdims=True), post[:5], rtol=1e-12)


def test_forward_step_is_one_step_of_the_filter():
    initial, A, E, rng = random_hmm(5, 3, 4)
    obs = possible_obs(initial, A, E, rng, 6)
    post, ll = hmm.filter(initial, A, E, obs)
    total = np.log((initial * E[:, obs[0]]).sum())
    for t in range(1, 6):
        b, c = hmm.forward_step(post[t - 1], A, E, obs[t])
        np.testing.assert_allclose(b, post[t], rtol=1e-12)
        total += np.log(c)
    assert total == pytest.approx(ll, rel=1e-12)


def test_viterbi_differs_from_per_step_argmax_when_it_should():
    # Tag 0 likes word 0 a bit more, but 0 -> 0 is impossible: the best *sequence* must alternate.
    initial = np.array([0.5, 0.5])
    A = np.array([[0.0, 1.0], [0.5, 0.5]])
    E = np.array([[0.6, 0.4], [0.4, 0.6]])
    obs = np.array([0, 0])
    path, _ = hmm.viterbi(initial, A, E, obs)
    paths, lj = hmm.enumerate_paths(initial, A, E, obs)
    np.testing.assert_array_equal(path, paths[np.argmax(lj)])
    smoothed_argmax = hmm.smooth(initial, A, E, obs).argmax(axis=1)
    assert path.tolist() == [0, 1] and smoothed_argmax.tolist() == [0, 1]
    filtered_argmax = hmm.filter(initial, A, E, obs)[0].argmax(axis=1)
    assert filtered_argmax.tolist() == [0, 1]


# ---------------------------------------------------------------- the lecture's example

def test_lecture_matrices_and_conventions():
    L = hmm.lecture_hmm()
    np.testing.assert_allclose(L["U"].sum(axis=0), 1)        # columns of U
    np.testing.assert_allclose(L["W"].sum(axis=1), 1)        # rows of W
    np.testing.assert_array_equal(L["A"], L["U"].T)
    assert [L["words"][k] for k in L["obs"]] == ["John", "hit", "the", "ball"]
    np.testing.assert_array_equal(L["xs"].argmax(axis=1), L["obs"])


def test_lecture_rnn_reproduces_the_printed_numbers():
    L = hmm.lecture_hmm()
    hs = hmm.rnn_lecture(L["U"], L["W"], L["xs"])
    printed = np.array([[0.28, 0.44, 0.28], [0.20, 0.20, 0.60], [0.63, 0.18, 0.18], [0.24, 0.53, 0.24]])
    assert np.max(np.abs(hs - printed)) < 0.01
    # to two decimals everything matches except Noun at t=1, 0.4469, which rounds to 0.45
    wrong = np.argwhere(np.round(hs, 2) != printed)
    assert wrong.tolist() == [[0, 1]] and hs[0, 1] == pytest.approx(0.4469, abs=1e-4)
    assert hs[0, 1] == pytest.approx(np.exp(0.48) / (2 + np.exp(0.48)))


def test_g_lecture_minus_one_changes_nothing():
    xi = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(hmm.g_lecture(xi), hmm.g_lecture(xi + 1), rtol=1e-14)
    e = np.exp(xi)
    np.testing.assert_allclose(hmm.g_lecture(xi), e / e.sum(axis=1, keepdims=True), rtol=1e-14)


def test_exact_rnn_is_the_filter():
    for seed in range(3):
        initial, A, E, rng = random_hmm(seed, 3, 5, zeros=True)
        _, words = hmm.sample(initial, A, E, 8, rng, batch=4)
        post, _ = hmm.filter(initial, A, E, words)
        hs = hmm.rnn_exact(A.T, E, hmm.one_hot(words, 5), prior=initial)
        np.testing.assert_allclose(hs, post, rtol=1e-11, atol=1e-14)
    L = hmm.lecture_hmm()
    hs = hmm.rnn_exact(L["U"], L["W"], L["xs"])
    np.testing.assert_allclose(hs[0], [1 / 51, 49 / 51, 1 / 51])


def test_loglinear_rnn_is_below_exact_by_jensen_and_exact_for_certain_beliefs():
    L = hmm.lecture_hmm()
    rng = np.random.default_rng(1)
    logU = np.log(L["U"])
    for h in rng.dirichlet(np.ones(3), size=20):
        assert np.all(logU @ h <= np.log(L["U"] @ h) + 1e-15)
    for j in range(3):
        h = np.eye(3)[j]
        np.testing.assert_allclose(logU @ h, np.log(L["U"] @ h))
    hs = hmm.rnn_loglinear(L["U"], L["W"], L["xs"])
    exact = hmm.rnn_exact(L["U"], L["W"], L["xs"])
    np.testing.assert_allclose(hs[0], exact[0])
    assert np.max(np.abs(hs - exact)) < 0.01


def test_tempered():
    L = hmm.lecture_hmm()
    np.testing.assert_allclose(hmm.tempered(L["A"], 1.0), L["A"])
    np.testing.assert_allclose(hmm.tempered(L["A"], 0.0), np.full((3, 3), 1 / 3))
    sharp = hmm.tempered(L["E"], 200.0)
    np.testing.assert_allclose(sharp.sum(axis=1), 1)
    assert sharp[0, 3] > 0.999 and np.all(np.isfinite(sharp))
    half = hmm.tempered(L["E"], 0.5)
    np.testing.assert_allclose(half, np.sqrt(L["E"]) / np.sqrt(L["E"]).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(hmm.tempered(L["U"], 2.0, axis=0).sum(axis=0), 1)
    with pytest.raises(ValueError, match="beta"):
        hmm.tempered(L["A"], -1)


def test_sample_follows_the_model():
    L = hmm.lecture_hmm()
    tags, words = hmm.sample(L["initial"], L["A"], L["E"], 40, np.random.default_rng(0), batch=500)
    assert tags.shape == words.shape == (40, 500)
    counts = np.zeros((3, 3))
    np.add.at(counts, (tags[:-1].ravel(), tags[1:].ravel()), 1)
    np.testing.assert_allclose(counts / counts.sum(axis=1, keepdims=True), L["A"], atol=0.02)   # ~4 standard errors
    em = np.zeros((3, 4))
    np.add.at(em, (tags.ravel(), words.ravel()), 1)
    np.testing.assert_allclose(em / em.sum(axis=1, keepdims=True), L["E"], atol=0.02)
    again = hmm.sample(L["initial"], L["A"], L["E"], 40, np.random.default_rng(0), batch=500)
    np.testing.assert_array_equal(again[1], words)


@pytest.mark.parametrize("call,match", [
    (lambda L: hmm.filter(L["initial"], L["U"][:, :2], L["E"], L["obs"]), "A: expected"),
    (lambda L: hmm.filter(L["initial"], L["U"] * 2, L["E"], L["obs"]), "A: expected rows"),
    (lambda L: hmm.filter(L["initial"], L["A"], L["E"], L["obs"] + 4), r"obs: expected indices in \[0, 4\)"),
    (lambda L: hmm.filter(L["initial"], L["A"], L["E"], L["obs"].astype(float)), "obs: expected integer"),
    (lambda L: hmm.filter(L["initial"][:2], L["A"], L["E"], L["obs"]), "initial"),
    (lambda L: hmm.filter(L["initial"], L["A"], L["E"], L["obs"], domain="exp"), "domain"),
    (lambda L: hmm.rnn_lecture(L["A"] @ np.diag([1, 1, 1]) * 0 + L["W"][:, :3], L["W"], L["xs"]), "U"),
    (lambda L: hmm.rnn_lecture(L["U"], L["W"], L["xs"][:, :3]), "xs"),
    (lambda L: hmm.encode(["John", "kicked"]), "kicked"),
    (lambda L: hmm.sample(L["initial"], L["A"], L["E"], 3, 0), "rng"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(hmm.lecture_hmm())


def test_impossible_observations_are_reported():
    initial = np.array([1.0, 0.0])
    A = np.eye(2)
    E = np.array([[1.0, 0.0], [0.0, 1.0]])
    for domain in ("linear", "log"):
        with pytest.raises(ValueError, match="probability zero"):
            hmm.filter(initial, A, E, np.array([0, 1]), domain=domain)
    with pytest.raises(ValueError, match="probability zero"):
        hmm.viterbi(initial, A, E, np.array([0, 1]))


def test_viterbi_trellis_is_the_best_prefix_score_and_backtrace_reads_it():
    initial, A, E, rng = random_hmm(7, 3, 4, zeros=True)
    obs = possible_obs(initial, A, E, rng, 5)
    v, back = hmm.viterbi_trellis(initial, A, E, obs)
    for t in range(5):
        paths, lj = hmm.enumerate_paths(initial, A, E, obs[: t + 1])
        for j in range(3):
            ending = paths[:, t] == j
            assert v[t, j] == pytest.approx(lj[ending].max(), rel=1e-12) or (
                np.isneginf(v[t, j]) and np.all(np.isneginf(lj[ending])))
    back = np.array([[0, 0, 0], [2, 0, 1], [1, 1, 0]])
    assert hmm.backtrace(back, np.array([0.0, -1.0, 3.0])).tolist() == [2, 0, 2]
    assert hmm.backtrace(back, np.array([5.0, -1.0, 3.0])).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="back, v_last"):
        hmm.backtrace(back, np.zeros(2))


# ---------------------------------------------------------------- backward step, the query rule, counting

def _random_hmm(rng, N=4, V=5):
    return (rng.dirichlet(np.ones(N)), rng.dirichlet(np.full(N, 0.5), size=N),
            rng.dirichlet(np.full(V, 0.5), size=N))


def test_backward_step_is_one_step_of_backward_messages():
    rng = np.random.default_rng(11)
    initial, A, E = _random_hmm(rng)
    obs = rng.integers(0, 5, size=9)
    beta = hmm.backward_messages(initial, A, E, obs)
    for t in range(8):
        np.testing.assert_allclose(hmm.backward_step(beta[t + 1], A, E, obs[t + 1]), beta[t], rtol=1e-12)
    # unscaled, it is P(x_{t+1}..x_T | Y_t) up to one constant per step: check t = T-2 by brute force
    b = hmm.backward_step(np.ones(4), A, E, obs[-1])
    direct = A @ E[:, obs[-1]]
    np.testing.assert_allclose(b, direct / direct.sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="beta_next"):
        hmm.backward_step(np.array([1.0, -1.0, 0.5, 0.5]), A, E, 0)
    with pytest.raises(ValueError, match="x_next"):
        hmm.backward_step(np.ones(4), A, E, 7)


@pytest.mark.parametrize("seed", range(4))
def test_posterior_by_query_equals_smooth_at_every_step(seed):
    rng = np.random.default_rng(seed)
    initial, A, E = _random_hmm(rng, N=int(rng.integers(2, 5)), V=3)
    obs = rng.integers(0, 3, size=int(rng.integers(1, 12)))
    smoothed = hmm.smooth(initial, A, E, obs)
    for q in range(len(obs)):
        np.testing.assert_allclose(hmm.posterior_by_query(initial, A, E, obs, q), smoothed[q], rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="query"):
        hmm.posterior_by_query(initial, A, E, obs, len(obs))
    with pytest.raises(ValueError, match="obs"):
        hmm.posterior_by_query(initial, A, E, obs[:, None], 0)


def test_estimate_recovers_the_hmm_from_many_samples_and_counts_exactly():
    L = hmm.lecture_hmm()
    E = hmm.tempered(L["E"], 0.5)
    tags, words = hmm.sample(L["initial"], L["A"], E, 30, np.random.default_rng(0), batch=3000)
    initial, A, E_hat = hmm.estimate(tags, words, 3, 4)
    assert np.abs(A - L["A"]).max() < 0.01 and np.abs(E_hat - E).max() < 0.01
    assert np.abs(initial - L["initial"]).max() < 0.03
    # exact counts on a tiny example: tags 0 1 1, words 2 0 0, pseudocount 1
    i, A2, E2 = hmm.estimate(np.array([0, 1, 1]), np.array([2, 0, 0]), 2, 3)
    np.testing.assert_allclose(i, [2 / 3, 1 / 3])
    np.testing.assert_allclose(A2, [[1 / 3, 2 / 3], [1 / 3, 2 / 3]])
    np.testing.assert_allclose(E2, [[1 / 4, 1 / 4, 2 / 4], [3 / 5, 1 / 5, 1 / 5]])
    with pytest.raises(ValueError, match="pseudocount"):
        hmm.estimate(tags, words, 3, 4, pseudocount=0)
    with pytest.raises(ValueError, match="tags, words"):
        hmm.estimate(tags[:-1], words, 3, 4)
    with pytest.raises(ValueError, match="words"):
        hmm.estimate(tags, words, 3, 3)
