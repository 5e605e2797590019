"""The wiring every explorer shares: controls, a readout line, a figure updated in place.

An :class:`Explorer` is given its controls (ipywidgets), a ``compute`` function
(pure, returns a dict) and a ``draw`` function (result, figure). When a control
moves, it recomputes, redraws and updates the one figure output in place, and
the readout says what was computed (or why nothing could be) and how long the
update took.

In the page, the panel carries the CSS class ``unrolled-explorer`` and the
readout ``unrolled-readout``: the browser tests find every explorer by them.
"""
from __future__ import annotations

import io
import textwrap
import time
import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, display
from matplotlib.figure import Figure

Compute = Callable[..., dict]
Draw = Callable[[dict, Figure], None]


def draw_message(fig: Figure, text: str) -> None:
    """Instead of a plot: say why these settings cannot be shown, and what to change."""
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(text, 70), ha="center", va="center", fontsize=11)


def render_png(draw: Draw, result: dict, figsize=(9, 3.6), dpi=80) -> bytes:
    """Draw ``result`` into a fresh figure and return it as PNG bytes.

    Two choices keep an update inside its 100 ms: no layout engine (any engine
    makes ``savefig`` draw the figure twice; the margins below suit one or two
    panels, and a draw function may set its own with ``fig.subplots_adjust``),
    and the fastest PNG compression (the image is a little larger, the encoding
    several times quicker).
    """
    fig = Figure(figsize=figsize, dpi=dpi)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88, wspace=0.3)
    draw(result, fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


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
    draw : callable
        ``draw(result, fig)`` draws into a matplotlib ``Figure``.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget],
                 compute: Compute, draw: Draw, figsize=(9, 3.6)):
        if not controls:
            raise ValueError("controls: expected at least one control, got none")
        self.title = title
        self.controls = controls
        self.compute = compute
        self.draw = draw
        self.figsize = figsize
        self.readout = widgets.HTML(value="")
        self.readout.add_class("unrolled-readout")
        header = widgets.HTML(value=f"<b>{title}</b>")
        self.panel = widgets.VBox([header, *controls.values(), self.readout])
        self.panel.add_class("unrolled-explorer")
        self._handle = None
        self.result: dict = {}
        self.seconds = 0.0
        for control in controls.values():
            control.observe(self._on_change, names="value")

    def settings(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> bytes:
        """Recompute and redraw; return the PNG (also pushed to the page)."""
        start = time.perf_counter()
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            warnings.simplefilter("error")
            self.result = self.compute(**self.settings())
        png = render_png(self.draw, self.result, self.figsize)
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
        self.update()

    def show(self) -> None:
        """Display the controls, then the figure with a display id for in-place updates."""
        png = self.update()
        display(self.panel)
        self._handle = display(Image(data=png), display_id=True)

    def _ipython_display_(self) -> None:
        self.show()
