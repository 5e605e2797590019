"""The adding problem (data) and the memory experiment (memory): shapes, both variants, the
baseline, gradients checked in float64, a seeded run that is the same twice."""
import numpy as np
import pytest
from unrolled import data, gradcheck, memory


@pytest.mark.parametrize("variant", data.ADDING_VARIANTS)
def test_each_sequence_has_two_markers_and_its_target(variant):
    x, y, pos = data.adding_problem(40, 500, variant, np.random.default_rng(0))
    assert x.shape == (40, 500, 2) and y.shape == (500, 1) and pos.shape == (500, 2)
    assert np.all(x[:, :, 1].sum(axis=0) == 2) and np.all(pos[:, 0] < pos[:, 1])
    cols = np.arange(500)
    assert np.all(x[pos[:, 0], cols, 1] == 1) and np.all(x[pos[:, 1], cols, 1] == 1)
    total = x[pos[:, 0], cols, 0] + x[pos[:, 1], cols, 0]
    expected = 0.5 + total / 4 if variant == "hochreiter" else total
    np.testing.assert_allclose(y[:, 0], expected)


def test_the_published_ranges_of_values_and_markers():
    x, y, pos = data.adding_problem(100, 4000, "hochreiter", np.random.default_rng(1))
    assert x[:, :, 0].min() >= -1 and x[:, :, 0].max() <= 1 and x[:, :, 0].min() < -0.99
    assert pos[:, 0].max() <= 9                      # the first marker among the first 10 steps
    assert pos[:, 1].max() <= 100 // 2 - 2           # the second before T/2
    assert 0 <= y.min() and y.max() <= 1
    x, y, pos = data.adding_problem(100, 4000, "pascanu", np.random.default_rng(1))
    assert x[:, :, 0].min() >= 0 and pos[:, 0].max() > 50 and pos[:, 1].max() == 99


@pytest.mark.parametrize("variant", data.ADDING_VARIANTS)
def test_the_baseline_is_the_targets_variance(variant):
    _, y, _ = data.adding_problem(30, 200_000, variant, np.random.default_rng(2))
    mean, var = data.adding_target_moments(variant)
    assert abs(y.mean() - mean) < 0.003 and abs(y.var() / var - 1) < 0.01
    assert data.adding_baseline_mse(30, variant) == var == data.adding_baseline_mse(300, variant)
    assert var == pytest.approx(1 / 24 if variant == "hochreiter" else 1 / 6)


def test_generation_is_seeded():
    a = data.adding_problem(20, 5, "pascanu", np.random.default_rng(3))
    b = data.adding_problem(20, 5, "pascanu", np.random.default_rng(3))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    draw = data.adding_batches(20, 5, "pascanu")
    assert np.array_equal(draw(np.random.default_rng(3))[0], a[0])


@pytest.mark.parametrize("kwargs, words", [
    ({"T": 11, "B": 2, "variant": "hochreiter"}, "T: expected at least 12"),
    ({"T": 1, "B": 2, "variant": "pascanu"}, "T: expected at least 2"),
    ({"T": 20, "B": 0, "variant": "pascanu"}, "B: expected a positive integer"),
    ({"T": 20, "B": 2, "variant": "copy"}, "variant: expected one of"),
])
def test_bad_input_is_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        data.adding_problem(rng=np.random.default_rng(0), **kwargs)
    with pytest.raises(TypeError, match="rng"):
        data.adding_problem(20, 2, "pascanu", None)


@pytest.mark.parametrize("kind", memory.KINDS)
def test_gradients_of_every_parameter_match_finite_differences(kind):
    rng = np.random.default_rng(4)
    params = memory.init(kind, 3, rng, forget_bias=0.5 if kind == "lstm" else 0.0)
    params["b_y"] = np.array([0.3])                    # non-zero biases everywhere
    x, y, pos = data.adding_problem(7, 2, "pascanu", rng)
    f = memory.loss_and_grads(kind)
    _, grads = f(params, (x, y, pos))
    assert set(grads) == set(params)
    report = gradcheck.check_gradients(lambda p: f(p, (x, y, pos))[0], params, grads)
    assert set(report) == set(params)
    for name, err in report.items():
        assert err["norm"] < 1e-7, (name, err)


