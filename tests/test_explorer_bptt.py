"""The BPTT graph explorer: what it computes, its messages, and that it draws."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import numpy as np
import pytest
from unrolled import bptt
from unrolled.explorers import bptt_graph
from unrolled.explorers.base import render_png


@pytest.mark.parametrize("step", [1, 4, 8])
def test_only_later_losses_contribute_and_shares_sum_to_one(step):
    r = bptt_graph.compute(step=step, T=8, scale=1.0)
    assert "message" not in r
    assert np.all(r["norms"][:step - 1] == 0)
    assert np.all(r["norms"][step - 1:] > 0)
    assert r["shares"].sum() == pytest.approx(1.0, abs=1e-12)
    assert f"L_{step} ... L_8" in r["readout"]


def test_last_state_collects_only_its_own_loss():
    r = bptt_graph.compute(step=6, T=6)
    assert r["shares"][-1] == pytest.approx(1.0)
    assert r["fraction_later"] == 0.0


def test_without_recurrence_later_losses_send_nothing():
    r = bptt_graph.compute(step=2, T=6, scale=0.0)
    assert np.all(r["norms"][2:] == 0) and r["norms"][1] > 0


def test_smaller_radius_makes_far_losses_fade():
    small = bptt_graph.compute(step=1, T=10, scale=0.3, seed=1)
    large = bptt_graph.compute(step=1, T=10, scale=1.5, seed=1)
    far = slice(5, None)
    assert small["norms"][far].sum() / small["norms"][0] < large["norms"][far].sum() / large["norms"][0]
    assert small["norms"][far].max() < 1e-2 * small["norms"][0]


def test_matches_the_library():
    r = bptt_graph.compute(step=3, T=5, seed=2)
    assert r["total_norm"] > 0
    # the explorer's numbers are bptt.loss_contributions' numbers: redo them by hand
    rng = np.random.default_rng(2)
    params = bptt.init_lm(4, 6, 4, rng, scale=1.0, bias=0.1)
    params["W_hh"] *= 1.0 / np.max(np.abs(np.linalg.eigvals(params["W_hh"])))
    tokens = rng.integers(0, 4, (6, 1))
    _, cache = bptt.lm_forward(np.eye(4)[tokens[:-1]], tokens[1:], params)
    np.testing.assert_allclose(r["norms"], bptt.loss_contributions(cache, 2)["norms"], atol=1e-12)


@pytest.mark.parametrize("settings", [{"step": 9, "T": 8}, {"T": 1}, {"T": 40}, {"scale": -1.0}])
def test_settings_out_of_range_give_a_message(settings):
    r = bptt_graph.compute(**settings)
    assert "message" in r and "norms" not in r
    assert render_png(bptt_graph.draw, r).startswith(b"\x89PNG")


@pytest.mark.parametrize("scale", [0.0, 3.0])
def test_extremes_compute_without_warnings(scale):
    with np.errstate(all="raise"):
        r = bptt_graph.compute(step=1, T=12, scale=scale)
    assert np.all(np.isfinite(r["norms"]))
    assert render_png(bptt_graph.draw, r).startswith(b"\x89PNG")


def test_widget_updates_when_a_control_moves():
    ex = bptt_graph.explorer()
    ex.update()
    first = ex.result["norms"].copy()
    ex.controls["step"].value = 5
    assert ex.result["step"] == 5
    assert np.all(ex.result["norms"][:4] == 0) and first[3] > 0
    assert "L_5" in ex.readout.value
    ex.controls["step"].value = 12        # beyond T = 8: the slider stops at 8
    assert ex.result["step"] == 8 and "message" not in ex.result


def test_the_step_slider_ends_at_the_sequence_length():
    ex = bptt_graph.explorer(step=6, T=8)
    ex.update()
    assert ex.controls["step"].max == 8
    ex.controls["T"].value = 4                     # pulls the step back to 4, one consistent update
    assert ex.controls["step"].value == 4 and ex.controls["step"].max == 4
    assert "message" not in ex.result and "collects L_4 ... L_4 (1 loss)" in ex.readout.value
    ex.controls["T"].value = 12
    assert ex.controls["step"].max == 12 and ex.controls["step"].value == 4


def test_tiny_negative_shares_are_labelled_0_percent_not_minus_0():
    r = bptt_graph.compute(step=1, T=12, scale=0.5)
    tiny_negative = (r["shares"] < 0) & (r["shares"] > -0.005)
    assert tiny_negative.any()                      # what would read "-0%"
    view = bptt_graph.GraphView()
    fig = matplotlib.figure.Figure()
    view.build(fig)
    view.update(r)
    labels = [s.get_text() for s in view.shares if s.get_visible()]
    assert "-0%" not in labels and "0%" in labels


def test_readout_and_bar_labels_are_the_same_quantity():
    r = bptt_graph.compute(step=3, T=8, scale=1.0)
    assert r["fraction_later"] == pytest.approx(r["shares"][3:].sum(), abs=1e-12)
    assert f"{100 * r['fraction_later']:.0f}%" in r["readout"]


def test_step_slider_follows_the_length_both_ways():
    ex = bptt_graph.explorer(step=3, T=8)
    ex.controls["T"].value = 12
    assert ex.controls["step"].max == 12
    ex.controls["step"].value = 12
    ex.controls["T"].value = 4            # the step comes down with T: never a "choose a step" message
    assert ex.controls["step"].value == 4 and "message" not in ex.result
