"""The gate heat-map explorer of notebook 05: what it computes and says, at every corner."""
import itertools
import warnings

import numpy as np
import pytest
from unrolled.explorers import lstm_gates
from unrolled.explorers.base import render_png


def strict(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def test_the_read_latch_shows_the_value_written_only_on_read():
    res = strict(lstm_gates.compute, value=0.8, erase_at=11, read_at=8, hold=6.0)
    h = res["trace"]["h"][:, 2]
    assert res["shown"] == pytest.approx(h[7]) and abs(res["held"] - np.tanh(1.6)) < 0.02
    assert np.all(np.abs(np.delete(h, [7, 15])) < 0.01)
    assert "the cell holds +0.91" in res["readout"]


def test_stories_in_the_readout():
    assert "nothing has been written" in lstm_gates.compute(read_at=2)["readout"]
    assert "erased before the read" in lstm_gates.compute(erase_at=5, read_at=9)["readout"]
    assert "holds" in lstm_gates.compute(erase_at=3, read_at=9)["readout"]          # the write wins
    late = lstm_gates.compute(erase_at=20, read_at=22)
    assert "erased" in late["readout"] and abs(late["held"]) < 0.01
    assert abs(lstm_gates.compute(erase_at=12, read_at=20)["held"] - np.tanh(-1.0)) < 0.02


def test_a_low_forget_bias_leaks():
    tight = lstm_gates.compute(read_at=10, erase_at=24, hold=8.0)
    leaky = lstm_gates.compute(read_at=10, erase_at=24, hold=0.0)
    assert abs(leaky["held"]) < 0.01 < 0.8 < abs(tight["held"])


@pytest.mark.parametrize("value, erase_at, read_at, hold",
                         list(itertools.product([-1.0, 1.0], [1, 24], [1, 24], [0.0, 10.0])))
def test_every_corner_is_finite(value, erase_at, read_at, hold):
    res = strict(lstm_gates.compute, value=value, erase_at=erase_at, read_at=read_at, hold=hold)
    assert np.all(np.isfinite(res["image"])) and res["image"].shape == (18, lstm_gates.T)
    assert res["readout"]
    if value == 1.0 and hold == 10.0:
        assert strict(render_png, lstm_gates.draw, res, (9, 4.2))[:4] == b"\x89PNG"


def test_bad_settings_are_named():
    for kwargs, name in ((dict(value=2.0), "value"), (dict(erase_at=0), "erase_at"), (dict(read_at=25), "read_at"),
                         (dict(hold=-1.0), "hold")):
        with pytest.raises(ValueError, match=name):
            lstm_gates.compute(**kwargs)


def test_explorer_builds():
    ex = lstm_gates.explorer()
    assert set(ex.controls) == {"value", "erase_at", "read_at", "hold"}
    assert ex.update()[:4] == b"\x89PNG" and "read-latch" in ex.readout.value


def test_no_negative_zero_in_the_readout():
    # an erased latch holds a tiny value of either sign: it reads +0.00, never -0.00
    res = lstm_gates.compute(value=-1.0, erase_at=7, read_at=13, hold=1.0)
    assert abs(res["shown"]) < 0.005 and "-0.00" not in res["readout"] and "h = +0.00" in res["readout"]
