"""Checkers of notebook 01: right answers pass, stubs are 'not attempted', each usual mistake is named."""
import numpy as np
import pytest
from unrolled import data, lm
from unrolled.exercises import nb01

CHECKS = [nb01.check_sentence_log_prob, nb01.check_rnn_lm_step, nb01.check_rnn_lm_param_count]


def stub(*args):
    raise NotImplementedError


def test_the_chain_rule_answer_is_the_models_sentence_log_probability():
    vocab = data.agreement_vocabulary()
    rng = np.random.default_rng(0)
    params = lm.init_rnn(len(vocab), 4, 6, rng)
    ids = vocab.encode("the cats on the mat sleep")
    inputs, targets = data.lm_pairs(ids)
    ps = np.exp(lm.logits(params, inputs[:, None])[:, 0])
    ps /= ps.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(lm.chain_rule_log_prob(ps, targets), lm.sentence_log_prob(params, ids),
                               rtol=1e-12)


def test_the_step_answer_is_one_step_of_the_forward_pass():
    rng = np.random.default_rng(1)
    params = lm.init_rnn(7, 3, 5, rng, bias=0.5)
    inputs = rng.integers(0, 7, (4, 2))
    logits, cache = lm.rnn_forward(inputs, params)
    h = np.zeros((2, 5))
    for t in range(4):
        out = nb01.rnn_lm_step_answer(inputs[t], h, params)
        np.testing.assert_allclose(out["h"], cache["hs"][t], atol=1e-14)
        np.testing.assert_allclose(np.log(out["p"]), logits[t] - np.log(np.exp(logits[t]).sum(1, keepdims=True)),
                                   atol=1e-12)
        h = out["h"]


def test_the_count_is_every_matrix_and_bias_written_out():
    for V, D, H in [(7, 3, 5), (24, 16, 32)]:
        assert nb01.rnn_lm_param_count_answer(V, D, H) == D * V + H * D + H * H + H + V * H + V


@pytest.mark.parametrize("check", CHECKS)
def test_correct_answer_and_stub(check, capsys):
    assert check(check.answer).correct
    assert check(stub).status == "not attempted"
    assert check(lambda *a: None).status == "not attempted"
    assert capsys.readouterr().out.count("\n") == 3


@pytest.mark.parametrize("check", CHECKS)
def test_every_mistake_is_named(check):
    assert len(check.mistakes) >= 4
    for mistake in check.mistakes:
        verdict = check(mistake.compute)
        assert verdict.status == "wrong" and verdict.message == mistake.message, (mistake.message, verdict)


@pytest.mark.parametrize("check", CHECKS)
def test_garbage_is_diagnosed_without_raising(check):
    for bad in (lambda *a: "text", lambda *a: 3 + 2j, lambda *a: {"h": None}, lambda *a: np.nan,
                lambda *a: (1, 2), lambda *a: [1.0]):
        verdict = check(bad)
        assert verdict.status in ("wrong", "not attempted"), verdict


def test_a_hard_coded_value_fails():
    args = nb01.check_rnn_lm_param_count.cases(0)[0]
    value = nb01.rnn_lm_param_count_answer(*args)
    assert not nb01.check_rnn_lm_param_count(lambda V, D, H: value).correct
    ps, ids = nb01.check_sentence_log_prob.cases(0)[0]
    value = lm.chain_rule_log_prob(ps, ids)
    assert not nb01.check_sentence_log_prob(lambda ps, ids: value).correct


def test_an_answer_that_changes_its_input_is_wrong():
    def mutating(ids, h_prev, params):
        out = nb01.rnn_lm_step_answer(ids, h_prev, params)
        params["W_hh"] *= 0
        return out
    verdict = nb01.check_rnn_lm_step(mutating)
    assert verdict.status == "wrong" and "params" in verdict.message
