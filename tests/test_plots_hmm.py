"""plots.hmm_network and plots.trellis: what they draw, and what they refuse."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from unrolled import hmm, plots  # noqa: E402


def test_hmm_network_draws_one_tag_and_one_word_per_step_and_an_arrow_per_factor():
    fig, ax = plt.subplots()
    plots.hmm_network(ax, ("a", "b", "c"))
    texts = [t.get_text() for t in ax.texts]
    assert [f"$Y_{{{t}}}$" for t in (1, 2, 3)] == [s for s in texts if s.startswith("$Y_")]
    assert sum(s.startswith("$X_") for s in texts) == 3
    assert texts.count("$U$") == 2 and texts.count("$W$") == 3      # T - 1 transitions, T emissions
    plt.close(fig)
    with pytest.raises(ValueError, match="words"):
        plots.hmm_network(ax, ())


def test_trellis_draws_every_edge_and_marks_the_back_pointers_and_path():
    L = hmm.lecture_hmm()
    v, back = hmm.viterbi_trellis(L["initial"], L["A"], L["E"], L["obs"])
    path, _ = hmm.viterbi(L["initial"], L["A"], L["E"], L["obs"])
    fig, ax = plt.subplots()
    plots.trellis(ax, L["sentence"], L["tags"], path=path, back=back)
    edges = [line for line in ax.lines if len(line.get_xdata()) == 2]
    assert len(edges) == 3 * 3 * 3                                    # (T - 1) N^2
    dark = [line for line in edges if line.get_color() == "#333333"]
    assert len(dark) == 3 * 3                                         # one winning edge into each later node
    thick = [line for line in ax.lines if len(line.get_xdata()) == 4]
    assert len(thick) == 1 and list(thick[0].get_ydata()) == list(path)
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="path"):
        plots.trellis(ax, L["sentence"], L["tags"], path=path[:2])
