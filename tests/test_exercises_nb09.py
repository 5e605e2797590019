"""Checkers of notebook 09: right answers pass, stubs are 'not attempted', each usual mistake is named."""
import numpy as np
from unrolled import charlm, ngram
from unrolled.activations import log_softmax
from unrolled.exercises import nb09


def test_the_bits_answer_is_the_libraries_conversion():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(7, 5))
    targets = rng.integers(0, 5, 7)
    logp = log_softmax(logits)
    nats = -logp[np.arange(7), targets].mean()
    assert abs(nb09.bits_per_char_answer(logp, targets) - charlm.bits(nats)) < 1e-12


def test_the_temperature_answer_is_what_the_sampler_draws_from():
    z = np.array([2.0, 0.5, -1.0])
    p = nb09.temperature_answer(z, 0.5)
    draws = np.array([int(charlm.sample_index(z, np.random.default_rng(s), 0.5)) for s in range(4000)])
    assert np.abs(np.bincount(draws, minlength=3) / 4000 - p).max() < 0.03


def test_the_add_k_answer_counts_overlapping_occurrences():
    assert nb09.add_k_answer("aaab", "a", "a", 4, 1.0) == ngram.add_k(2, 3, 4, 1.0)


def test_each_checker_names_its_mistakes_and_accepts_the_answer():
    for check, answer in ((nb09.check_bits_per_char, nb09.bits_per_char_answer),
                          (nb09.check_temperature, nb09.temperature_answer),
                          (nb09.check_add_k, nb09.add_k_answer)):
        assert check(answer).correct
        for mistake in check.mistakes:
            verdict = check(mistake.compute)
            assert verdict.status == "wrong" and verdict.message.startswith(mistake.message[:30]), \
                (check.name, mistake.message, verdict.message)
