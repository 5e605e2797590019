"""The explorer base: views built once, the message panel, the simple path, sweeps, tolerant comparisons.

The last tests run over every explorer module found in ``unrolled.explorers``,
so a new explorer is covered without being named here.
"""
import importlib
import io
import pkgutil
import warnings

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import numpy as np
import pytest
import unrolled.explorers as package
from PIL import Image
from unrolled.explorers import base
from unrolled.explorers.base import Explorer, View, ViewFigure, compare, control_extremes, top_set

MODULES = sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                 if not info.name.startswith("_") and info.name != "base")


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


# ----------------------------------------------------------------- tolerant comparisons

def test_a_matrix_scaled_to_radius_one_is_on_the_boundary_not_above_it():
    assert 1.0000000000000002 > 1.0                       # what a plain comparison sees
    assert compare(1.0000000000000002, 1.0) == 0
    assert compare(1.001, 1.0) == 1 and compare(0.999, 1.0) == -1
    assert base.close(0.1 + 0.2, 0.3) and not base.close(0.3001, 0.3)


def test_a_flat_posterior_is_a_tie_of_all_tags_not_a_winner():
    flat = np.full(3, 1 / 3) + np.array([0.0, 5e-17, -5e-17])
    assert int(np.argmax(flat)) == 1                      # argmax picks a winner from rounding
    assert top_set(flat) == {0, 1, 2}
    assert top_set([0.5, 0.2, 0.3]) == {0}
    assert top_set([0.4, 0.4, 0.2]) == {0, 1}
    assert top_set([0.0, 0.0]) == {0, 1}


# ----------------------------------------------------------------- the fast path

class Line(View):
    def __init__(self):
        self.builds = self.updates = 0

    def build(self, fig):
        self.builds += 1
        self.ax = fig.add_subplot()
        (self.line,) = self.ax.plot([], [])

    def update(self, result):
        self.updates += 1
        self.line.set_data(result["x"], result["y"])
        self.ax.set_xlim(0, 1)
        self.ax.set_ylim(-1, 1)


def line_result(a):
    x = np.linspace(0, 1, 20)
    return {"x": x, "y": np.sin(a * x)}


def test_a_view_is_built_once_and_only_its_data_change():
    view = Line()
    figure = ViewFigure(view, (4, 3))
    figure.show(line_result(1.0))
    axes, line = list(figure.fig.axes), view.line
    first = figure.png()
    figure.show(line_result(3.0))
    assert view.builds == 1 and view.updates == 2
    assert figure.fig.axes == axes and view.line is line
    np.testing.assert_allclose(line.get_ydata(), np.sin(3.0 * np.linspace(0, 1, 20)))
    assert not np.array_equal(pixels(first), pixels(figure.png()))


def test_a_message_hides_the_plot_and_the_next_result_brings_it_back():
    view = Line()
    figure = ViewFigure(view, (4, 3))
    figure.show(line_result(1.0))
    plot = pixels(figure.png())
    figure.show({"message": "Nothing to show here: lower the radius."})
    assert view.updates == 1                               # a message is not the view's business
    assert not view.ax.get_visible()
    texts = [t.get_text() for ax in figure.fig.axes if ax.get_visible() for t in ax.texts]
    assert texts == ["Nothing to show here: lower the radius."]
    assert not np.array_equal(plot, pixels(figure.png()))
    figure.show(line_result(1.0))
    assert view.ax.get_visible() and view.builds == 1
    np.testing.assert_array_equal(plot, pixels(figure.png()))


def test_a_view_that_handles_messages_receives_them():
    class Overlay(Line):
        handles_message = True

    view = Overlay()
    figure = ViewFigure(view, (4, 3))
    figure.show({**line_result(1.0), "message": "shown over the plot"})
    assert view.updates == 1 and view.ax.get_visible()


def test_draw_view_draws_one_result_into_a_fresh_figure():
    fig = base._new_figure((4, 3), 80)
    base.draw_view(Line(), line_result(2.0), fig)
    assert len(fig.axes) == 1 and fig.axes[0].lines[0].get_ydata()[-1] == pytest.approx(np.sin(2.0))
    fig = base._new_figure((4, 3), 80)
    base.draw_view(Line(), {"message": "why not"}, fig)
    assert [t.get_text() for t in fig.axes[0].texts] == ["why not"]


