"""The activation explorer of notebook 00: the numbers it shows, its messages, its drawing and wiring."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from unrolled.explorers import activations as ex
from unrolled.explorers.base import render_png


def strict(fn, *args, **kwargs):
    """Run with every numpy floating-point problem and every warning turned into an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def test_the_two_numbers_notebook_04_builds_on():
    assert strict(ex.compute, "tanh")["max_df"] == 1.0
    assert strict(ex.compute, "sigmoid")["max_df"] == 0.25
    for name in ex.NAMES:
        r = strict(ex.compute, name, (-ex.LIMIT, ex.LIMIT))
        assert r["max_df"] == r["gamma"] == ex.GAMMA[name]


def test_curves_are_the_functions_and_their_derivatives():
    r = strict(ex.compute, "tanh", (-3, 3))
    assert r["x"].shape == r["f"].shape == r["df"].shape == (ex.POINTS,)
    np.testing.assert_allclose(r["f"], np.tanh(r["x"]))
    np.testing.assert_allclose(r["df"], np.gradient(r["f"], r["x"]), atol=2e-3)  # slope of the drawn f
    s = strict(ex.compute, "sigmoid", (-3, 3))
    np.testing.assert_allclose(s["f"], 1 / (1 + np.exp(-s["x"])), rtol=1e-12)


@pytest.mark.parametrize(("name", "x_range", "expected", "at"), [
    ("tanh", (1.0, 3.0), 1 - np.tanh(1.0) ** 2, 1.0),
    ("sigmoid", (-4.0, -2.0), np.exp(-2) / (1 + np.exp(-2)) ** 2, -2.0),
    ("relu", (-3.0, -1.0), 0.0, -1.0),
    ("relu", (-1.0, 2.0), 1.0, 0.0),
    ("linear", (2.0, 4.0), 1.0, 2.0),
])
def test_largest_slope_on_a_range_away_from_zero(name, x_range, expected, at):
    r = strict(ex.compute, name, x_range)
    assert r["max_df"] == pytest.approx(expected, rel=1e-12)
    assert r["at"] == at
    assert f"max |f'| = {expected:.4g}" in r["readout"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ex.NAMES), st.floats(-20, 20), st.floats(0.01, 40))
def test_the_exact_maximum_bounds_the_curve_and_is_attained(name, lo, width):
    hi = min(lo + width, ex.LIMIT)
    if hi <= lo:
        return
    r = strict(ex.compute, name, (lo, hi))
    assert r["df"].max() <= r["max_df"] + 1e-12           # nothing on the curve is steeper
    assert r["max_df"] <= r["gamma"]
    slope_at = ex.values(name, r["at"])[1]
    assert name == "relu" or float(slope_at) == pytest.approx(r["max_df"])


@pytest.mark.parametrize(("x_range", "says"), [((2.0, 2.0), "is empty"), ((3.0, -3.0), "is empty"),
                                               ((-25.0, 0.0), "between -20 and 20"),
                                               ((0.0, np.inf), "between -20 and 20")])
def test_impossible_ranges_give_a_message_not_nans(x_range, says):
    r = strict(ex.compute, "sigmoid", x_range)
    assert set(r) == {"message"} and says in r["message"]


def test_an_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match="activation: expected one of"):
        ex.compute("softplus")


@pytest.mark.parametrize("settings_", [{"activation": "relu"}, {"x_range": (1.0, 1.0)}])
def test_drawing_works_for_results_and_messages(settings_):
    png = strict(render_png, ex.draw, ex.compute(**settings_), (9, 3.2))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_widget_responds_to_its_controls():
    widget = ex.explorer()
    widget.update()
    assert widget.result["max_df"] == 1.0
    widget.controls["activation"].value = "sigmoid"      # observers fire: compute, draw, readout
    assert widget.result["max_df"] == 0.25
    assert "sigmoid on [-5, 5]: max |f'| = 0.25" in widget.readout.value
    widget.controls["x_range"].value = (1.0, 1.0)
    assert "empty" in widget.readout.value and "message" in widget.result


def test_draw_fills_a_figure_with_two_panels():
    fig = Figure()
    ex.draw(ex.compute("tanh"), fig)
    assert len(fig.axes) == 2
