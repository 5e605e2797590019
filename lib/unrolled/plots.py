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
