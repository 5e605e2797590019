"""The wiring every explorer shares: controls, a readout line, a figure updated in place.

An :class:`Explorer` is given its controls (ipywidgets), a ``compute`` function
(pure, returns a dict) and what draws the result. When a control moves, it
recomputes, redraws and updates the one figure output in place, and the readout
says what was computed (or why nothing could be) and how long the update took.

Two ways to draw
----------------
**The fast path: a** :class:`View`. Building axes (ticks, spines, labels, a
legend) costs far more than drawing a few lines, so a view builds its figure
once and each update only replaces data::

    class MyView(View):
        def build(self, fig):                    # once: axes, artists, fixed labels
            self.ax = fig.add_subplot()
            (self.line,) = self.ax.plot([], [])

        def update(self, result):                # every change: data, text, limits only
            self.line.set_data(result["x"], result["y"])
            self.ax.set_xlim(result["x"][0], result["x"][-1])

    Explorer(title, controls, compute, MyView(), figsize=(9, 3.2))

In ``update``, use ``set_data`` / ``set_ydata`` / ``set_offsets`` /
``set_array`` / ``set_height`` / ``set_text`` / ``set_xlim`` /
``set_visible``, never ``fig.subplots``, ``ax.plot`` or ``ax.legend`` (each new
artist is fine; a new axes is what costs). For a variable number of things
(bars, labels, nodes), build the largest number the controls allow and hide
the unused ones. A result with a ``"message"`` switches the figure to the
message panel (every axes hidden, the message shown in their place) and back
to the plot on the next result without one; ``update`` is not called for it,
unless the view sets ``handles_message = True`` (then it draws the message
itself, e.g. over a plot that still means something). ``draw_view(view,
result, fig)`` draws one result into a given figure (for tests, static
figures, and a module-level ``draw(result, fig)``).

**The simple path: a function** ``draw(result, fig)``, which draws everything
into a fresh, empty figure on every update (``draw_message(fig, text)`` for a
message). It is easy to write and always correct, but its drawing costs
2-2.5 times as much (measured on this course's explorers); an explorer that
keeps inside 100 ms at every setting with it may stay that way.

Converting ``draw(result, fig)`` to a view: move everything that does not
depend on the result (``fig.subplots``, labels, fixed limits, the legend) into
``build``, creating each artist with empty or placeholder data and keeping a
reference; in ``update``, set each artist's data from the result. Titles and
limits that depend on the result are set in ``update`` too.

Both paths render without a layout engine (any engine makes ``savefig`` draw
the figure twice), with text drawn from a cache of glyph bitmaps (text is
most of the drawing time, and an explorer draws the same strings again and
again) and with the fastest PNG compression. The PNG is shown as an
ordinary image output with a display id and replaced in place, so the stored
notebook shows the initial figure even where no kernel runs.

Benchmarks and tests move every control to its extremes: sliders to their
``min`` and ``max``, menus through every option, checkboxes both ways (see
:func:`control_extremes`), one control at a time and in every combination
(:meth:`Explorer.sweep`). A control with no natural extremes (a tag list)
gets them from the explorer's ``extremes={name: [value, ...]}``. A slider
whose range depends on another control follows it through ``follow``.

Readouts that compare computed floats use :func:`compare`, :func:`close` or
:func:`top_set` (a tolerance: ``sigma_max`` of a matrix scaled to radius 1 is
``1.0000000000000002``; a flat posterior has no single winner), and print
numbers that may round to zero with :func:`number` (no ``-0.0``).

Where the controls cannot be drawn (a stored notebook before it runs, a page
without widgets), the panel reads as one sentence naming the explorer
(:func:`plain_text`), not as the repr ``VBox(children=(HTML(...``.

In the page, the panel carries the CSS class ``unrolled-explorer`` and the
readout ``unrolled-readout``: the browser tests find every explorer by them.
"""
from __future__ import annotations

import io
import itertools
import math
import textwrap
import time
import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font, RenderMode

Compute = Callable[..., dict]
Draw = Callable[[dict, Figure], None]

#: the margins every figure starts with (a view may set its own in ``build``)
MARGINS = {"left": 0.08, "right": 0.98, "bottom": 0.15, "top": 0.88, "wspace": 0.3}
#: characters per line of a message
MESSAGE_WIDTH = 70


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """``a == b`` up to rounding: what every readout uses to compare computed floats.

    A value computed two ways (``sigma_max`` of a matrix scaled to radius 1 is
    ``1.0000000000000002``; two tied posteriors differ in the last bit) must not
    flip a verdict.
    """
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> int:
    """-1, 0 or 1 as ``a`` is below, equal to (within :func:`close`) or above ``b``."""
    return 0 if close(a, b, rel, abs_) else (1 if a > b else -1)


