"""The run explorer of notebook 07: it finds every stored run, says what it shows, and names a missing one."""
import warnings

import numpy as np
import pytest
from unrolled import memory
from unrolled.explorers import adding_runs
from unrolled.explorers.base import render_png

RUNS = memory.load_sweep()["runs"]


def strict(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("run", RUNS[:: max(1, len(RUNS) // 12)], ids=lambda r: f"{r['kind']}-{r['T']}-{r['seed']}")
def test_every_stored_run_is_shown(run):
    compute = adding_runs.make_compute(RUNS)
    res = strict(compute, T=run["T"], model=run["kind"], seed=run["seed"])
    assert "message" not in res and res["steps"].shape == res["relative"].shape == res["ratio"].shape
    assert res["pred"].shape == res["target"].shape == (adding_runs.N_SHOWN,)
    assert np.all(np.isfinite(res["ratio"])) and np.all(res["ratio"] > 0)
    verdict = ("solved" if run["final"]["relative"] < 0.1 else
               "learning" if run["final"]["relative"] < 0.5 else "stuck")
    assert verdict in res["readout"]


def test_a_missing_run_gets_a_message_not_an_error():
    compute = adding_runs.make_compute(RUNS[:1])
    r = RUNS[0]
    res = compute(T=r["T"], model=r["kind"], seed=r["seed"] + 100)
    assert "no stored run" in res["message"]


def test_the_figure_draws_and_the_explorer_builds():
    compute = adding_runs.make_compute(RUNS)
    r = RUNS[-1]
    assert strict(render_png, adding_runs.draw, compute(T=r["T"], model=r["kind"], seed=r["seed"]), (10, 3.4))[:4] \
        == b"\x89PNG"
    ex = adding_runs.explorer()
    assert set(ex.settings()) == {"T", "model", "seed"}


def test_bad_runs_are_named():
    with pytest.raises(ValueError, match="runs"):
        adding_runs.make_compute([])


def test_the_gradient_panel_shows_every_ratio_unclipped():
    # a vanilla RNN at T = 200 reaches ratios near 1e-48: the axis must reach them, as the readout prints them
    import matplotlib.pyplot as plt

    compute = adding_runs.make_compute(RUNS)
    for run in RUNS:
        res = compute(T=run["T"], model=run["kind"], seed=run["seed"])
        decades = adding_runs.ratio_decades(res["ratio"])
        assert 10.0 ** -decades <= res["ratio"].min() and res["ratio"].max() < 1e3
    worst = min(RUNS, key=lambda r: min(r["curves"]["ratio"]))
    fig = plt.figure(figsize=(10, 3.4))
    view = adding_runs.RunView()
    view.build(fig)
    view.update(compute(T=worst["T"], model=worst["kind"], seed=worst["seed"]))
    lo, hi = view.a_grad.get_ylim()
    assert lo <= min(worst["curves"]["ratio"]) and np.array_equal(view.l_grad.get_ydata(), np.asarray(
        worst["curves"]["ratio"]))
    plt.close(fig)
