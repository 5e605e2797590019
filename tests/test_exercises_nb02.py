"""The notebook 02 checkers: right answers pass, each usual mistake gets its own diagnosis."""
import numpy as np
import pytest
from unrolled import hmm
from unrolled.exercises import nb02


def forward_ok(belief, A, E, x):
    joint = (belief @ A) * E[:, x]
    return joint / joint.sum()


def stub(*args):
    raise NotImplementedError


def test_forward_step_correct_and_not_attempted(capsys):
    assert nb02.check_forward_step(forward_ok).correct
    assert "correct" in capsys.readouterr().out
    v = nb02.check_forward_step(stub)
    assert v.status == "not attempted"
    assert nb02.check_forward_step(lambda *a: None).status == "not attempted"


@pytest.mark.parametrize("fn,words", [
    (lambda b, A, E, x: (b @ A) * E[:, x], "sum to 1"),
    (lambda b, A, E, x: forward_ok(b, A.T, E, x), "wrong way round"),
    (lambda b, A, E, x: (b @ A) / (b @ A).sum(), "word is missing"),
    (lambda b, A, E, x: (b * E[:, x]) / (b * E[:, x]).sum(), "transition is missing"),
    (lambda b, A, E, x: (b @ A + E[:, x]) / (b @ A + E[:, x]).sum(), "are added"),
    (lambda b, A, E, x: forward_ok(b, A, E, x)[:-1], "shape"),
    (lambda b, A, E, x: forward_ok(b, A, E, x) * 0.9 + 0.1 / len(b), "entries are wrong"),
    (lambda b, A, E, x: 1 / 0, "ZeroDivisionError"),
])
def test_forward_step_diagnoses(fn, words):
    v = nb02.check_forward_step(fn)
    assert v.status == "wrong" and words in v.message


def backtrace_ok(back, v_last):
    path = [int(np.argmax(v_last))]
    for t in range(len(back) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return np.array(path[::-1])


def test_backtrace_correct_and_matches_the_library_on_the_lecture_sentence():
    assert nb02.check_backtrace(backtrace_ok).correct
    L = hmm.lecture_hmm()
    v, back = hmm.viterbi_trellis(L["initial"], L["A"], L["E"], L["obs"])
    np.testing.assert_array_equal(backtrace_ok(back, v[-1]), hmm.viterbi(L["initial"], L["A"], L["E"], L["obs"])[0])
    assert nb02.check_backtrace(stub).status == "not attempted"


def backtrace_off_by_one(back, v_last):
    path = [int(np.argmax(v_last))]
    for t in range(len(back) - 1, 0, -1):
        path.append(int(back[t - 1, path[-1]]))
    return np.array(path[::-1])


@pytest.mark.parametrize("fn,words", [
    (lambda back, v: backtrace_ok(back, v)[::-1], "reversed"),
    (backtrace_off_by_one, "off by one"),
    (lambda back, v: backtrace_ok(back, -v), "last tag is wrong"),
    (lambda back, v: backtrace_ok(back, v)[1:], "shape"),
    (lambda back, v: np.r_[(backtrace_ok(back, v)[0] + 1) % back.shape[1], backtrace_ok(back, v)[1:]],
     "goes wrong at step t=1"),
])
def test_backtrace_diagnoses(fn, words):
    v = nb02.check_backtrace(fn)
    assert v.status == "wrong" and words in v.message


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("fn,words", [
    (lambda b, A, E, x: forward_ok(b, A.T, E, x), "wrong way round"),                 # transposed A
    (lambda b, A, E, x: (b @ A) * E[:, x], "sum to 1"),                               # no normalisation
    (lambda b, A, E, x: 3.0 * forward_ok(b, A, E, x), "times a constant"),            # scaled
    (lambda b, A, E, x: forward_ok(b, A, E, x) / 2, "times a constant"),
    (lambda b, A, E, x: _softmax(b @ A + E[:, x]), "lecture's approximate RNN"),      # the slide's RNN
    (lambda b, A, E, x: np.log(forward_ok(b, A, E, x)), "logarithms of the right probabilities"),
    (lambda b, A, E, x: np.log((b @ A) * E[:, x]), "unnormalised"),
    (lambda b, A, E, x: E[:, x] / E[:, x].sum(), "belief is not used"),              # current word only
])
def test_forward_step_names_the_issue_13_mistakes(fn, words):
    v = nb02.check_forward_step(fn)
    assert v.status == "wrong" and words in v.message, v.message


def backtrace_overwrites_last(back, v_last):
    T = len(back)
    path = np.zeros(T, dtype=int)
    path[-1] = np.argmax(v_last)
    for t in reversed(range(T)):           # one step too far: at t = 0, path[t - 1] is path[-1]
        path[t - 1] = back[t, path[t]]
    return path


def test_backtrace_that_overwrites_its_last_element_is_named():
    v = nb02.check_backtrace(backtrace_overwrites_last)
    assert v.status == "wrong" and "all but the last" not in v.message and "runs one step too far" in v.message


def test_backtrace_that_reads_every_pointer_with_the_final_tag_is_named():
    def fixed_column(back, v_last):
        last = int(np.argmax(v_last))
        return np.r_[back[1:, last], last]
    v = nb02.check_backtrace(fixed_column)
    assert v.status == "wrong" and "column of the final tag" in v.message, v.message
