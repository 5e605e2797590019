"""The benchmark code paths run (at tiny shapes); no timing is asserted here.

The speed goals themselves are measured by ``make bench`` (benchmarks/), side
by side in one run, never in the test suite: a timed test on a shared machine
fails on noise.
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
TINY = ((3, 2, 4, 5, "float32", 1.5), (2, 1, 3, 4, "float64", 1.0))


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run():
    return load("run")


def test_numpy_case_runs_forward_and_backward(run):
    for T, B, D, H, dtype, _ in TINY:
        for kind in run.KINDS:
            fn, params, x, dhs = run.numpy_case(kind, T, B, D, H, np.dtype(dtype))
            hs, (dx, dstate0, grads) = fn()
            assert hs.shape == (T, B, H) and hs.dtype == dtype
            assert dx.shape == x.shape and set(grads) == set(params)


def test_measure_and_table_without_torch(run):
    rows = run.measure(shapes=TINY, repeats=2, use_torch=False, warmup=1)
    assert len(rows) == len(TINY) * len(run.KINDS)
    for row in rows:
        assert row["ours_s"] > 0 and row["ratio"] is None
        assert row["ours_tok"] == pytest.approx(row["T"] * row["B"] / row["ours_s"])
    table = run.markdown(rows, run.environment(None), repeats=2)
    assert table.count("\n| ") == 1 + len(rows)          # header + one line per case
    assert "n/a" in table and "torch not installed" in table


def test_main_writes_the_table(run, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "SHAPES", TINY)
    out = tmp_path / "bench.md"
    assert run.main(["--repeats", "1", "--no-torch", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.count("| lstm | 3, 2, 4, 5 | float32 |") == 2      # default threads, then 1
    assert "#### Each library's default thread count" in text
    assert "#### 1 thread for numpy's BLAS and for PyTorch" in text


def test_torch_side_runs_where_installed(run):
    torch = pytest.importorskip("torch", reason="torch is not installed (optional)")
    rows = run.measure(shapes=TINY[:1], kinds=("lstm",), repeats=1, use_torch=True, warmup=0)
    assert rows[0]["torch_s"] > 0 and rows[0]["ratio"] > 0
    env = run.environment(torch)
    assert env["torch threads"] == torch.get_num_threads()


def test_blas_info_names_a_kernel(run):
    info = run.blas_info()
    assert set(info) == {"BLAS", "BLAS kernel", "BLAS threads"}


def test_blas_threads_can_be_set_and_restored(run):
    before = run.blas_threads()
    if before is None:
        pytest.skip("this BLAS does not report its thread count")
    try:
        assert run.set_blas_threads(1)
        assert run.blas_threads() == 1
    finally:
        run.set_blas_threads(before)
    assert run.blas_threads() == before


def test_explorer_benchmark_finds_and_times_every_explorer(tmp_path):
    explorers = load("explorers")
    found = explorers.discover()
    package = Path(__file__).resolve().parent.parent / "lib" / "unrolled" / "explorers"
    expected = {p.stem for p in package.glob("*.py")
                if not p.stem.startswith("_") and p.stem != "base"
                and "def explorer(" in p.read_text()}
    assert set(found) == expected
    if found:
        name = sorted(found)[0]
        module = found[name]
        rows = explorers.measure(repeats=1, modules={name: module})
        row = rows[0]
        # the sweep: the default, then every control alone at each of its extremes
        assert row["explorer"] == name and row["settings"] == len(module.explorer().sweep()) > 1
        assert 0 < row["median_ms"] <= row["max_ms"]
        assert 0 < row["compute_median_ms"] <= row["compute_max_ms"]
        assert 0 < row["draw_median_ms"] <= row["draw_max_ms"]
        assert 0 < row["cpu_median_ms"] <= row["cpu_max_ms"]
        assert row["compute_max_ms"] + row["draw_max_ms"] >= row["max_ms"] - 1e-9
        assert row["worst_setting"]
        table = explorers.markdown(rows, 1)
        assert f"| {name} | {row['settings']} |" in table
        cold = explorers.measure(repeats=1, modules={name: module}, cold_text=True)[0]
        assert cold["settings"] == row["settings"] and cold["max_ms"] > 0
    table = explorers.markdown(explorers.measure(repeats=1, modules={}), 1)
    assert "no explorers found" in table


def test_explorer_benchmark_names_the_moved_control():
    explorers = load("explorers")
    default = {"a": 1, "b": "x"}
    assert explorers.describe(default, default) == "default"
    assert explorers.describe({"a": 1, "b": "y"}, default) == "b='y'"