def number(x: float, spec: str) -> str:
    """``format(x, spec)`` without a negative zero: ``-0.004`` at ``".1f"`` reads ``0.0``, not ``-0.0``."""
    text = format(x, spec)
    return format(0.0, spec) if text.startswith("-") and float(text) == 0 else text


def top_set(p, rel: float = 1e-9) -> frozenset:
    """The indices of the largest entries of ``p``, ties (within ``rel``) included."""
    p = np.asarray(p, dtype=float)
    best = float(np.max(p))
    return frozenset(np.flatnonzero(p >= best - rel * max(abs(best), 1e-300)).tolist())


def draw_message(fig: Figure, text: str) -> None:
    """Simple path: instead of a plot, say why these settings cannot be shown, and what to change."""
    ax = fig.add_axes((0, 0, 1, 1))        # the whole figure, as the message panel of a View
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(text, MESSAGE_WIDTH), ha="center", va="center", fontsize=11)


# ----------------------------------------------------------------- text, drawn from a cache
#
# Text is most of an update's drawing time: matplotlib's Agg backend shapes every
# string and renders every glyph again on every draw, although an explorer's
# labels, ticks and legends are mostly the same strings at the same places. The
# renderer below keeps each string's glyph bitmaps (keyed by the string, font,
# size, angle, resolution and position within a quarter pixel) and only copies
# them onto the canvas. It uses matplotlib's private text API (pinned in
# requirements.txt); where that API is missing, figures use the plain renderer.

#: sub-pixel positions per pixel at which a string is cached (plain Agg: 64)
_SUBPIXELS = 4
#: strings kept; the cache is emptied when it is full
_TEXT_CACHE_SIZE = 2000
_text_cache: dict = {}


def _cached_glyphs(renderer, s, prop, angle, qx, qy, antialiased, features, language):
    """The glyph bitmaps of ``s`` drawn at sub-pixel offset ``(qx, qy)``: ``[(alpha, left, top)]``.

    The same steps as ``RendererAgg._draw_text_glyphs_and_boxes`` (shape, place
    each glyph, render it), with the pen at the offset instead of the final position.
    """
    font = renderer._prepare_font(prop)
    flags = get_hinting_flag()
    items = font._layout(s, flags=flags, features=features, language=language)
    size = prop.get_size_in_points()
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rotation = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
    mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
    glyphs = []
    for item in items:
        item.ft_object.set_size(size, renderer.dpi)
        item.ft_object._set_transform(rotation, [round(0x40 * (qx + item.x * cos - item.y * sin)),
                                                 round(0x40 * (qy + item.x * sin + item.y * cos))])
        bitmap = item.ft_object._render_glyph(item.glyph_index, flags, mode)
        alpha = np.array(bitmap.buffer)
        if not antialiased:
            alpha *= 0xff
        glyphs.append((alpha, bitmap.left, bitmap.top))
    return glyphs


class _TextCachingRenderer(RendererAgg):
    """Agg, with plain (non-math) text drawn from :data:`_text_cache`."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        up = self.height - y                                   # FreeType's y axis points up
        ox, oy = math.floor(x), math.floor(up)
        qx, qy = (round((x - ox) * _SUBPIXELS) / _SUBPIXELS, round((up - oy) * _SUBPIXELS) / _SUBPIXELS)
        antialiased = gc.get_antialiased()
        key = (s, hash(prop), angle, qx, qy, antialiased, self.dpi, get_hinting_flag(),
               None if features is None else tuple(features), language)
        glyphs = _text_cache.get(key)
        if glyphs is None:
            if len(_text_cache) >= _TEXT_CACHE_SIZE:
                _text_cache.clear()
            glyphs = _text_cache[key] = _cached_glyphs(self, s, prop, angle, qx, qy, antialiased,
                                                       features, language)
        height = int(self.height)
        for alpha, left, top in glyphs:
            self._renderer.draw_text_image(alpha, ox + left, height - (oy + top) + alpha.shape[0], 0, gc)


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer draws text from the cache."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _TextCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


_CACHE_TEXT = all(hasattr(FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph")) \
    and hasattr(RendererAgg, "_prepare_font")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _new_figure(figsize, dpi) -> Figure:
    fig = Figure(figsize=figsize, dpi=dpi)
    (_Canvas if _CACHE_TEXT else FigureCanvasAgg)(fig)
    fig.set_layout_engine(None)
    fig.subplots_adjust(**MARGINS)
    return fig


def render_png(draw: Draw, result: dict, figsize=(9, 3.6), dpi=80) -> bytes:
    """Simple path: draw ``result`` into a fresh figure and return it as PNG bytes."""
    fig = _new_figure(figsize, dpi)
    draw(result, fig)
    return _png(fig)


class View:
    """The fast path: build a figure's axes and artists once, then replace only data.

    Subclasses define :meth:`build` and :meth:`update` (see the module docstring).
    """

    #: True if :meth:`update` also receives results with a ``"message"`` (and shows it itself)
    handles_message = False

    def build(self, fig: Figure) -> None:
        """Create the axes and every artist, with placeholder data; keep references on ``self``."""
        raise NotImplementedError

    def update(self, result: dict) -> None:
        """Set the artists' data, texts, limits and visibility from one ``compute`` result."""
        raise NotImplementedError


