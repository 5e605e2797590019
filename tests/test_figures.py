"""figures/: regenerated from the library, byte for byte; the diagram function behind it."""
import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure
from unrolled import figures, plots

COMMITTED = Path(__file__).resolve().parent.parent / "figures"


def test_regenerating_gives_the_committed_bytes(tmp_path):
    written = figures.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(figures.FIGURES)
    for path in written:
        committed = COMMITTED / path.name
        assert committed.is_file(), f"{path.name} is not committed: run make figures"
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} is stale: run make figures"


def test_every_committed_png_is_generated():
    assert {p.name for p in COMMITTED.glob("*.png")} == set(figures.FIGURES)


def test_command_line_writes_into_the_folder_given(tmp_path):
    out = tmp_path / "new" / "folder"
    result = subprocess.run([sys.executable, "-m", "unrolled.figures", str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (out / "unrolled_rnn.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in figures.FIGURES:                  # a fresh process draws the same bytes as the committed ones
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_generating_leaves_the_global_style_alone(tmp_path):
    before = dict(mpl.rcParams)
    figures.generate(tmp_path)
    assert dict(mpl.rcParams) == before


def labels(ax):
    return [text.get_text() for text in ax.texts]


@pytest.mark.parametrize("T", [1, 3, 6])
def test_diagram_has_one_column_per_step_with_shared_weights(T):
    ax = Figure().add_subplot()
    plots.unrolled_diagram(ax, T=T, folded=False)
    text = labels(ax)
    for t in range(1, T + 1):
        assert {f"$x_{{{t}}}$", f"$h_{{{t}}}$", f"$y_{{{t}}}$"} <= set(text)
    assert f"$h_{{{T + 1}}}$" not in text and "$h_0$" in text
    assert text.count("$W_{hh}$") == T and text.count("$W_{hx}$") == T and text.count("$W_{yh}$") == T
    assert len(ax.patches) == 3 * T + 1  # x, h, y boxes per step plus h_0


def test_diagram_options_drop_outputs_weights_and_the_folded_cell():
    ax = Figure().add_subplot()
    plots.unrolled_diagram(ax, T=2, folded=True, weights=False, outputs=False)
    text = labels(ax)
    assert not any(label.startswith("$W") for label in text)
    assert not any(label.startswith("$y") for label in text)
    assert "$h_t$" in text and "=" in text


@pytest.mark.parametrize("T", [0, 13, 2.0])
def test_diagram_refuses_a_bad_number_of_steps(T):
    with pytest.raises(ValueError, match="T: expected"):
        plots.unrolled_diagram(Figure().add_subplot(), T=T)


# --------------------------------------------------------------------------
# The two cells: every block and every arrow that carries a named quantity is labelled
# --------------------------------------------------------------------------

def test_lstm_cell_labels_every_gate_operation_and_state():
    ax = Figure().add_subplot()
    assert plots.lstm_cell(ax) is ax
    text = labels(ax)
    for symbol in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$"):
        assert text.count(symbol) == 1, symbol
    assert [t for t in text if t in ("forget", "input", "candidate", "output")] == \
        ["forget", "input", "candidate", "output"]
    assert text.count(r"$\sigma$") == 3 and text.count("tanh") == 2       # three gates; candidate and output
    assert text.count(r"$\odot$") == 3 and text.count("$+$") == 1           # f c, i g, o tanh(c); one sum


def test_gru_cell_labels_every_gate_operation_and_state():
    ax = Figure().add_subplot()
    assert plots.gru_cell(ax) is ax
    text = labels(ax)
    for symbol in ("$h_{t-1}$", "$h_t$", "$x_t$", "$r_t$", "$z_t$", "$1 - z_t$", "$n_t$", r"$r_t \odot h_{t-1}$"):
        assert text.count(symbol) == 1, symbol
    assert [t for t in text if t in ("reset", "candidate", "update")] == ["reset", "candidate", "update"]
    assert text.count(r"$\sigma$") == 2 and text.count("tanh") == 1
    assert text.count(r"$\odot$") == 3 and text.count("$+$") == 1           # r h, z h, (1 - z) n; one sum


@pytest.mark.parametrize("draw, equations", [(figures.lstm_cell, plots.LSTM_EQUATIONS),
                                             (figures.gru_cell, plots.GRU_EQUATIONS)])
def test_cell_figures_print_the_notebooks_equations(draw, equations):
    fig = draw()
    text = [t for ax in fig.axes for t in labels(ax)]
    for equation, _ in equations:
        assert equation in text
    assert len(equations) == (6 if draw is figures.lstm_cell else 4)


def test_equations_panel_refuses_rows_that_are_not_pairs():
    with pytest.raises(ValueError, match="rows: expected"):
        plots.equations_panel(Figure().add_subplot(), ["$x$"])
    with pytest.raises(ValueError, match="rows: expected"):
        plots.equations_panel(Figure().add_subplot(), [])


# --------------------------------------------------------------------------
# The trellis: the numbers in its nodes are the forward algorithm's, and they add up
# --------------------------------------------------------------------------

def test_forward_messages_are_the_brute_force_prefix_sums():
    from unrolled import hmm

    m = figures.forward_messages()
    L = m["hmm"]
    T, N = m["h"].shape
    assert (T, N) == (len(L["sentence"]), len(L["tags"])) == (4, 3)
    for t in range(T):                       # h_{j,t}: sum of P(y_1..y_t, x_1..x_t) over paths ending in j
        paths, log_joint = hmm.enumerate_paths(L["initial"], L["A"], L["E"], L["obs"][:t + 1])
        brute = np.bincount(paths[:, -1], weights=np.exp(log_joint), minlength=N)
        assert np.allclose(m["h"][t], brute, rtol=1e-12)
    assert np.allclose(m["flow"].sum(axis=1), m["h"][1:], rtol=1e-12)    # a node adds its incoming edges
    assert np.allclose(m["share"].sum(axis=1), 1.0)
    # the last column adds up to P(John hit the ball), the sum over all 81 tag sequences
    _, log_joint = hmm.enumerate_paths(L["initial"], L["A"], L["E"], L["obs"])
    assert np.isclose(m["h"][-1].sum(), np.exp(log_joint).sum(), rtol=1e-12)


def test_trellis_figure_prints_every_message_and_draws_every_edge():
    m = figures.forward_messages()
    fig = figures.hmm_trellis()
    ax = fig.axes[0]
    text = labels(ax)
    T, N = m["h"].shape
    for t in range(T):
        for j in range(N):
            assert plots._sci(m["h"][t, j]) in text
    assert any(label.endswith(plots._sci(m["h"][-1].sum())) for label in text)
    assert all(tag in text for tag in m["tags"])
    widths = sorted(line.get_linewidth() for line in ax.lines)
    assert len(widths) == (T - 1) * N * N
    assert np.allclose(widths, sorted(0.4 + 4.0 * m["share"].ravel()))
    # the widest edge into every node is its main contributor: share above one half here
    assert np.all(m["share"].max(axis=1) > 0.5)


def test_trellis_shades_the_largest_message_of_each_step():
    from matplotlib.colors import to_hex

    m = figures.forward_messages()
    ax = figures.hmm_trellis().axes[0]
    T, N = m["h"].shape
    dark = np.array([to_hex(p.get_facecolor()) != plots._STATE for p in ax.patches]).reshape(T, N)
    assert np.array_equal(dark, m["h"] == m["h"].max(axis=1, keepdims=True))
    assert [m["tags"][j] for j in np.argmax(m["h"], axis=1)] == ["Noun", "Verb", "Det", "Noun"]  # as 02 says


def test_sci_prints_three_significant_digits():
    assert plots._sci(0.16333) == r"$1.63 \times 10^{-1}$"
    assert plots._sci(1.0e-4) == r"$1.00 \times 10^{-4}$"


def test_forward_trellis_refuses_messages_of_the_wrong_shape():
    m = figures.forward_messages()
    with pytest.raises(ValueError, match="h: expected shape"):
        plots.forward_trellis(Figure().add_subplot(), m["words"], m["tags"], m["h"][:3], m["share"])
    with pytest.raises(ValueError, match="share: expected shape"):
        plots.forward_trellis(Figure().add_subplot(), m["words"], m["tags"], m["h"], m["share"][:2])


# --------------------------------------------------------------------------
# Gradient against lag: the caption's claims, computed
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lag_curves():
    return figures.lag_gradients(0.0), figures.lag_gradients(figures.LAG["keep"])


def test_lag_gradients_agree_with_the_rnn_jacobians_by_hand():
    from unrolled import cells

    T, D, H = 12, 3, 5
    curves = figures.lag_gradients(0.0, T=T, D=D, H=H, seeds=(7,))
    rng = np.random.default_rng(7)                 # the draws lag_gradients makes, in the same order
    p = cells.init("rnn", D, H, rng)
    x = rng.standard_normal((T, D))
    g = rng.standard_normal(H)
    h, hs = np.zeros(H), []
    for t in range(T):
        h = np.tanh(p["W_hx"] @ x[t] + p["W_hh"] @ h + p["b_h"])
        hs.append(h)
    dh, norms = g / np.linalg.norm(g), []
    for t in reversed(range(T)):                   # dL/dx_t = W_hx^T diag(1 - h_t^2) dL/dh_t
        da = dh * (1 - hs[t] ** 2)
        norms.append(np.linalg.norm(p["W_hx"].T @ da))
        dh = p["W_hh"].T @ da
    assert np.allclose(curves["rnn"][0], np.log10(np.array(norms) / norms[0]), atol=1e-3)


def test_at_the_default_initialisation_every_cell_loses_orders_of_magnitude(lag_curves):
    default, _ = lag_curves
    T = figures.LAG["T"]
    assert set(default) == {"rnn", "lstm", "gru"}
    for kind, values in default.items():
        assert values.shape == (len(figures.LAG["seeds"]), T)
        assert np.all(values[:, 0] == 0)                                   # normalised at lag 0
        median = np.median(values, axis=0)
        assert median[-1] < -10, kind                                      # more than 10 decades by lag T - 1
        assert np.all(np.diff(median[::10]) < 0), kind                     # falling over every 10 steps


def test_with_gates_biased_to_keep_lstm_and_gru_keep_what_the_rnn_loses(lag_curves):
    default, kept = lag_curves
    lost = figures.decades_lost(kept, figures.LAG["T"] - 1)
    assert lost["lstm"] < 2 and lost["gru"] < 2 and lost["rnn"] > 10
    assert np.array_equal(kept["rnn"], default["rnn"])                     # the RNN has no gate to bias
    for kind in ("lstm", "gru"):       # every seed, every lag from 10 on (the LSTM dips at lag 1, notebook 06)
        assert np.all(kept[kind][:, 10:] > kept["rnn"][:, 10:] + 1), kind
        assert np.all(kept[kind][:, 10:] > default[kind][:, 10:]), kind


def test_gradient_figure_titles_state_what_the_curves_show(lag_curves):
    import re

    default, kept = lag_curves
    fig = figures.gradient_vs_lag()
    left, right = fig.axes[:2]
    T = figures.LAG["T"]
    lost0, lost3 = figures.decades_lost(default, T - 1), figures.decades_lost(kept, T - 1)
    more = int(re.search(r"more than (\d+) decades", left.get_title()).group(1))
    assert all(v > more for v in lost0.values())
    less, rnn = map(int, re.search(r"less than (\d+) decades, the RNN more than (\d+)", right.get_title()).groups())
    assert lost3["lstm"] < less and lost3["gru"] < less and lost3["rnn"] > rnn > less
    assert left.get_yscale() == "log" and [t.get_text() for t in left.get_legend().get_texts()] == \
        ["RNN", "LSTM", "GRU"]


def test_gradient_against_lag_refuses_curves_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"curves\['rnn'\]: expected"):
        plots.gradient_against_lag(Figure().add_subplot(), np.arange(5), {"rnn": np.zeros((2, 4))})


# --------------------------------------------------------------------------
# Every figure is used, and every use points at a figure that exists
# --------------------------------------------------------------------------

ROOT = COMMITTED.parent
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]+\.png)\)")


def _notebook_images():
    """(notebook, alt text, target) for every image in a markdown cell of a notebook."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                for alt, target in IMAGE.findall(source):
                    yield path.name, alt, target


def test_notebook_images_point_at_committed_figures_with_a_description():
    images = list(_notebook_images())
    for notebook, alt, target in images:
        if "figures/" in target:
            assert target.startswith("../figures/"), (notebook, target)        # relative, as the export expects
            assert (ROOT / "notebooks" / target).resolve().is_file(), (notebook, target)
            assert len(alt.split()) >= 8, (notebook, alt)                         # says what the picture shows


def test_every_figure_is_used_by_the_readme_or_a_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {Path(target).name for _, _, target in _notebook_images()}
    shown |= {Path(target).name for _, target in IMAGE.findall(readme)}
    for name in figures.FIGURES:
        assert name in shown, f"{name} is drawn but shown nowhere"
        assert f"(figures/{name})" in readme, f"{name} is missing from the README's list of figures"
