"""Interactive explorers, one module per concept.

Every explorer is three layers, so each can be tested on its own:

1. ``compute(**settings) -> dict``: pure numpy, what the figure shows; unit-tested
   without a browser. Settings where the numbers stop meaning anything (overflow,
   underflow) return ``{"message": "..."}`` content instead of NaNs or warnings.
2. A :class:`unrolled.explorers.base.View`: ``build(fig)`` makes the axes and
   artists once, ``update(result)`` replaces their data (``draw(result, fig)``
   draws one result into a fresh figure, for tests and static figures).
3. ``explorer(**initial) -> Explorer``: the ipywidgets wiring, built with
   :class:`unrolled.explorers.base.Explorer`.

The figure is displayed as an ordinary image output with a display id and
updated in place, so the stored notebook shows the initial figure even where
no kernel runs (GitHub, a static export).
"""
