"""Checkers of notebook 07: right answers pass, each usual mistake is named, nothing returned makes them raise."""
import numpy as np
from unrolled import data
from unrolled.exercises import nb07

# ---------------------------------------------------------------- 07.1 one sequence


def test_sequence_right_answer_passes_and_agrees_with_the_generator():
    def mine(values, first, second, variant):
        x = np.zeros((len(values), 2))
        x[:, 0], x[[first, second], 1] = values, 1.0
        s = values[first] + values[second]
        return {"x": x, "y": 0.5 + s / 4 if variant == "hochreiter" else s}

    assert nb07.check_adding_sequence(mine).correct
    # the checker's answer is the generator's: rebuild a drawn batch from its values and markers
    for variant in data.ADDING_VARIANTS:
        x, y, pos = data.adding_problem(30, 5, variant, np.random.default_rng(0))
        for b in range(5):
            want = nb07.adding_sequence(x[:, b, 0], pos[b, 0], pos[b, 1], variant)
            np.testing.assert_allclose(want["x"], x[:, b])
            assert abs(want["y"] - y[b, 0]) < 1e-12


def test_sequence_tuple_and_mistakes():
    assert nb07.check_adding_sequence(lambda v, f, s, var: tuple(nb07.adding_sequence(v, f, s, var).values())).correct
    v = nb07.check_adding_sequence(lambda v, f, s, var: nb07._sequence(v, f, s, var, offset=-1))
    assert "one step early" in v.message
    v = nb07.check_adding_sequence(lambda v, f, s, var: nb07._sequence(v, f, s, "pascanu"))
    assert "not the plain sum" in v.message

# ---------------------------------------------------------------- 07.2 baseline


def test_baseline_matches_the_library_for_both_variants():
    assert nb07.baseline_mse(-1, 1, 0.5, 0.25) == data.adding_target_moments("hochreiter")[1]
    assert abs(nb07.baseline_mse(0, 1, 0, 1) - data.adding_target_moments("pascanu")[1]) < 1e-15
    v = nb07.check_baseline_mse(lambda a, b, c, k: (b - a) ** 2 / 12)
    assert v.status == "wrong"
    v = nb07.check_baseline_mse(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 12 + c)
    assert v.status == "wrong" and "variance" in v.message

# ---------------------------------------------------------------- 07.3 longest solved


def test_longest_solved_by_hand():
    rel = np.array([[[0.01, 0.02], [0.05, 0.3], [0.9, 1.0]],      # mean 0.015, 0.175, 0.95 -> solves 10
                    [[0.01, 0.01], [0.02, 0.03], [0.5, 0.02]],    # solves 10, 20
                    [[0.5, 0.6], [0.5, 0.6], [0.01, 0.01]]])      # only the longest
    assert nb07.longest_solved(rel, np.array([10, 20, 40])).tolist() == [10, 20, 40]
    assert nb07.longest_solved(rel[:, :2], np.array([10, 20])).tolist() == [10, 20, 0]


def test_longest_solved_mistakes_are_named():
    v = nb07.check_longest_solved(lambda r, Ts: nb07.longest_solved(r, Ts, reduce=np.min))
    assert "best seed" in v.message
    v = nb07.check_longest_solved(lambda r, Ts: nb07.longest_solved(r, Ts, threshold=1.0))
    assert "threshold" in v.message


def test_the_sequence_cases_are_valid_adding_problems():
    # two distinct markers, the first before the second; Hochreiter-Schmidhuber's within 10 and T/2
    for seed in range(100):
        for values, first, second, variant in nb07._seq_cases(seed):
            T = len(values)
            assert 1 <= first < second < T
            if variant == "hochreiter":
                assert first < 10 and second < T / 2


def test_more_sequence_slips_are_named():
    def swapped(v, f, s, var):
        return nb07._sequence(v, f, s, "pascanu" if var == "hochreiter" else "hochreiter")

    assert "swapped" in nb07.check_adding_sequence(swapped).message
    assert "not their mean" in nb07.check_adding_sequence(
        lambda v, f, s, var: nb07._sequence(v, f, s, var, pascanu_scale=0.5)).message

    def one_marker(v, f, s, var):
        out = nb07.adding_sequence(v, f, s, var)
        out["x"][s, 1] = 0.0
        return out

    assert "marks 1 step" in nb07.check_adding_sequence(one_marker).message

    def value_as_marker(v, f, s, var):
        out = nb07.adding_sequence(v, f, s, var)
        out["x"][[f, s], 1] = v[[f, s]]
        return out

    assert "not the value itself" in nb07.check_adding_sequence(value_as_marker).message


def test_baseline_slips_that_look_like_a_factor_of_two_on_one_case_are_named_for_what_they_are():
    # (b - a) unsquared equals half the answer when b - a = 2 (the first case): it must not be called "a factor of 2"
    v = nb07.check_baseline_mse(lambda a, b, c, k: 2 * k * k * (b - a) / 12)
    assert "squared" in v.message and "factor of 2" not in v.message
    v = nb07.check_baseline_mse(lambda a, b, c, k: k * k * (b - a) ** 2 / 6 * c)
    assert v.status == "wrong" and "factor of 2" not in v.message
    assert "half-width" in nb07.check_baseline_mse(lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 3).message
    assert "predicting 0" in nb07.check_baseline_mse(
        lambda a, b, c, k: 2 * k * k * (b - a) ** 2 / 12 + (c + k * (a + b)) ** 2).message
    assert "negative" in nb07.check_baseline_mse(lambda a, b, c, k: -2 * k * k * (b - a) ** 2 / 12).message


def test_longest_solved_tells_the_mean_from_every_seed_the_median_and_the_geometric_mean():
    def by(reduce):
        return lambda r, Ts: nb07.longest_solved(r, Ts, reduce=reduce)

    assert "every seed" in nb07.check_longest_solved(by(np.max)).message
    assert "median" in nb07.check_longest_solved(by(np.median)).message
    geometric = nb07.check_longest_solved(lambda r, Ts: nb07.longest_solved(np.log(r), Ts, threshold=np.log(0.1)))
    assert "geometric" in geometric.message
    positions = nb07.check_longest_solved(lambda r, Ts: np.array(
        [int(np.flatnonzero(row).max()) if row.any() else 0 for row in np.mean(r, axis=-1) < 0.1]))
    assert "positions in Ts" in positions.message
    minus_one = nb07.check_longest_solved(lambda r, Ts: np.where(
        nb07.longest_solved(r, Ts) == 0, -1, nb07.longest_solved(r, Ts)))
    assert "gets 0" in minus_one.message
    # the planted table separates the readings
    rel, Ts = nb07._planted(0)
    assert nb07.longest_solved(rel, Ts).tolist() == [15, 0, 0]
    assert nb07.longest_solved(rel, Ts, reduce=np.max).tolist() == [5, 0, 0]
    assert nb07.longest_solved(rel, Ts, reduce=np.median).tolist() == [15, 5, 5]
