"""Regenerate the course's figures: ``python -m unrolled.figures OUTDIR`` (``make figures``).

Every image in ``figures/`` is drawn here from the library, so a figure can be
rebuilt rather than edited by hand. The PNGs are byte-for-byte reproducible for
a fixed matplotlib version (Agg renderer, bundled fonts, no timestamp or
software tag), which ``tests/test_figures.py`` checks against the committed files.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from unrolled import plots

DPI = 100


def unrolled_rnn() -> Figure:
    """The RNN folded and unrolled over four steps (README, notebook 00)."""
    fig = Figure(figsize=(9, 3.2), dpi=DPI, layout="constrained")
    plots.unrolled_diagram(fig.add_subplot(), T=4)
    return fig


#: file name -> function drawing it
FIGURES: dict[str, Callable[[], Figure]] = {
    "unrolled_rnn.png": unrolled_rnn,
}


def generate(outdir: Path) -> list[Path]:
    """Draw every figure into ``outdir`` (created if needed); return the paths written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(plots.STYLE):
        for name, draw in FIGURES.items():
            path = outdir / name
            draw().savefig(path, dpi=DPI, metadata={"Software": None})
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="folder to write the figures into, e.g. figures")
    args = parser.parse_args(argv)
    for path in generate(args.outdir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
