"""Explorer for notebook 07: pick a finished run of the adding problem and look inside it.

Controls: the gap T, the model and the seed, among the runs given (by default the stored
sweep, :func:`unrolled.memory.load_sweep`). Three panels: the held-out MSE as a multiple
of the baseline over training (the dashed line is the baseline, the dotted one the
"10 times below" mark), the gradient reaching the first marker relative to the gradient
at the last step, and the final predictions against the targets for 64 held-out
sequences (on the diagonal = right; within the band = solved by the 0.04 criterion).
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from .. import data, memory, plots
from .base import Explorer, View, draw_view, number

N_SHOWN = 64


def _index(runs):
    if not isinstance(runs, (list, tuple)) or not runs:
        raise ValueError("runs: expected a non-empty list of run dicts (memory.run or the stored sweep)")
    return {(int(r["T"]), r["kind"], int(r["seed"])): r for r in runs}


def make_compute(runs):
    """``compute(T, model, seed) -> dict`` over the given runs (pure: a lookup and some arithmetic)."""
    table = _index(runs)

    def compute(T: int, model: str, seed: int) -> dict:
        key = (int(T), model, int(seed))
        if key not in table:
            return {"message": f"no stored run for {model} at T = {T} with seed {seed}: "
                               "pick another seed or gap (the sweep did not cover every combination)"}
        r = table[key]
        steps = np.asarray(r["eval_steps"], dtype=float)
        rel = np.asarray(r["curves"]["relative"], dtype=float)
        ratio = np.asarray(r["curves"]["ratio"], dtype=float)
        pred = np.asarray(r["pred"], dtype=float)[:N_SHOWN]
        target = np.asarray(r["target"], dtype=float)[:N_SHOWN]
        solved = float(np.mean(np.abs(pred - target) < data.SOLVED_TOLERANCE))
        final = r["final"]
        verdict = ("solved (10x below the baseline)" if final["relative"] < 0.1 else
                   "learning, not yet solved" if final["relative"] < 0.5 else "stuck near the baseline")
        readout = (f"{model} at T = {T}, seed {seed}: final MSE = {number(final['relative'], '.3f')} x baseline, "
                   f"{verdict}; {100 * final['solved']:.0f}% of held-out sequences within 0.04; "
                   f"gradient at the first marker / at the last step: {final['ratio']:.0e}")
        return {"steps": steps, "relative": rel, "ratio": np.maximum(ratio, 1e-300), "pred": pred,
                "target": target, "solved_shown": solved, "readout": readout,
                "title": f"{model}, T = {T}, seed {seed}", "variant": r.get("variant", "pascanu")}

    return compute


def ratio_decades(ratio) -> int:
    """How many decades below 1 the gradient panel shows: 12 while every ratio is at least
    1e-12, else the next multiple of 12 (a vanilla RNN at T = 200 reaches 1e-48), so no
    point is ever clipped and the readout's number is on the axis."""
    smallest = max(float(np.min(ratio)), 1e-300)
    return max(12, int(np.ceil(-np.log10(smallest) / 12)) * 12)


def _fixed_log_ticks(ax, ticks, labels) -> None:
    """A few fixed, plainly written ticks on a log axis whose limits never change, no minor ticks.

    Matplotlib's log locator places dozens of minor ticks and writes the major ones in
    mathtext; recomputing and drawing them on every update was most of the update's cost.
    """
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FixedFormatter(labels))
    ax.yaxis.set_minor_locator(NullLocator())