# ----------------------------------------------------------------- the wiring

def slider_compute(a, kind="sin"):
    r = line_result(a)
    return {**r, "readout": f"a = {a:.2f}"} if a < 3 else {"message": f"a = {a:.2f} is too large"}


def test_the_simple_path_draw_function_still_works():
    def draw(result, fig):
        if "message" in result:
            return base.draw_message(fig, result["message"])
        fig.add_subplot().plot(result["x"], result["y"])

    ex = Explorer("simple", {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0)}, slider_compute, draw)
    first = ex.update()
    ex.controls["a"].value = 2.0
    assert ex.readout.value == "a = 2.00" and first[:4] == b"\x89PNG"
    ex.controls["a"].value = 3.0
    assert "too large" in ex.readout.value


def test_an_explorer_with_a_view_keeps_its_figure_and_shows_messages():
    view = Line()
    ex = Explorer("fast", {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0)}, slider_compute, view)
    ex.update()
    fig = ex._figure.fig
    ex.controls["a"].value = 3.0
    assert "too large" in ex.readout.value and not view.ax.get_visible()
    ex.controls["a"].value = 0.5
    assert ex.readout.value == "a = 0.50" and view.ax.get_visible()
    assert view.builds == 1 and ex._figure.fig is fig


def test_bad_arguments_are_named():
    a = {"a": widgets.FloatSlider()}
    with pytest.raises(TypeError, match="draw"):
        Explorer("t", a, slider_compute, 42)
    with pytest.raises(ValueError, match="extremes"):
        Explorer("t", a, slider_compute, Line(), extremes={"b": [1]})
    with pytest.raises(ValueError, match="controls"):
        Explorer("t", {}, slider_compute, Line())


def test_follow_adjusts_a_dependent_slider_in_one_update():
    controls = {"a": widgets.FloatSlider(value=2.0, min=0.5, max=3.0),
                "b": widgets.FloatSlider(value=2.0, min=0.5, max=3.0)}

    def follow(c):
        c["a"].max = c["b"].value

    calls = []

    def compute(a, b):
        calls.append((a, b))
        assert a <= b, "compute saw a setting the sliders do not allow"
        return line_result(a)

    ex = Explorer("linked", controls, compute, Line(), follow=follow)
    ex.update()
    calls.clear()
    controls["b"].value = 1.0                          # pulls a down to 1.0: one update, consistent
    assert calls == [(1.0, 1.0)] and controls["a"].max == 1.0


def test_control_extremes_cover_every_kind_of_control():
    assert control_extremes(widgets.IntSlider(min=2, max=9)) == [2, 9]
    assert control_extremes(widgets.FloatSlider(min=0.5, max=2.0)) == [0.5, 2.0]
    assert control_extremes(widgets.FloatRangeSlider(value=(0, 1), min=-3, max=3)) == [(-3, 3), (-3, -3), (3, 3)]
    assert control_extremes(widgets.Dropdown(options=["a", "b", "c"])) == ["a", "b", "c"]
    assert control_extremes(widgets.Dropdown(options=[("one", 1), ("two", 2)])) == [1, 2]
    assert control_extremes(widgets.ToggleButtons(options=["x", "y"])) == ["x", "y"]
    assert control_extremes(widgets.Checkbox()) == [False, True]
    assert control_extremes(widgets.TagsInput()) == []


def test_the_sweep_moves_one_control_at_a_time():
    controls = {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0),
                "kind": widgets.Dropdown(options=["sin", "cos"], value="sin")}
    ex = Explorer("s", controls, slider_compute, Line())
    assert ex.sweep() == [{"a": 1.0, "kind": "sin"}, {"a": 0.5, "kind": "sin"}, {"a": 3.0, "kind": "sin"},
                          {"a": 1.0, "kind": "sin"}, {"a": 1.0, "kind": "cos"}]


# ----------------------------------------------------------------- every explorer of the course

@pytest.mark.parametrize("name", MODULES)
def test_every_control_of_every_explorer_has_extremes_to_sweep(name):
    ex = importlib.import_module(f"unrolled.explorers.{name}").explorer()
    for control_name, control in ex.controls.items():
        assert ex.extremes.get(control_name, control_extremes(control)), \
            f"{name}: control {control_name!r} has no extremes; give them with Explorer(extremes=...)"


