"""One look for every figure in the course.

``use_style()`` sets matplotlib's rcParams once (notebooks call it in their
first cell; figures and explorers call it too). ``COLORS`` names the colours
used for recurring meanings, so a vanilla RNN is the same colour everywhere.
"""
import matplotlib as mpl
import numpy as np

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


def _arrow(ax, start, end, label=None, label_offset=(0.0, 0.0), connectionstyle="arc3", fontsize=9, **style):
    """An arrow from ``start`` to ``end``, optionally labelled at its middle (plus an offset).

    ``style`` overrides the arrow's properties (``color``, ``lw``, ...)."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={**_ARROW, "connectionstyle": connectionstyle, **style})
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


def lstm_cell_diagram(ax):
    r"""Draw one LSTM step: the cell line on top, the four blocks below, the state on the right.

    $[h_{t-1}; x_t]$ feeds the four blocks $f, i, g, o$ (sigmoids, the candidate a
    tanh); $c_t = f_t\odot c_{t-1} + i_t\odot g_t$ runs along the top, where the old
    cell meets only a product with $f_t$ and a sum (the constant error carousel);
    $h_t = o_t\odot\tanh(c_t)$ leaves on the right. Draws into ``ax`` (axes off,
    equal aspect) and returns it.
    """
    gate, cell, op, io = "#d9ead3", "#cfe2f3", "white", "#eeeeee"
    y_c, y_op, y_g, y_in = 3.0, 2.05, 1.0, -0.35
    gates_x = {"f": 1.6, "i": 3.0, "g": 4.2, "o": 5.6}
    # the cell line: c_{t-1} -> x f -> + -> c_t
    _box(ax, 0.0, y_c, "$c_{t-1}$", cell, w=0.9)
    _box(ax, 1.6, y_c, r"$\times$", op, w=0.5, h=0.5)
    _box(ax, 3.6, y_c, "$+$", op, w=0.5, h=0.5)
    _box(ax, 7.0, y_c, "$c_t$", cell, w=0.7)
    _arrow(ax, (0.45, y_c), (1.35, y_c))
    _arrow(ax, (1.85, y_c), (3.35, y_c))
    _arrow(ax, (3.85, y_c), (6.65, y_c))
    ax.text(3.5, y_c + 0.55, "the carousel: only a product with $f_t$ and a sum", ha="center", fontsize=9,
            color="#444444")
    # the blocks and what they feed
    labels = {"f": r"$f_t$  $\sigma$", "i": r"$i_t$  $\sigma$", "g": r"$g_t$  tanh", "o": r"$o_t$  $\sigma$"}
    for k, x in gates_x.items():
        _box(ax, x, y_g, labels[k], gate, w=1.0, h=0.55, fontsize=10)
        _arrow(ax, (3.6, y_in + 0.3), (x, y_g - 0.28), connectionstyle="arc3,rad=0")
    _arrow(ax, (1.6, y_g + 0.28), (1.6, y_c - 0.25))                      # f_t into the product
    _box(ax, 3.6, y_op, r"$\times$", op, w=0.5, h=0.5)                    # i_t * g_t
    _arrow(ax, (3.0, y_g + 0.28), (3.45, y_op - 0.2))
    _arrow(ax, (4.2, y_g + 0.28), (3.75, y_op - 0.2))
    _arrow(ax, (3.6, y_op + 0.25), (3.6, y_c - 0.25))
    # the output: h_t = o_t * tanh(c_t)
    _box(ax, 7.0, y_op, "tanh", op, w=0.75, h=0.5, fontsize=10)
    _box(ax, 7.0, y_g, r"$\times$", op, w=0.5, h=0.5)
    _box(ax, 8.5, y_g, "$h_t$", cell, w=0.7)
    _arrow(ax, (7.0, y_c - 0.31), (7.0, y_op + 0.25))
    _arrow(ax, (7.0, y_op - 0.25), (7.0, y_g + 0.25))
    _arrow(ax, (6.1, y_g), (6.75, y_g))
    _arrow(ax, (7.25, y_g), (8.15, y_g))
    _box(ax, 3.6, y_in, "$[h_{t-1};\\ x_t]$", io, w=1.7, h=0.6, fontsize=11)
    ax.set_xlim(-0.6, 9.1)
    ax.set_ylim(y_in - 0.5, y_c + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def hmm_network(ax, words=("John", "hit", "the", "ball")):
    r"""Draw the HMM as a Bayesian network: a chain $Y_1 \to Y_2 \to \dots$, with $X_t$ below each $Y_t$.

    Hidden tags are shaded circles, observed words white boxes; each arrow is
    one factor of $P(Y, X) = \prod_t P(Y_t \mid Y_{t-1}) P(X_t \mid Y_t)$ and is
    labelled with the matrix that holds it ($U$ for transitions, $W$ for
    emissions, in note 002's names). Draws into ``ax`` and returns it.
    """
    from matplotlib.patches import Circle

    words = tuple(words)
    if not 1 <= len(words) <= 8 or not all(isinstance(w, str) for w in words):
        raise ValueError(f"words: expected 1 to 8 words (strings), got {words!r}")
    dx, y_tag, y_word, r = 1.8, 1.5, 0.0, 0.36
    for t, word in enumerate(words, start=1):
        x = t * dx
        ax.add_patch(Circle((x, y_tag), r, facecolor="#cfe2f3", edgecolor="#333333", lw=1.2))
        ax.text(x, y_tag, f"$Y_{{{t}}}$", ha="center", va="center", fontsize=12)
        _box(ax, x, y_word, f"$X_{{{t}}}$\n{word}", "white", w=0.95, h=0.72, fontsize=10)
        _arrow(ax, (x, y_tag - r), (x, y_word + 0.36), "$W$", (0.3, 0))
        if t > 1:
            _arrow(ax, (x - dx + r, y_tag), (x - r, y_tag), "$U$", (0, 0.22))
    ax.text(dx - 0.75, y_tag + 0.62, "hidden tags (shaded)", fontsize=9, color="#444444")
    ax.text(dx - 0.75, y_word - 0.72, "observed words", fontsize=9, color="#444444")
    ax.set_xlim(dx - 0.9, len(words) * dx + 0.9)
    ax.set_ylim(y_word - 0.9, y_tag + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def trellis(ax, words, tags, path=None, back=None):
    """Draw the trellis: one node per (step, tag), an edge for every transition between neighbouring steps.

    ``words`` label the steps (x axis), ``tags`` the rows (y axis, first tag at
    the top). Each of the ``N * N`` edges between two steps is one product
    ``u_ji h_{i,t-1}`` of the forward algorithm (which adds the edges into a
    node) and of Viterbi (which keeps the best one). With ``back`` (``(T, N)``
    back-pointers) the winning edge into every node is drawn dark; with
    ``path`` (``T`` tag indices) the Viterbi path is drawn thick. Returns ``ax``.
    """
    words, tags = list(words), list(tags)
    T, N = len(words), len(tags)
    if T < 1 or N < 1:
        raise ValueError(f"words, tags: expected at least one of each, got {T} and {N}")
    for name, a in (("path", path), ("back", back)):
        if a is not None and (len(a) != T or (name == "back" and len(a[0]) != N)):
            raise ValueError(f"{name}: expected {T} steps (and {N} tags for back), got {len(a)}")
    for t in range(1, T):
        for i in range(N):
            for j in range(N):
                won = back is not None and back[t][j] == i
                ax.plot([t - 1, t], [i, j], color="#333333" if won else "#bbbbbb",
                        lw=1.6 if won else 0.8, zorder=1)
    if path is not None:
        ax.plot(range(T), list(path), color=COLORS["approx"], lw=3.5, zorder=2, label="Viterbi path")
    xs, ys = [t for t in range(T) for _ in range(N)], [j for _ in range(T) for j in range(N)]
    ax.scatter(xs, ys, s=260, facecolor="#cfe2f3", edgecolor="#333333", zorder=3)
    ax.set_xticks(range(T), [f"t = {t + 1}\n{w}" for t, w in enumerate(words)])
    ax.set_yticks(range(N), tags)
    ax.set_xlim(-0.4, T - 0.6)
    ax.set_ylim(N - 0.5, -0.5)
    ax.set_xlabel("step $t$ and its word $x_t$")
    ax.set_ylabel("tag $Y_t = j$")
    ax.grid(False)
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


# --------------------------------------------------------------------------
# The figures of figures/: the two gated cells, the forward trellis, gradient against lag
# --------------------------------------------------------------------------

_GATE, _CAND, _STATE, _NODE = "#fde5cc", "#e2f0d9", "#cfe2f3", "white"


def _gate(ax, x, y, name, fn, color=_GATE):
    """A gate block: its role in small type over its nonlinearity."""
    _box(ax, x, y, "", color, w=1.2, h=0.72)
    ax.text(x, y + 0.15, name, ha="center", va="center", fontsize=8, color="#444444")
    ax.text(x, y - 0.14, fn, ha="center", va="center", fontsize=11)


def _op(ax, x, y, symbol):
    """A pointwise operation: a small white box with the operator."""
    _box(ax, x, y, symbol, _NODE, w=0.5, h=0.5, fontsize=12)


def _line(ax, points, **style):
    """A polyline without a head (a wire that branches), drawn under the boxes."""
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=style.get("color", "#333333"), lw=style.get("lw", 1.3), zorder=0,
            solid_capstyle="butt")


def _dot(ax, x, y):
    """A junction: where a wire splits in two."""
    ax.plot([x], [y], "o", ms=4, color="#333333", zorder=3)


def equations_panel(ax, rows, note=None):
    """Write ``rows`` of ``(equation, what it is)`` one under the other into ``ax`` (axes off).

    ``note`` (optional) goes under them in small grey type. Returns ``ax``.
    """
    rows = list(rows)
    if not rows or not all(isinstance(r, tuple) and len(r) == 2 for r in rows):
        raise ValueError(f"rows: expected a non-empty list of (equation, description) pairs, got {rows!r}")
    for k, (equation, what) in enumerate(rows):
        y = 1 - (k + 0.5) / (len(rows) + (1.2 if note else 0.4))
        ax.text(0.0, y, equation, fontsize=11, va="center", transform=ax.transAxes)
        ax.text(0.0, y - 0.075, what, fontsize=8, color="#555555", va="center", transform=ax.transAxes)
    if note:
        ax.text(0.0, 0.02, note, fontsize=7.5, color="#555555", va="bottom", transform=ax.transAxes, wrap=True)
    ax.axis("off")
    return ax


def lstm_cell(ax):
    r"""One LSTM step (notebook 05, eqs of section 2) with every block labelled in the course notation.

    Bottom: $h_{t-1}$ and $x_t$ join into $[h_{t-1}; x_t]$, which feeds the four blocks:
    forget $f_t$, input $i_t$ (sigmoids), candidate $g_t$ (tanh) and output $o_t$ (sigmoid).
    Top, thick: the cell path $c_{t-1} \to \odot f_t \to + \,i_t \odot g_t \to c_t$; right:
    $h_t = o_t \odot \tanh(c_t)$. Draws into ``ax`` (axes off, equal aspect) and returns it.
    """
    yc, ym, yg, yb = 4.4, 3.2, 2.0, 0.75
    cell = {"color": COLORS["lstm"], "lw": 2.6}
    xf, xi, xg, xo, xplus, xout = 1.8, 3.5, 4.9, 6.3, 4.2, 7.7
    # the cell path along the top
    _box(ax, 0.0, yc, "$c_{t-1}$", _STATE)
    _op(ax, xf, yc, r"$\odot$")
    _op(ax, xplus, yc, "$+$")
    _box(ax, 9.3, yc, "$c_t$", _STATE)
    _arrow(ax, (0.45, yc), (xf - 0.25, yc), **cell)
    _arrow(ax, (xf + 0.25, yc), (xplus - 0.25, yc), **cell)
    _arrow(ax, (xplus + 0.25, yc), (9.3 - 0.45, yc), **cell)
    ax.text(4.6, yc + 0.5, "cell path: one product with $f_t$ and one sum, no weight matrix, no squashing",
            ha="center", fontsize=8.5, color=COLORS["lstm"])
    # the input bus [h_{t-1}; x_t] and the four blocks
    _box(ax, 0.0, yb, "$h_{t-1}$", _STATE)
    _box(ax, 1.0, -0.45, "$x_t$", "#eeeeee", w=0.7, h=0.55)
    _line(ax, [(0.45, yb), (xo, yb)])
    _line(ax, [(1.0, -0.17), (1.0, yb)])
    _dot(ax, 1.0, yb)
    ax.text(2.65, yb - 0.3, "$[h_{t-1};\\ x_t]$", ha="center", fontsize=9, color="#444444")
    for x, name, fn, color in ((xf, "forget", r"$\sigma$", _GATE), (xi, "input", r"$\sigma$", _GATE),
                               (xg, "candidate", "tanh", _CAND), (xo, "output", r"$\sigma$", _GATE)):
        _gate(ax, x, yg, name, fn, color)
        _arrow(ax, (x, yb), (x, yg - 0.36))
        if x != xo:                                   # the bus ends at the last block
            _dot(ax, x, yb)
    # what the blocks feed
    _arrow(ax, (xf, yg + 0.36), (xf, yc - 0.25), "$f_t$", (-0.25, 0), fontsize=10)
    _op(ax, xplus, ym, r"$\odot$")
    _arrow(ax, (xi + 0.2, yg + 0.36), (xplus - 0.2, ym - 0.2), "$i_t$", (-0.22, 0.05), fontsize=10)
    _arrow(ax, (xg - 0.2, yg + 0.36), (xplus + 0.2, ym - 0.2), "$g_t$", (0.25, 0.05), fontsize=10)
    _arrow(ax, (xplus, ym + 0.25), (xplus, yc - 0.25))
    # the output: h_t = o_t * tanh(c_t)
    _dot(ax, xout, yc)
    _box(ax, xout, ym, "tanh", _NODE, w=0.75, h=0.5, fontsize=10)
    _op(ax, xout, yg, r"$\odot$")
    _box(ax, 9.3, yg, "$h_t$", _STATE)
    _arrow(ax, (xout, yc), (xout, ym + 0.25))
    _arrow(ax, (xout, ym - 0.25), (xout, yg + 0.25))
    _arrow(ax, (xo + 0.6, yg), (xout - 0.25, yg), "$o_t$", (0, 0.22), fontsize=10)
    _arrow(ax, (xout + 0.25, yg), (9.3 - 0.45, yg))
    ax.set_xlim(-0.6, 9.9)
    ax.set_ylim(-0.85, yc + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


#: the LSTM's equations as notebook 05 writes them, for :func:`equations_panel`
LSTM_EQUATIONS = (
    (r"$i_t = \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i)$", "input gate: how much of the candidate to write"),
    (r"$f_t = \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f)$", "forget gate: how much of the old cell to keep"),
    (r"$g_t = \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g)$", "candidate: the new content"),
    (r"$o_t = \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o)$", "output gate: how much of the cell to show"),
    (r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", "memory cell: the additive path back in time"),
    (r"$h_t = o_t \odot \tanh(c_t)$", "hidden state, passed to the next step and the output"),
)


def gru_cell(ax):
    r"""One GRU step in the course's convention (notebook 06, section 1: Cho et al. 2014).

    Blocks: reset $r_t$ and update $z_t$ (sigmoids of $x_t$ and $h_{t-1}$), candidate
    $n_t = \tanh(W_{xn} x_t + W_{hn}(r_t \odot h_{t-1}) + b_n)$. Top, thick: the state path
    $h_{t-1} \to \odot z_t \to + \,(1 - z_t) \odot n_t \to h_t$, the interpolation, where
    $z_t$ is the fraction of the old state kept. Draws into ``ax`` and returns it.
    """
    from matplotlib import patheffects

    yc, ym, yg, yb = 4.4, 3.2, 2.0, 0.75
    path = {"color": COLORS["gru"], "lw": 2.6}
    xr, xreset, xn, xz, xkeep, xplus = 1.6, 2.85, 4.5, 6.5, 6.85, 8.3
    # the state path along the top
    _box(ax, 0.0, yc, "$h_{t-1}$", _STATE)
    _op(ax, xkeep, yc, r"$\odot$")
    _op(ax, xplus, yc, "$+$")
    _box(ax, 9.7, yc, "$h_t$", _STATE)
    _arrow(ax, (0.45, yc), (xkeep - 0.25, yc), **path)
    _arrow(ax, (xkeep + 0.25, yc), (xplus - 0.25, yc), **path)
    _arrow(ax, (xplus + 0.25, yc), (9.7 - 0.45, yc), **path)
    ax.text(4.85, yc + 0.5, "state path: times $z_t$, plus $(1 - z_t) \\odot n_t$, no weight matrix",
            ha="center", fontsize=8.5, color=COLORS["gru"])
    # x_t along the bottom into every block
    _box(ax, 0.0, yb, "$x_t$", "#eeeeee", w=0.7, h=0.55)
    _line(ax, [(0.35, yb), (xz, yb)])
    for x in (xr, xn, xz):
        _arrow(ax, (x, yb), (x, yg - 0.36))
        if x != xz:
            _dot(ax, x, yb)
    # the reset gate, and the reset product before the candidate's recurrent weight
    _gate(ax, xr, yg, "reset", r"$\sigma$")
    for x in (xr, xreset, xz - 0.35):
        _dot(ax, x, yc)
    _arrow(ax, (xr, yc), (xr, yg + 0.36))
    _op(ax, xreset, ym, r"$\odot$")
    _arrow(ax, (xreset, yc), (xreset, ym + 0.25))
    _arrow(ax, (xr + 0.3, yg + 0.36), (xreset - 0.18, ym - 0.18), "$r_t$", (0.25, -0.1), fontsize=10)
    _arrow(ax, (xreset + 0.18, ym - 0.18), (xn - 0.25, yg + 0.36), r"$r_t \odot h_{t-1}$", (0.75, 0.18),
           fontsize=9)
    _gate(ax, xn, yg, "candidate", "tanh", _CAND)
    # the update gate: z_t keeps the old state, 1 - z_t takes the candidate
    _gate(ax, xz, yg, "update", r"$\sigma$")
    _arrow(ax, (xz - 0.35, yc), (xz - 0.35, yg + 0.36))
    _arrow(ax, (xkeep, yg + 0.36), (xkeep, yc - 0.25), "$z_t$", (0.25, -0.1), fontsize=10)
    _op(ax, xplus, yg, r"$\odot$")
    _arrow(ax, (xz + 0.6, yg), (xplus - 0.25, yg), "$1 - z_t$", (0, 0.24), fontsize=10)
    _arrow(ax, (xplus, yg + 0.25), (xplus, yc - 0.25))
    # the candidate's way to its product runs under the update gate, crossing x_t's wire to it
    route = [(xn + 0.6, yg - 0.1), (5.45, yg - 0.1), (5.45, 1.25), (xplus, 1.25)]
    xs, ys = zip(*route)
    ax.plot(xs, ys, color="#333333", lw=1.3, zorder=1, solid_capstyle="butt",
            path_effects=[patheffects.Stroke(linewidth=5, foreground="white"), patheffects.Normal()])
    _arrow(ax, (xplus, 1.25), (xplus, yg - 0.25), "$n_t$", (0.25, 0), fontsize=10)
    ax.set_xlim(-0.6, 10.3)
    ax.set_ylim(yb - 0.55, yc + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


#: the GRU's equations as notebook 06 writes them (reset before the product), for :func:`equations_panel`
GRU_EQUATIONS = (
    (r"$r_t = \sigma(W_{xr} x_t + W_{hr} h_{t-1} + b_r)$", "reset gate: how much of the old state the candidate sees"),
    (r"$z_t = \sigma(W_{xz} x_t + W_{hz} h_{t-1} + b_z)$", "update gate: the fraction of the old state kept"),
    (r"$n_t = \tanh(W_{xn} x_t + W_{hn}(r_t \odot h_{t-1}) + b_n)$", "candidate"),
    (r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$", "interpolation between the candidate and the old state"),
)


def _sci(v: float) -> str:
    r"""``v`` with three significant digits as mathtext, e.g. ``$1.63 \times 10^{-1}$``."""
    mantissa, exponent = f"{v:.2e}".split("e")
    return rf"${mantissa} \times 10^{{{int(exponent)}}}$"


def forward_trellis(ax, words, tags, h, share):
    r"""The trellis with the forward algorithm's messages (notebook 02, section 2).

    One node per step (column) and tag (row), labelled with its message
    $h_{j,t} = P(Y_t = j, x_1..x_t)$ from ``h`` ``(T, N)``. Each edge $i \to j$ between
    steps $t-1$ and $t$ carries the product $h_{i,t-1}\, P(Y_t = j \mid Y_{t-1} = i)\, P(x_t \mid Y_t = j)$,
    and the node adds what arrives; ``share`` ``(T - 1, N, N)`` is each edge's share of the sum
    in the node it enters (``share[t - 1, i, j]``, summing to 1 over ``i``), drawn as its width.
    Returns ``ax``.
    """
    words, tags = list(words), list(tags)
    h, share = np.asarray(h, dtype=float), np.asarray(share, dtype=float)
    T, N = len(words), len(tags)
    if h.shape != (T, N):
        raise ValueError(f"h: expected shape {(T, N)} (steps, tags), got {h.shape}")
    if share.shape != (max(T - 1, 0), N, N):
        raise ValueError(f"share: expected shape {(T - 1, N, N)}, got {share.shape}")
    dx, dy = 2.2, 1.0
    for t in range(1, T):
        for i in range(N):
            for j in range(N):
                s = share[t - 1, i, j]
                ax.plot([(t - 1) * dx, t * dx], [-i * dy, -j * dy], color="#333333" if s > 0.5 else "#999999",
                        lw=0.4 + 4.0 * s, zorder=1, solid_capstyle="butt")
    for t in range(T):
        for j in range(N):
            _box(ax, t * dx, -j * dy, _sci(h[t, j]), _STATE if h[t, j] < h[t].max() else "#9fc5e8",
                 w=1.35, h=0.46, fontsize=8.5)
        ax.text(t * dx, 0.65 * dy, f"$t = {t + 1}$: {words[t]}", ha="center", fontsize=10)
    for j, tag in enumerate(tags):
        ax.text(-0.85, -j * dy, tag, ha="right", va="center", fontsize=10)
    ax.text((T - 1) * dx + 0.75, -(N - 1) * dy - 0.6,
            rf"$\sum_j h_{{j,{T}}} = P(x_1..x_{{{T}}})$ = " + _sci(h[-1].sum()),
            ha="right", va="top", fontsize=9, color="#444444")
    ax.set_xlim(-1.9, (T - 1) * dx + 0.8)
    ax.set_ylim(-(N - 1) * dy - 1.0, 0.95 * dy)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def gradient_against_lag(ax, lags, curves, title=None):
    r"""A gradient norm against the lag on a log axis, one band per cell.

    ``curves`` maps a cell (``"rnn"``, ``"lstm"``, ``"gru"``) to ``(S, len(lags))`` values of
    $\log_{10}\lVert\cdot\rVert$ over ``S`` seeds; the line is the median, the band the range.
    Returns ``ax``.
    """
    names = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
    for kind, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(lags):
            raise ValueError(f"curves[{kind!r}]: expected (seeds, {len(lags)}) values, got {values.shape}")
        ax.fill_between(lags, 10.0 ** values.min(axis=0), 10.0 ** values.max(axis=0), color=COLORS[kind],
                        alpha=0.2, lw=0)
        ax.plot(lags, 10.0 ** np.median(values, axis=0), color=COLORS[kind], lw=2, label=names.get(kind, kind))
    ax.set_yscale("log")
    ax.set_xlabel("lag $k$ (steps back from the loss)")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
