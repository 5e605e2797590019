"""unrolled.train: the generic fit loop and sampling with a temperature."""
import numpy as np
import pytest
from unrolled import optim, train


def regression_problem(seed=0):
    """Least squares y = X w* + noise: loss and gradient in closed form."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=3)
    X_test = rng.normal(size=(200, 3))
    y_test = X_test @ w_true

    def batches(rng):
        X = rng.normal(size=(16, 3))
        return X, X @ w_true + 0.01 * rng.normal(size=16)

    def loss_and_grads(params, batch):
        X, y = batch
        r = X @ params["w"] + params["b"] - y
        return float(np.mean(r ** 2)), {"w": 2 * X.T @ r / len(y), "b": np.array(2 * r.mean())}

    def evaluate(params):
        return {"mse": float(np.mean((X_test @ params["w"] + params["b"] - y_test) ** 2))}

    return w_true, batches, loss_and_grads, evaluate


def test_fit_learns_and_records_everything():
    w_true, batches, loss_and_grads, evaluate = regression_problem()
    params = {"w": np.zeros(3), "b": np.array(0.5)}
    h = train.fit(loss_and_grads, params, optim.SGD(lr=0.1), batches, 200, evaluate=evaluate,
                  eval_every=50, progress=False)
    assert len(h.loss) == len(h.grad_norm) == 200
    assert h.eval_steps == [0, 50, 100, 150, 200]
    steps, mse = h.metric("mse")
    assert steps.tolist() == h.eval_steps and mse[0] > 0.3 and mse[-1] < 1e-3
    np.testing.assert_allclose(params["w"], w_true, atol=0.02)
    assert h.last == h.evals[-1] and h.seconds > 0
    with pytest.raises(KeyError, match="mse"):
        h.metric("accuracy")


def test_fit_is_reproducible_with_a_seed_and_differs_with_another():
    _, batches, loss_and_grads, _ = regression_problem()
    runs = []
    for seed in (3, 3, 4):
        params = {"w": np.zeros(3), "b": np.array(0.0)}
        runs.append(train.fit(loss_and_grads, params, optim.Adam(lr=0.05), batches, 30, seed=seed, progress=False).loss)
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_fit_clips_the_global_norm_and_records_it_before_clipping():
    _, batches, loss_and_grads, _ = regression_problem()
    seen = []

    class Recorder:
        def step(self, params, grads):
            seen.append(optim.global_norm(grads))

    h = train.fit(loss_and_grads, {"w": np.full(3, 10.0), "b": np.array(0.0)}, Recorder(), batches, 5,
                  clip_norm=0.5, progress=False)
    assert max(seen) == pytest.approx(0.5) and min(h.grad_norm) > 0.5


def test_fit_stops_on_nan_and_checks_its_arguments():
    _, batches, _, _ = regression_problem()

    def exploding(params, batch):
        return float("nan"), {"w": np.zeros(3)}

    with pytest.raises(FloatingPointError, match="step 1"):
        train.fit(exploding, {"w": np.zeros(3)}, optim.SGD(lr=0.1), batches, 3, progress=False)

    def ok(params, batch):
        return 0.0, {"w": np.zeros(3)}

    with pytest.raises(TypeError, match="params"):
        train.fit(ok, [], optim.SGD(), batches, 3, progress=False)
    with pytest.raises(TypeError, match="optimizer"):
        train.fit(ok, {"w": np.zeros(3)}, "adam", batches, 3, progress=False)
    with pytest.raises(ValueError, match="steps"):
        train.fit(ok, {"w": np.zeros(3)}, optim.SGD(), batches, 0, progress=False)
    with pytest.raises(ValueError, match="eval_every"):
        train.fit(ok, {"w": np.zeros(3)}, optim.SGD(), batches, 3, eval_every=0, progress=False)


def test_fit_progress_bar_runs(capsys):
    _, batches, loss_and_grads, _ = regression_problem()
    train.fit(loss_and_grads, {"w": np.zeros(3), "b": np.array(0.0)}, optim.SGD(lr=0.1), batches, 20,
              desc="regression", progress=True)
    assert "regression" in capsys.readouterr().err


def test_sample_with_temperature():
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    rng = np.random.default_rng(0)
    draws = train.sample(np.tile(logits, (20000, 1)), rng)
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.1, 0.2, 0.7], atol=0.01)
    cold = train.sample(np.tile(logits, (20000, 1)), rng, temperature=0.5)
    expected = np.array([0.01, 0.04, 0.49]) / 0.54                # p**2, renormalised
    np.testing.assert_allclose(np.bincount(cold, minlength=3) / 20000, expected, atol=0.01)
    assert train.sample(logits, rng, temperature=0).item() == 2
    assert train.sample(np.array([[0.0, 1.0], [5.0, 0.0]]), rng, temperature=1e-300).tolist() == [1, 0]
    assert train.sample(np.zeros((4, 5, 3)), rng).shape == (4, 5)
    with pytest.raises(ValueError, match="temperature"):
        train.sample(logits, rng, temperature=-1)
    with pytest.raises(TypeError, match="rng"):
        train.sample(logits, 0)


def test_finished_progress_bar_shows_count_and_loss_but_no_timing(capsys):
    """A stored notebook must not change between runs: the final bar has no times or rates."""
    _, batches, loss_and_grads, _ = regression_problem()
    train.fit(loss_and_grads, {"w": np.zeros(3), "b": np.array(0.5)}, optim.SGD(lr=0.1), batches, 30,
              progress=True)
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "30/30" in final and "loss=" in final
    assert "it/s" not in final and "s/it" not in final and "<" not in final


def test_eval_every_without_evaluate_is_refused_not_ignored():
    def ok(p, batch):
        return 0.0, {"w": np.zeros(3)}

    with pytest.raises(ValueError, match="eval_every: expected None without an evaluate function"):
        train.fit(ok, {"w": np.zeros(3)}, optim.SGD(), lambda rng: None, 3, eval_every=1, progress=False)
    with pytest.raises(TypeError, match="evaluate: expected a function"):
        train.fit(ok, {"w": np.zeros(3)}, optim.SGD(), lambda rng: None, 3, evaluate=3, progress=False)
    with pytest.raises(ValueError, match="clip_norm: expected a finite number > 0"):
        train.fit(ok, {"w": np.zeros(3)}, optim.SGD(), lambda rng: None, 3, clip_norm=-1.0, progress=False)
