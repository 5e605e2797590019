"""The GRU-gates explorer of notebook 06: its numbers, both conventions, every setting drawable without warnings."""
import itertools
import warnings

import numpy as np
import pytest
from unrolled import cells, gru_forms
from unrolled.explorers import gru_gates
from unrolled.explorers.base import render_png


def strict(fn, *args, **kwargs):
    """Run fn as the explorer base does: every numpy warning is an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def test_pinned_update_gate_keeps_z_to_the_power_of_the_steps_of_the_trace():
    # pinned gates, no recurrent candidate weight would make it exact; with W_hn the trace
    # still decays no slower than z per step times the candidate's gain: check the gradient instead
    res = strict(gru_gates.compute, update_bias=3.0, reset_bias=0.0, gates="pinned", T=50)
    z = 1 / (1 + np.exp(-3.0))
    assert res["z_pinned"] == pytest.approx(z)
    # each local derivative is z + (1 - z) * dn/dh, with |dn/dh| <= |W_hn| r
    per_step = np.diff(-res["log_grad"])
    bound = np.log10(z + (1 - z) * gru_gates.W_HN * res["r_pinned"])
    assert np.all(-per_step <= bound + 1e-12)
    assert np.all(-per_step >= np.log10(z) - 1e-12)


def test_log_gradient_matches_the_library_backward():
    for gates, conv in itertools.product(gru_gates.GATES, gru_gates.CONVENTIONS):
        res = strict(gru_gates.compute, 2.0, -1.0, gates, conv, 30)
        p = gru_gates.params(2.0, -1.0, gates, conv)
        x = np.zeros((30, 1, 1))
        x[0] = 1.0
        norms = gru_forms.state_gradient_norms("gru", x, p, np.ones((1, 1)))
        np.testing.assert_allclose(res["log_grad"], np.log10(norms), atol=1e-9)


def test_convention_toggle_uses_the_same_weights_and_changes_the_state():
    after = gru_gates.params(1.0, 0.0, "driven", gru_gates.CONVENTIONS[1])
    cho = gru_gates.params(1.0, 0.0, "driven", gru_gates.CONVENTIONS[0])
    assert cells.reset_after(after) and not cells.reset_after(cho)
    np.testing.assert_array_equal(cho["W_h"], after["W_h"])
    a = gru_gates.compute(1.0, 0.0, "driven", gru_gates.CONVENTIONS[0], 40)
    b = gru_gates.compute(1.0, 0.0, "driven", gru_gates.CONVENTIONS[1], 40)
    assert np.max(np.abs(a["h"] - b["h"])) > 1e-3


def test_driven_gates_write_the_pulse_and_hold_it():
    res = strict(gru_gates.compute, update_bias=6.0, reset_bias=0.0, gates="driven", T=100)
    assert res["trace"][0] > 0.5                 # the pulse opens the update gate: written in
    assert res["kept"] > 0.5                      # and mostly still there 100 steps later


@pytest.mark.parametrize("gates", gru_gates.GATES)
@pytest.mark.parametrize("conv", gru_gates.CONVENTIONS)
def test_every_setting_is_finite_and_drawable(gates, conv):
    for ub, rb, T in itertools.product((-6.0, 0.0, 8.0), (-6.0, 6.0), (10, 200)):
        res = strict(gru_gates.compute, ub, rb, gates, conv, T)
        for key in ("h", "h_none", "trace", "log_grad"):
            assert np.all(np.isfinite(res[key])), key
        assert res.get("message") or res.get("readout")
    png = strict(render_png, gru_gates.draw, res, (9, 4.6))
    assert png[:4] == b"\x89PNG"


def test_a_pulse_that_cannot_enter_gives_a_message_and_still_draws():
    res = strict(gru_gates.compute, update_bias=20.0, reset_bias=0.0, gates="pinned", T=20)
    assert "never gets in" in res["message"]
    assert strict(render_png, gru_gates.draw, res, (9, 4.6))[:4] == b"\x89PNG"


def test_long_sequences_do_not_underflow_the_gradient():
    res = strict(gru_gates.compute, update_bias=-6.0, reset_bias=-6.0, gates="pinned", T=200)
    assert res["log_grad"][-1] < -300            # below float64's smallest normal number, as a logarithm


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="gates"):
        gru_gates.compute(gates="open")
    with pytest.raises(ValueError, match="convention"):
        gru_gates.compute(convention="both")
    with pytest.raises(ValueError, match="T"):
        gru_gates.compute(T=1)
    with pytest.raises(ValueError, match="update_bias"):
        gru_gates.compute(update_bias=float("nan"))


def test_every_control_changes_the_readout():
    ex = gru_gates.explorer()
    ex.update()
    for name, value in (("update_bias", 1.0), ("reset_bias", 3.0), ("gates", "pinned"),
                        ("convention", gru_gates.CONVENTIONS[1]), ("T", 120)):
        before = ex.readout.value
        ex.controls[name].value = value
        assert ex.readout.value != before, name


def test_the_figure_is_built_once_and_updated_in_place():
    ex = gru_gates.explorer()
    assert isinstance(ex.draw, gru_gates.GateView)
    ex.update()
    axes = list(ex._figure.fig.axes)
    lines = [line for ax in axes for line in ax.lines]
    for name, value in (("T", 200), ("gates", "pinned"), ("update_bias", -6.0)):
        ex.controls[name].value = value
    assert ex._figure.fig.axes == axes
    assert [line for ax in axes for line in ax.lines] == lines
    t, h = ex.draw.h.get_data()
    assert len(t) == 200 and np.array_equal(h, ex.result["h"])