class ViewFigure:
    """One figure for the life of an explorer: a :class:`View` plus the message panel.

    The view is built on the first :meth:`show`; a result with ``"message"``
    hides every axes of the view and shows the message panel, the next result
    without one brings the view back. Nothing is rebuilt either way.
    """

    def __init__(self, view: View, figsize=(9, 3.6), dpi=80):
        self.view = view
        self.fig = _new_figure(figsize, dpi)
        self._plot_artists: list = []
        self._message_ax = None
        self._message = None
        self._built = False

    def _build(self) -> None:
        self.view.build(self.fig)
        self._plot_artists = [*self.fig.axes, *self.fig.texts, *self.fig.legends, *self.fig.artists]
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.axis("off")
        self._message = ax.text(0.5, 0.5, "", ha="center", va="center", fontsize=11, transform=ax.transAxes)
        ax.set_visible(False)
        self._message_ax = ax
        self._built = True

    def show(self, result: dict) -> None:
        """Make the figure show ``result``: the view's data, or the message panel."""
        if not self._built:
            self._build()
        as_message = "message" in result and not self.view.handles_message
        for artist in self._plot_artists:
            artist.set_visible(not as_message)
        self._message_ax.set_visible(as_message)
        if as_message:
            self._message.set_text(textwrap.fill(str(result["message"]), MESSAGE_WIDTH))
        else:
            self.view.update(result)

    def png(self) -> bytes:
        return _png(self.fig)


def draw_view(view: View, result: dict, fig: Figure) -> None:
    """Draw one ``result`` with ``view`` into ``fig`` (a new, empty figure): build, then update.

    This is what a fast-path module exposes as its ``draw(result, fig)``.
    """
    fig.set_layout_engine(None)
    if "message" in result and not view.handles_message:
        return draw_message(fig, result["message"])
    view.build(fig)
    view.update(result)


def stored_text(title: str) -> str:
    """What a stored explorer reads as where its controls cannot be drawn (see :func:`plain_text`)."""
    return f"[{title}: the controls appear when this cell runs; the figure below is the one stored]"


def plain_text(widget: widgets.Widget, text: str) -> None:
    """Give ``widget``'s stored output a readable text fallback instead of its repr.

    Where the widget cannot be drawn (before the notebook runs, the kernel
    gone, a page without widget support), JupyterLab shows the output's
    ``text/plain``: for an explorer's panel, ``VBox(children=(HTML(value=...``
    in full. IPython asks the instance for ``_repr_mimebundle_``, so replacing
    it on the instance changes only the fallback; the widget view is untouched.
    Every :class:`Explorer` does this for its panel, with :func:`stored_text`.
    """
    bundle = widget._repr_mimebundle_

    def with_text(**kwargs):
        data = bundle(**kwargs)
        if data is not None:
            data = {**data, "text/plain": text}
        return data

    widget._repr_mimebundle_ = with_text


def control_extremes(control: widgets.ValueWidget) -> list:
    """The values a sweep moves ``control`` to: the ends of its range, or every option.

    Sliders: ``min`` and ``max``; range sliders: the full range and both ends
    collapsed; menus and toggle buttons: every option; checkboxes: both
    states. Anything else: ``[]`` (give it ``extremes`` in the Explorer).
    """
    if isinstance(control, (widgets.IntRangeSlider, widgets.FloatRangeSlider)):
        lo, hi = control.min, control.max
        return [(lo, hi), (lo, lo), (hi, hi)]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [control.min, control.max]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [False, True]
    options = getattr(control, "options", None)
    if options:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    return []


