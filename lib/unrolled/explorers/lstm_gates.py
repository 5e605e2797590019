"""Explorer for notebook 05: the gates of a hand-set LSTM at work, as one heat map.

The three-unit LSTM of :func:`unrolled.gates.hand_set_lstm` (a latch, a counter,
a latch shown only on *read*) reads a fixed script of events: *write* the
chosen value at step 3, *write* -0.5 at step 16, *erase* and *read* at the steps
the sliders choose. The figure stacks the gates i, f, o (0 to 1), the candidate
g, the cell c and the state h (-1 to 1), three rows each (one per unit),
against time, with the events along the time axis. The ``hold`` slider is the
latches' forget bias: lower it and the latch leaks.
"""
from __future__ import annotations

import numpy as np

from .. import gates, plots
from .base import Explorer, View, draw_view, number

T = 24
FIRST_WRITE, SECOND_WRITE, SECOND_VALUE = 2, 15, -0.5
ROWS = ("i", "f", "g", "o", "c", "h")
UNITS = ("latch", "counter", "latch, read")
NAMES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o", "c": "cell c",
         "h": "state h"}


def events(value: float, erase_at: int, read_at: int) -> tuple[np.ndarray, list[str]]:
    """The input script (T, 4) on channels [value, write, erase, read] and a label per step (1-based steps)."""
    x = np.zeros((T, len(gates.CHANNELS)))
    labels = [[] for _ in range(T)]
    for t, v in ((FIRST_WRITE, value), (SECOND_WRITE, SECOND_VALUE)):
        x[t, 0], x[t, 1] = v, 1.0
        labels[t].append(f"write {v:+.1f}")
    x[erase_at - 1, 2] = 1.0
    labels[erase_at - 1].append("erase")
    x[read_at - 1, 3] = 1.0
    labels[read_at - 1].append("read")
    return x, ["+".join(parts) for parts in labels]


def compute(value: float = 0.8, erase_at: int = 11, read_at: int = 8, hold: float = 6.0) -> dict:
    """The trace of every gate, the cell and the state for one script. Pure.

    Returns ``image`` (18, T): rows ``ROWS`` x ``UNITS``, ``labels`` (one per step),
    the ``trace`` dict of :func:`unrolled.gates.gate_trace`, ``shown`` (what the
    read-latch's state shows at the read) and ``readout``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not -1 <= value <= 1:
        raise ValueError(f"value: expected a number in [-1, 1], got {value!r}")
    for name, step in (("erase_at", erase_at), ("read_at", read_at)):
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= T:
            raise ValueError(f"{name}: expected a step in [1, {T}], got {step!r}")
    x, labels = events(value, erase_at, read_at)
    trace = gates.gate_trace(gates.hand_set_lstm(hold), x)
    image = np.vstack([trace[k].T for k in ROWS])
    r = read_at - 1
    shown, held = float(trace["h"][r, 2]), float(trace["c"][r, 2])
    writes = [w for w in (FIRST_WRITE, SECOND_WRITE) if w <= r]
    if not writes:
        story = "nothing has been written yet"
    elif max(writes) < erase_at - 1 <= r:       # an erase at the step of a write loses to the write
        story = "the latch was erased before the read"
    else:
        story = f"the cell holds {number(held, '+.2f')}"
    readout = (f"read at step {read_at}: the read-latch shows h = {number(shown, '+.2f')} ({story}); "
               f"counter after all writes: {number(trace['c'][-1, 1], '.2f')}; "
               f"latch forget gate at rest sigma({hold:.1f}) = {1 / (1 + np.exp(-hold)):.3f}")
    return {"image": image, "labels": labels, "trace": trace, "shown": shown, "held": held,
            "readout": readout, "settings": {"value": value, "erase_at": erase_at, "read_at": read_at,
                                             "hold": hold}}


class GatesView(View):
    """One heat map: six blocks of three rows (i, f, g, o, c, h by unit) against time."""

    def build(self, fig) -> None:
        plots.use_style()
        ax = fig.subplots(gridspec_kw={"left": 0.2, "right": 0.98, "bottom": 0.22, "top": 0.93})
        self.ax = ax
        self.image = ax.imshow(np.zeros((len(ROWS) * len(UNITS), T)), aspect="auto", cmap="RdBu_r",
                               vmin=-1, vmax=1, interpolation="nearest")
        n = len(UNITS)
        for k in range(1, len(ROWS)):
            ax.axhline(k * n - 0.5, color="k", lw=1)
        ax.set_yticks([k * n + 1 for k in range(len(ROWS))], [NAMES[k] for k in ROWS], fontsize=8)
        ax.grid(False)
        ax.set_xlabel("step (events along the axis); red = +1, blue = -1, white = 0")

    def update(self, result: dict) -> None:
        self.image.set_data(result["image"])
        steps = [t for t, label in enumerate(result["labels"]) if label]
        self.ax.set_xticks(steps, [result["labels"][t] for t in steps], rotation=45, ha="right", fontsize=8)
        s = result["settings"]
        self.ax.set_title("rows of each block, top to bottom: latch, counter, read-latch; "
                          f"latch forget bias {s['hold']:.1f}", fontsize=10)


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`GatesView`)."""
    draw_view(GatesView(), result, fig)


def explorer(value: float = 0.8, erase_at: int = 11, read_at: int = 8, hold: float = 6.0) -> Explorer:
    """The widget: the value written first, the steps of erase and read, the latches' forget bias."""
    import ipywidgets as widgets

    controls = {
        "value": widgets.FloatSlider(value=value, min=-1.0, max=1.0, step=0.1, description="value",
                                     continuous_update=False),
        "erase_at": widgets.IntSlider(value=erase_at, min=1, max=T, description="erase at",
                                      continuous_update=False),
        "read_at": widgets.IntSlider(value=read_at, min=1, max=T, description="read at", continuous_update=False),
        "hold": widgets.FloatSlider(value=hold, min=0.0, max=10.0, step=0.5, description="hold (f bias)",
                                    continuous_update=False),
    }
    return Explorer("A hand-set LSTM: which gate opens when", controls, compute, GatesView(), figsize=(9, 4.2))