def test_the_gradient_at_the_first_marker_is_dL_dx_there():
    rng = np.random.default_rng(5)
    params = memory.init("rnn", 4, rng)
    x, y, pos = data.adding_problem(9, 3, "pascanu", rng)
    g = memory.marker_gradients("rnn", params, x, y, pos)
    b, t1 = 1, pos[1, 0]
    eps = 1e-6
    num = []
    for d in range(2):
        xp, xm = x.copy(), x.copy()
        xp[t1, b, d] += eps
        xm[t1, b, d] -= eps
        lp = np.sum((memory.forward("rnn", params, xp)[0] - y) ** 2)
        lm = np.sum((memory.forward("rnn", params, xm)[0] - y) ** 2)
        num.append((lp - lm) / (2 * eps))
    y_hat, cache = memory.forward("rnn", params, x)
    dx, _ = memory.backward(2 * (y_hat - y), cache)
    np.testing.assert_allclose(dx[t1, b], num, rtol=1e-6)
    assert g["grad_first"] > 0 and 0 < g["ratio"] < 1


def test_a_run_is_the_same_twice_and_learns_a_short_gap():
    a = memory.run("gru", 5, 0, steps=120, progress=False)
    b = memory.run("gru", 5, 0, steps=120, progress=False)
    assert a["final"] == b["final"] and a["loss"] == b["loss"]
    assert a["final"]["relative"] < 0.5 < a["curves"]["relative"][0]
    small = memory.compact(a)
    assert len(small["pred"]) == memory.N_KEPT and "params" not in small


def test_clipping_bounds_what_the_optimizer_sees_not_what_is_recorded():
    off = memory.run("rnn", 10, 0, steps=30, clip_norm=None, progress=False)
    on = memory.run("rnn", 10, 0, steps=30, clip_norm=0.01, progress=False)
    assert off["grad_norm"][0] == on["grad_norm"][0] > 0.01      # step 1: the same, before clipping
    assert off["loss"][5] != on["loss"][5]


def test_forget_bias_only_for_the_lstm():
    with pytest.raises(ValueError, match="forget_bias"):
        memory.init("gru", 3, np.random.default_rng(0), forget_bias=1.0)
    assert memory.run("gru", 5, 0, steps=2, progress=False)["forget_bias"] == 0.0


def test_sweep_table_arranges_runs_by_kind_gap_and_seed():
    runs = [{"kind": k, "T": T, "seed": s, "final": {"relative": 10 * i + T + s}}
            for i, k in enumerate(("lstm", "rnn")) for T in (20, 10) for s in (0, 1)]
    kinds, Ts, rel = memory.sweep_table(runs)
    assert kinds == ["rnn", "lstm"] and list(Ts) == [10, 20] and rel.shape == (2, 2, 2)
    assert rel[0, 1, 1] == 10 + 20 + 1 and rel[1, 0, 0] == 10


def test_the_sweep_tool_writes_json_and_csv_resumes_and_merges(tmp_path):
    import csv
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "adding_sweep", Path(__file__).resolve().parents[1] / "tools" / "adding_sweep.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert tool.main(["--Ts", "5", "--seeds", "0", "--kinds", "rnn", "--steps", "3", "--out", str(a)]) == 0
    assert tool.main(["--Ts", "5", "--seeds", "0", "1", "--kinds", "rnn", "--steps", "3", "--out", str(b)]) == 0
    first = json.loads(a.read_text())
    assert len(first["runs"]) == 1 and first["commands"][0].startswith("python tools/adding_sweep.py --Ts 5")
    assert tool.main(["--Ts", "5", "--seeds", "0", "--kinds", "rnn", "--steps", "3", "--out", str(a),
                      "--merge", str(b)]) == 0
    merged = json.loads(a.read_text())
    assert sorted((r["kind"], r["T"], r["seed"]) for r in merged["runs"]) == [("rnn", 5, 0), ("rnn", 5, 1)]
    assert len(merged["commands"]) == 3 and not b.exists()
    with open(a.with_suffix(".csv")) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["seed"]) for r in rows] == [0, 1] and float(rows[0]["relative"]) > 0
    c = tmp_path / "c.json"                      # --forget-bias reaches the LSTM and the stored settings
    assert tool.main(["--Ts", "5", "--seeds", "0", "--kinds", "lstm", "--steps", "2", "--forget-bias", "0",
                      "--out", str(c)]) == 0
    fb0 = json.loads(c.read_text())
    assert fb0["settings"]["forget_bias"] == 0.0 and fb0["runs"][0]["forget_bias"] == 0.0


