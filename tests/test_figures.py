"""figures/: regenerated from the library, byte for byte; the diagram function behind it."""
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
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
