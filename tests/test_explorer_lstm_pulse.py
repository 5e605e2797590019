"""The pulse explorer of notebook 05: what it computes, messages at the extremes, no warnings."""
import itertools
import warnings

import numpy as np
import pytest
from unrolled import gates
from unrolled.explorers import lstm_pulse
from unrolled.explorers.base import render_png


def strict(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def test_a_forget_gate_near_one_keeps_the_pulse_and_the_gradient():
    keep = strict(lstm_pulse.compute, forget_bias=8.0, input_bias=-6.0, output_bias=2.0, T=80)
    lose = strict(lstm_pulse.compute, forget_bias=-2.0, input_bias=-6.0, output_bias=2.0, T=80)
    assert keep["kept"] > 0.9 and abs(lose["kept"]) < 1e-6
    pulse = lstm_pulse.PULSE - 1
    assert keep["log_dc"][pulse] > -1.5 and lose["log_dc"][pulse] < -30
    assert "message" not in keep and "message" not in lose


def test_gradient_is_the_library_gradient():
    res = lstm_pulse.compute(forget_bias=1.0, input_bias=-3.0, output_bias=2.0, T=30)
    x = np.zeros((30, 1, 1))
    x[lstm_pulse.PULSE - 1] = 1
    g = gates.state_gradients("lstm", x, lstm_pulse.params(1.0, -3.0, 2.0), np.ones((1, 1)))
    np.testing.assert_allclose(res["log_dc"], np.log10(np.abs(g["dc"][:, 0, 0])))
    assert res["log_dc"][-1] == pytest.approx(np.log10(abs(g["dc"][-1, 0, 0])))


@pytest.mark.parametrize("fb, ib, ob, T", list(itertools.product([-4.0, 0.0, 8.0], [-6.0, 2.0], [-4.0, 6.0], [10, 80])))
def test_every_corner_is_finite_or_a_message(fb, ib, ob, T):
    res = strict(lstm_pulse.compute, forget_bias=fb, input_bias=ib, output_bias=ob, T=T)
    assert np.all(np.isfinite(res["c"])) and np.all(np.isfinite(res["h"]))
    if "message" in res:
        assert "underflows" in res["message"]
    else:
        assert np.all(np.isfinite(res["log_dc"])) and np.all(np.isfinite(res["log_dh"]))
        assert res["readout"]
    if T == 80 and ib == 2.0:                             # drawing is slow: a few corners
        assert strict(render_png, lstm_pulse.draw, res, (9, 5))[:4] == b"\x89PNG"


def test_a_saturated_cell_says_why():
    res = strict(lstm_pulse.compute, forget_bias=8.0, input_bias=2.0, output_bias=6.0, T=80)
    assert "tanh is flat" in res["message"]
    assert strict(render_png, lstm_pulse.draw, res, (9, 5))[:4] == b"\x89PNG"


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="forget_bias"):
        lstm_pulse.compute(forget_bias=100.0)
    with pytest.raises(ValueError, match="T"):
        lstm_pulse.compute(T=3)


def test_explorer_builds_with_every_control():
    ex = lstm_pulse.explorer()
    assert set(ex.controls) == {"forget_bias", "input_bias", "output_bias", "T"}
    png = ex.update()
    assert png[:4] == b"\x89PNG" and "forget gate" in ex.readout.value