def test_the_stored_sweep_is_complete_and_matches_the_defaults():
    sweep = memory.load_sweep()
    keys = {(r["kind"], r["T"], r["seed"]) for r in sweep["runs"]}
    assert keys == {(k, T, s) for k in memory.KINDS for T in (10, 50, 100, 200) for s in (0, 1, 2)}
    assert all(r["steps"] == memory.DEFAULTS["steps"] and r["n_hidden"] == memory.DEFAULTS["n_hidden"]
               and r["variant"] == memory.DEFAULTS["variant"] for r in sweep["runs"])
    assert sweep["commands"] and all(c.startswith("python tools/adding_sweep.py") for c in sweep["commands"])


def test_the_full_sweep_path_of_notebook_07_runs_on_a_tiny_configuration():
    """What ``FULL_SWEEP = True`` does in notebook 07 (train every model at every gap and seed,
    compact the runs, tabulate them, read off the longest gap solved, explore them), with
    tiny gaps and 3 updates instead of the full sweep's 9 CPU-minutes."""
    import json

    from unrolled.exercises import nb07
    from unrolled.explorers import adding_runs

    Ts, seeds = (3, 4), (0, 1)
    runs = {(kind, T, seed): memory.run(kind, T, seed, steps=3, n_test=8, progress=False)
            for T in Ts for seed in seeds for kind in memory.KINDS}
    sweep_runs = [memory.compact(r) for r in runs.values()]
    sweep_runs = json.loads(json.dumps(sweep_runs))           # storable as the sweep file is
    stored_keys = set(memory.load_sweep()["runs"][0])
    assert set(sweep_runs[0]) == stored_keys                  # the same record as the stored sweep's
    kinds, T_arr, relative = memory.sweep_table(sweep_runs)
    assert kinds == list(memory.KINDS) and T_arr.tolist() == list(Ts)
    assert relative.shape == (4, 2, 2) and np.all(np.isfinite(relative)) and np.all(relative > 0)
    longest = nb07.longest_solved(relative, T_arr)
    assert longest.shape == (4,) and set(longest.tolist()) <= {0, 3, 4}
    compute = adding_runs.make_compute(sweep_runs)
    for kind, T, seed in runs:
        out = compute(T=T, model=kind, seed=seed)
        assert "message" not in out and f"T = {T}" in out["readout"] and len(out["pred"]) == 8


def test_compact_thins_the_training_curves_as_documented():
    # every (n // 200)-th step: 700 updates keep 234 points, the number the stored sweep holds
    result = {"loss": list(np.linspace(1, 2, 700)), "grad_norm": [1.0] * 700, "final": {"mse": 1.0},
              "curves": {"relative": [1.0]}, "pred": [0.5], "target": [0.5], "seconds": 1.0, "cpu_seconds": 1.0}
    out = memory.compact(result)
    assert len(out["loss"]) == len(out["train_steps"]) == 234 and out["train_steps"][:3] == [1, 4, 7]
    assert len(memory.load_sweep()["runs"][0]["loss"]) == 234


def test_the_two_extra_stored_files_hold_what_notebook_07_reads():
    longer = memory.load_sweep(memory.LONGER_PATH)
    assert sorted((r["kind"], r["T"], r["seed"], r["steps"]) for r in longer["runs"]) == \
        [("lstm", 100, s, 1500) for s in (0, 1, 2)]
    assert longer["settings"] == {**memory.DEFAULTS, "steps": 1500}
    fb0 = memory.load_sweep(memory.FORGET_BIAS0_PATH)
    assert sorted((r["kind"], r["T"], r["seed"], r["forget_bias"]) for r in fb0["runs"]) == \
        [("lstm", 50, s, 0.0) for s in (1, 2)]
    assert fb0["settings"] == {**memory.DEFAULTS, "forget_bias": 0.0}
    for sweep in (longer, fb0):
        assert len(sweep["commands"]) == 1 and sweep["commands"][0].startswith("python tools/adding_sweep.py")


@pytest.mark.parametrize("variant", data.ADDING_VARIANTS)
def test_targets_in_chunks_are_the_draws_of_consecutive_batches(variant):
    rng = np.random.default_rng(5)
    expected = np.concatenate([data.adding_problem(24, size, variant, rng)[1][:, 0] for size in (4, 4, 2)])
    got = data.adding_targets(24, 10, variant, np.random.default_rng(5), chunk=4)
    assert got.shape == (10,) and np.array_equal(got, expected)
    with pytest.raises(ValueError, match="n: expected a positive integer"):
        data.adding_targets(24, 0, variant, np.random.default_rng(5))
    with pytest.raises(ValueError, match="chunk: expected a positive integer"):
        data.adding_targets(24, 5, variant, np.random.default_rng(5), chunk=0)
