"""benchmarks/char_lm.py runs (tiny sizes); its timings are measured by make bench, never asserted."""
import importlib.util
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def load():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_char_lm", BENCH / "char_lm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_loops_train_and_the_table_has_a_row_per_case():
    bench = load()
    ids = np.random.default_rng(0).integers(0, 7, 3000)
    assert bench.min_char_rnn(ids, 7, 3) == 3 * bench.T
    assert bench.library(ids, 7, 2, 4) == 2 * 4 * bench.T
    rows = bench.measure(rounds=1, chars=400, text="the cat sat on the mat. " * 300)
    table = bench.markdown(rows)
    assert len(rows) == 1 + len(bench.BATCHES) + len(bench.BATCHES_FLOAT32) and table.count("\n| ") == 1 + len(rows)
    assert rows[0]["speedup"] == 1.0


def test_the_goal_line_judges_each_precision_on_its_own_rows():
    bench = load()
    rows = [{"case": "min-char-rnn loop (1 sequence)", "speedup": 1.0},
            {"case": "unrolled.charlm.train, B = 32", "speedup": 5.2},
            {"case": "unrolled.charlm.train, B = 32, float32", "speedup": 12.1}]
    line = bench.goal(rows)
    assert "float64 (the loop's precision): NOT met, best 5.2x" in line
    assert "float32: met, best 12.1x" in line
    rows[1]["speedup"] = 10.0
    assert "float64 (the loop's precision): met, best 10.0x" in bench.goal(rows)


def test_the_stages_cover_the_training_step_without_overlap():
    bench = load()
    rows, seconds_per_char = bench.stages(B=4, chars=800, text="the cat sat on the mat. " * 300)
    assert [label for label, _ in rows[:-1]] == [label for label, _, _ in bench.STAGES]
    shares = [share for _, share in rows]
    assert all(share > 0 for share in shares[:-1]) and rows[-1][1] >= 0      # every stage ran; none counted twice
    assert abs(sum(shares) - 1) < 1e-12 and seconds_per_char > 0
    table = bench.stages_markdown(B=4, chars=800, text="the cat sat on the mat. " * 300)
    assert table.count("\n| ") == len(rows) + 2