@pytest.mark.parametrize("name", MODULES)
def test_every_setting_of_the_sweep_computes_cleanly_and_draws_as_a_fresh_figure_would(name):
    """At every extreme: no warning, no NaN in the readout, and the figure updated in place is
    pixel for pixel the figure drawn from scratch (nothing left over from an earlier setting)."""
    module = importlib.import_module(f"unrolled.explorers.{name}")
    ex = module.explorer()
    settings = ex.sweep()
    for s in settings + settings[::-1]:            # each setting after a different one
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = ex.run_compute(**s)
            text = result.get("message") or result.get("readout", "")
            assert text and "nan" not in text.lower() and "inf " not in text.lower(), (s, text)
            fresh = base.render_png(module.draw, result, ex.figsize)
            np.testing.assert_array_equal(pixels(ex.render(result)), pixels(fresh), err_msg=str(s))
    if ex._figure is not None:
        assert ex._figure.view is ex.draw


@pytest.mark.parametrize("name", MODULES)
def test_every_combination_of_extremes_computes_cleanly(name):
    ex = importlib.import_module(f"unrolled.explorers.{name}").explorer()
    corners = ex.sweep(corners=True)
    assert len(corners) > len(ex.sweep()) - len(ex.controls)
    for s in corners:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = ex.run_compute(**s)
        text = result.get("message") or result.get("readout", "")
        assert text and "nan" not in text.lower(), (s, text)


@pytest.mark.parametrize("name", MODULES)
def test_every_stored_panel_reads_as_a_sentence_without_a_kernel(name):
    """Where the controls cannot be drawn, JupyterLab shows the output's text/plain: the explorer's
    title in a sentence, not VBox(children=(HTML(value=... ; the widget view itself is unchanged."""
    from IPython.core.formatters import DisplayFormatter

    ex = importlib.import_module(f"unrolled.explorers.{name}").explorer()
    data, _ = DisplayFormatter().format(ex.panel)
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.panel.model_id
    assert data["text/plain"] == base.stored_text(ex.title)
    assert ex.title in data["text/plain"] and "VBox" not in data["text/plain"]


def test_corners_are_every_combination():
    controls = {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0),
                "kind": widgets.Dropdown(options=["sin", "cos"], value="sin")}
    ex = Explorer("s", controls, slider_compute, Line())
    assert ex.sweep(corners=True) == [{"a": 1.0, "kind": "sin"}, {"a": 0.5, "kind": "sin"},
                                      {"a": 0.5, "kind": "cos"}, {"a": 3.0, "kind": "sin"},
                                      {"a": 3.0, "kind": "cos"}]


# ----------------------------------------------------------------- text drawn from the cache

def test_cached_text_looks_like_plain_agg_text_and_is_reused():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    assert base._CACHE_TEXT, "the pinned matplotlib has the text API the cache uses"

    def figure(canvas):
        fig = Figure(figsize=(4, 2), dpi=80)
        canvas(fig)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_title("ρᵏ against the lag k = T − t")
        ax.set_ylabel("log₁₀ gradient norm")                  # rotated
        ax.text(0.3, 0.6, "0.37", color="red", rotation=30)
        return fig

    base._text_cache.clear()
    plain, cached = (pixels(base._png(figure(c))).astype(int) for c in (FigureCanvasAgg, base._Canvas))
    entries = len(base._text_cache)
    assert entries > 5                                       # title, label, tick labels, the number
    differ = np.abs(plain - cached).max(axis=-1)
    # the same glyphs, placed to a quarter pixel instead of 1/64: edges differ by a few grey
    # levels (at most 57 of 255 here), where a glyph one pixel off differs by up to 252
    assert differ.max() < 96 and np.mean(differ > 0) < 0.1
    again = pixels(base._png(figure(base._Canvas))).astype(int)
    assert len(base._text_cache) == entries                    # the second figure drew from the cache
    np.testing.assert_array_equal(again, cached)


def test_numbers_that_round_to_zero_have_no_sign():
    assert base.number(-0.004, ".1f") == "0.0" and base.number(-0.3, ".0f") == "0"
    assert base.number(-0.05, ".1f") == "-0.1" and base.number(2.345, ".2f") == "2.35"