class Explorer:
    """Controls + readout + a figure output that is updated in place.

    Parameters
    ----------
    title : str
        One line shown above the controls.
    controls : dict[str, ipywidgets.ValueWidget]
        Keyword name -> control; ``compute`` receives ``{name: control.value}``.
    compute : callable
        Pure function of the settings returning a dict. It may include
        ``"readout"`` (a short summary line) and ``"message"`` (shown instead
        of the numbers when the settings are outside what can be computed).
    draw : View or callable
        A :class:`View` (fast: built once, data replaced) or a function
        ``draw(result, fig)`` that draws into a fresh ``Figure`` (simple).
    figsize : (float, float)
        Figure size in inches (80 dpi).
    extremes : dict[str, list], optional
        For controls whose extremes :func:`control_extremes` cannot tell, the
        values a sweep should try.
    follow : callable, optional
        ``follow(controls)`` runs before every update and may change other
        controls' ranges (a step slider whose ``max`` follows the length
        slider); the changes it causes do not trigger updates of their own.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget],
                 compute: Compute, draw: View | Draw, figsize=(9, 3.6), extremes: dict | None = None,
                 follow: Callable[[dict], None] | None = None):
        if not controls:
            raise ValueError("controls: expected at least one control, got none")
        if not (isinstance(draw, View) or callable(draw)):
            raise TypeError(f"draw: expected a View or a function draw(result, fig), got {type(draw).__name__}")
        unknown = set(extremes or {}) - set(controls)
        if unknown:
            raise ValueError(f"extremes: names {sorted(unknown)} are not controls ({sorted(controls)})")
        self.title = title
        self.controls = controls
        self.compute = compute
        self.draw = draw
        self.figsize = figsize
        self.extremes = dict(extremes or {})
        self.follow = follow
        self._following = False
        self._figure = ViewFigure(draw, figsize) if isinstance(draw, View) else None
        self.readout = widgets.HTML(value="")
        self.readout.add_class("unrolled-readout")
        header = widgets.HTML(value=f"<b>{title}</b>")
        self.panel = widgets.VBox([header, *controls.values(), self.readout])
        self.panel.add_class("unrolled-explorer")
        plain_text(self.panel, stored_text(title))
        self._handle = None
        self.result: dict = {}
        self.seconds = 0.0
        self.compute_seconds = 0.0
        for control in controls.values():
            control.observe(self._on_change, names="value")

    def settings(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def sweep(self, corners: bool = False) -> list[dict[str, Any]]:
        """Settings to time and test: the default, then each control alone at each of its extremes.

        With ``corners``, instead every combination of the controls' extremes
        (after the default): where two extremes together cost most (the longest
        sequence at the largest radius), one at a time does not get there.
        The values are not passed through ``follow``: a setting the widgets
        would not allow is included, and must give a message, not an error.
        """
        default = self.settings()
        values = {name: self.extremes.get(name, control_extremes(control))
                  for name, control in self.controls.items()}
        if corners:
            names = list(values)
            return [dict(default)] + [dict(zip(names, combo)) for combo in itertools.product(*values.values())]
        return [dict(default)] + [{**default, name: v} for name, vs in values.items() for v in vs]

    def run_compute(self, **settings) -> dict:
        """``compute`` with numpy's overflow/invalid/divide warnings turned into errors."""
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            warnings.simplefilter("error")
            return self.compute(**settings)

    def render(self, result: dict) -> bytes:
        """The PNG of ``result``: the view's figure updated in place, or a fresh figure."""
        if self._figure is not None:
            self._figure.show(result)
            return self._figure.png()
        return render_png(self.draw, result, self.figsize)

    def _follow(self) -> None:
        if self.follow is None:
            return
        self._following = True
        try:
            self.follow(self.controls)
        finally:
            self._following = False

    def update(self) -> bytes:
        """Recompute and redraw; return the PNG (also pushed to the page)."""
        start = time.perf_counter()
        self._follow()
        self.result = self.run_compute(**self.settings())
        self.compute_seconds = time.perf_counter() - start
        png = self.render(self.result)
        self.seconds = time.perf_counter() - start
        text = self.result.get("message") or self.result.get("readout", "")
        # The time is shown only for updates of a figure already on the page: the first
        # render is stored in the notebook's widget state, where a timing would change
        # the file on every run.
        timing = (f" <span style='color:#888'>(updated in {1000 * self.seconds:.0f} ms)</span>"
                  if self._handle is not None else "")
        self.readout.value = f"{text}{timing}"
        if self._handle is not None:
            self._handle.update(Image(data=png))
        return png

    def _on_change(self, _change) -> None:
        if not self._following:               # a range moved by ``follow``: one update, not two
            self.update()

    def show(self) -> None:
        """Display the controls, then the figure with a display id for in-place updates."""
        png = self.update()
        display(self.panel)
        self._handle = display(Image(data=png), display_id=True)

    def _ipython_display_(self) -> None:
        self.show()
