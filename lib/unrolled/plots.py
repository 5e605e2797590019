"""One look for every figure in the course.

``use_style()`` sets matplotlib's rcParams once (notebooks call it in their
first cell; figures and explorers call it too). ``COLORS`` names the colours
used for recurring meanings, so a vanilla RNN is the same colour everywhere.
"""
import matplotlib as mpl

COLORS = {
    "rnn": "#1f77b4",
    "gated": "#9467bd",
    "lstm": "#2ca02c",
    "gru": "#ff7f0e",
    "exact": "#000000",
    "approx": "#d62728",
    "theory": "#7f7f7f",
}

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.size": 10,
    "svg.hashsalt": "unrolled",
}


def use_style() -> None:
    """Apply the course's matplotlib style (idempotent)."""
    mpl.rcParams.update(STYLE)


_ARROW = {"arrowstyle": "-|>", "color": "#333333", "lw": 1.3, "shrinkA": 0, "shrinkB": 0,
          "mutation_scale": 12}


def _box(ax, x, y, text, color, w=0.9, h=0.62, fontsize=12):
    """A rounded box centred at (x, y) with a math label."""
    from matplotlib.patches import FancyBboxPatch
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=color, edgecolor="#333333", linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, label=None, label_offset=(0.0, 0.0), connectionstyle="arc3", fontsize=9):
    """An arrow from ``start`` to ``end``, optionally labelled at its middle (plus an offset)."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={**_ARROW, "connectionstyle": connectionstyle})
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color="#444444")


def unrolled_diagram(ax, T: int = 4, folded: bool = True, weights: bool = True, outputs: bool = True):
    r"""Draw an RNN, folded (one cell with a loop) and unrolled over ``T`` steps.

    Each step is an input box $x_t$, a state box $h_t$ and, with ``outputs``,
    an output box $y_t$; arrows carry $x_t \to h_t \to y_t$ and
    $h_{t-1} \to h_t$. With ``weights`` every arrow is labelled with its
    matrix ($W_{hx}$, $W_{hh}$, $W_{yh}$): the same three matrices at every
    step, which is what "shared weights" means.

    Draws into ``ax`` (axes turned off, equal aspect) and returns it.
    """
    if not isinstance(T, int) or not 1 <= T <= 12:
        raise ValueError(f"T: expected an int from 1 to 12, got {T!r}")
    state_color, in_color, out_color = "#cfe2f3", "#eeeeee", "#fde5cc"
    y_in, y_h, y_out = 0.0, 1.45, 2.9
    dx, x = 1.75, 0.0
    top = y_out if outputs else y_h

    if folded:
        _box(ax, x, y_in, "$x_t$", in_color)
        _box(ax, x, y_h, "$h_t$", state_color)
        _arrow(ax, (x, y_in + 0.31), (x, y_h - 0.31), "$W_{hx}$" if weights else None, (0.38, 0))
        if outputs:
            _box(ax, x, y_out, "$y_t$", out_color)
            _arrow(ax, (x, y_h + 0.31), (x, y_out - 0.31), "$W_{yh}$" if weights else None, (0.38, 0))
        # the loop: out of the state's right side and back into it, one step later
        ax.annotate("", xy=(x + 0.45, y_h - 0.2), xytext=(x + 0.45, y_h + 0.2),
                    arrowprops={**_ARROW, "connectionstyle": "arc3,rad=-1.9"})
        if weights:
            ax.text(x + 1.05, y_h, "$W_{hh}$", ha="center", va="center", fontsize=9, color="#444444")
        ax.text(x + 1.95, y_h, "=", ha="center", va="center", fontsize=20)
        x += 2.8

    _box(ax, x, y_h, "$h_0$", "white", w=0.7)
    for t in range(1, T + 1):
        prev = x
        x += dx
        _box(ax, x, y_in, f"$x_{{{t}}}$", in_color)
        _box(ax, x, y_h, f"$h_{{{t}}}$", state_color)
        left = 0.35 if t == 1 else 0.45
        _arrow(ax, (prev + left, y_h), (x - 0.45, y_h), "$W_{hh}$" if weights else None, (0, 0.2))
        _arrow(ax, (x, y_in + 0.31), (x, y_h - 0.31), "$W_{hx}$" if weights else None, (0.38, 0))
        if outputs:
            _box(ax, x, y_out, f"$y_{{{t}}}$", out_color)
            _arrow(ax, (x, y_h + 0.31), (x, y_out - 0.31), "$W_{yh}$" if weights else None, (0.38, 0))
    ax.set_xlim(-0.75, x + 0.75)
    ax.set_ylim(y_in - 0.5, top + 0.5 + (0.35 if folded and not outputs else 0))
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


#: the five kinds of sequence task of 001, as (name, example, steps with an input, steps with an output, steps)
TASK_CATEGORIES = (
    ("one to one", "image\nclassification", [1], [1], 1),
    ("one to many", "image captioning", [1], [1, 2, 3], 3),
    ("many to one", "sentiment of a review", [1, 2, 3], [3], 3),
    ("many to many,\nunaligned", "translation", [1, 2, 3], [4, 5], 5),
    ("many to many,\naligned", "a label per video frame;\nnext-word prediction", [1, 2, 3], [1, 2, 3], 3),
)


def task_categories(fig):
    """001's five kinds of sequence task, one panel each: inputs below, states in the middle, outputs above.

    A state box without an input below it reads nothing new at that step; one
    without an output above it emits nothing. Draws into ``fig`` (one row of
    axes, widths proportional to the number of steps) and returns the axes.
    """
    widths = [steps + 0.6 for *_, steps in TASK_CATEGORIES]
    axes = fig.subplots(1, len(TASK_CATEGORIES), gridspec_kw={"width_ratios": widths, "wspace": 0.05})
    state_color, in_color, out_color = "#cfe2f3", "#eeeeee", "#fde5cc"
    for ax, (name, example, ins, outs, steps) in zip(axes, TASK_CATEGORIES):
        for t in range(1, steps + 1):
            _box(ax, t, 1.3, "", state_color, w=0.6, h=0.5)
            if t > 1:
                _arrow(ax, (t - 0.7, 1.3), (t - 0.3, 1.3))
            if t in ins:
                _box(ax, t, 0.0, "", in_color, w=0.6, h=0.5)
                _arrow(ax, (t, 0.25), (t, 1.05))
            if t in outs:
                _box(ax, t, 2.6, "", out_color, w=0.6, h=0.5)
                _arrow(ax, (t, 1.55), (t, 2.35))
        ax.set_title(name, fontsize=10)
        ax.text((steps + 1) / 2, -0.75, example, ha="center", va="top", fontsize=8.5, color="#444444")
        ax.set_xlim(0.3, steps + 0.9)
        ax.set_ylim(-1.9, 3.0)
        ax.set_aspect("equal")
        ax.axis("off")
    return axes