class RunView(View):
    """Three panels: relative MSE over training, gradient ratio over training, predictions vs targets.

    Built once; an update replaces the data of five artists (two curves, the scatter, the
    diagonal and its band) and three texts. The log axes have fixed ticks (the gradient
    panel's change only when a run needs more decades: :func:`ratio_decades`) and the
    titles a fixed position, so a draw recomputes neither.
    """

    def build(self, fig) -> None:
        plots.use_style()
        axes = fig.subplots(1, 3, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.17, "top": 0.86,
                                               "wspace": 0.35})
        self.a_mse, self.a_grad, self.a_pred = axes
        (self.l_mse,) = self.a_mse.plot([], [], color="C0", lw=1.8)
        self.a_mse.axhline(1.0, color="k", ls="--", lw=1)
        self.a_mse.axhline(0.1, color="k", ls=":", lw=1)
        self.a_mse.set_yscale("log")
        self.a_mse.set_ylim(1e-3, 20)
        _fixed_log_ticks(self.a_mse, [1e-3, 1e-2, 0.1, 1, 10], ["0.001", "0.01", "0.1", "1", "10"])
        self.a_mse.set_xlabel("training step")
        self.a_mse.set_ylabel("held-out MSE / baseline")
        (self.l_grad,) = self.a_grad.plot([], [], color="C3", lw=1.8)
        self.a_grad.set_yscale("log")
        self._decades = None                               # set by update (ratio_decades)
        self.a_grad.set_xlabel("training step")
        self.a_grad.set_ylabel(r"$\|\partial L/\partial x_{t_1}\| / \|\partial L/\partial x_T\|$")
        self.a_grad.set_title("gradient reaching the first marker", fontsize=10, y=1.0)
        self.pts = self.a_pred.scatter(np.zeros(N_SHOWN), np.zeros(N_SHOWN), s=12, color="C2")
        (self.diag,) = self.a_pred.plot([0, 2], [0, 2], color="k", lw=1)
        (self.band_lo,) = self.a_pred.plot([0, 2], [0, 2], color="k", lw=0.6, ls=":")
        (self.band_hi,) = self.a_pred.plot([0, 2], [0, 2], color="k", lw=0.6, ls=":")
        self.a_pred.set_xlabel("target y")
        self.a_pred.set_ylabel(r"prediction $\hat y$")
        self.a_pred.set_title(" ", fontsize=10, y=1.0)    # y given: no title placement per draw
        self.title = fig.suptitle("", fontsize=11)

    def update(self, result: dict) -> None:
        steps = result["steps"]
        self.l_mse.set_data(steps, np.clip(result["relative"], 1e-3, 20))
        decades = ratio_decades(result["ratio"])
        if decades != self._decades:                       # five fixed ticks, 1e-decades .. 1
            self._decades = decades
            exps = [-decades + i * decades // 4 for i in range(5)]
            _fixed_log_ticks(self.a_grad, [10.0 ** e for e in exps], [f"1e{e}" if e else "1" for e in exps])
            self.a_grad.set_ylim(10.0 ** (-decades - 2), 1e3)
        self.l_grad.set_data(steps, np.clip(result["ratio"], 10.0 ** (-decades - 2), 1e3))
        for ax in (self.a_mse, self.a_grad):
            ax.set_xlim(0, max(steps[-1], 1))
        lo, hi = (0.0, 2.0) if result["variant"] == "pascanu" else (0.0, 1.0)
        self.pts.set_offsets(np.column_stack([result["target"], np.clip(result["pred"], lo - 0.5, hi + 0.5)]))
        tol = data.SOLVED_TOLERANCE
        self.diag.set_data([lo, hi], [lo, hi])
        self.band_lo.set_data([lo, hi], [lo - tol, hi - tol])
        self.band_hi.set_data([lo, hi], [lo + tol, hi + tol])
        self.a_pred.set_xlim(lo, hi)
        self.a_pred.set_ylim(lo - 0.5, hi + 0.5)
        self.a_pred.set_title(f"{100 * result['solved_shown']:.0f}% of {N_SHOWN} within 0.04", fontsize=10)
        self.title.set_text(result["title"])


def draw(result: dict, fig) -> None:
    """The figure of one result in a fresh ``fig`` (see :class:`RunView`)."""
    draw_view(RunView(), result, fig)


def explorer(runs=None, T: int | None = None, model: str = "lstm", seed: int | None = None) -> Explorer:
    """The widget over ``runs`` (default: the stored sweep): menus for T, model and seed."""
    import ipywidgets as widgets

    runs = memory.load_sweep()["runs"] if runs is None else runs
    table = _index(runs)
    Ts = sorted({k[0] for k in table})
    kinds = [k for k in memory.KINDS if any(key[1] == k for key in table)]
    seeds = sorted({k[2] for k in table})
    controls = {
        "T": widgets.Dropdown(options=Ts, value=Ts[-1] if T is None else T, description="gap T"),
        "model": widgets.Dropdown(options=kinds, value=model if model in kinds else kinds[0], description="model"),
        "seed": widgets.Dropdown(options=seeds, value=seeds[0] if seed is None else seed, description="seed"),
    }
    return Explorer("Inside one run of the adding problem", controls, make_compute(runs), RunView(),
                    figsize=(10, 3.4))
