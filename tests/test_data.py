"""Vocabularies, one-hot vectors, the toy corpus and its batches."""
import numpy as np
import pytest
from unrolled import data


def test_a_sentence_is_indices_ending_in_end_and_decodes_back():
    vocab = data.agreement_vocabulary()
    ids = vocab.encode("the cats near the door sleep")
    assert ids[-1] == vocab.end == 0 and len(ids) == 7
    assert vocab.decode(ids) == "the cats near the door sleep"
    assert vocab.decode(ids, keep_end=True).endswith("<end>")
    with pytest.raises(ValueError, match="sentence"):
        vocab.encode("the unicorn sleeps")


def test_one_hot_has_a_single_one_per_row():
    x = data.one_hot(np.array([[0, 3], [2, 2]]), 4)
    assert x.shape == (2, 2, 4) and np.all(x.sum(-1) == 1) and x[0, 1, 3] == 1
    with pytest.raises(ValueError, match="ids"):
        data.one_hot(np.array([4]), 4)
    with pytest.raises(TypeError, match="ids"):
        data.one_hot(np.array([0.5]), 4)


def test_the_corpus_hides_the_number_from_a_two_word_window():
    """Every verb is at least 4 words after its subject, and the two words before a verb
    appear before verbs of both numbers: a window of two cannot tell the number."""
    sentences = data.agreement_sentences()
    assert len(sentences) == len(set(sentences)) == 288
    before = {}
    for s in sentences:
        words = s.split()
        subject, verb = words[1], words[-1]
        assert len(words) - 2 >= 4
        number = data.verb_number(verb)
        assert (subject in data.SUBJECTS["singular"]) == (number == "singular")
        before.setdefault(tuple(words[-3:-1]), set()).add(number)
    assert all(numbers == {"singular", "plural"} for numbers in before.values())


def test_lm_pairs_shift_by_one_and_start_from_end():
    x, y = data.lm_pairs([5, 6, 7, 0])
    assert list(x) == [0, 5, 6, 7] and list(y) == [5, 6, 7, 0]
    with pytest.raises(ValueError, match="ids"):
        data.lm_pairs([5, 6])


def test_pad_batch_masks_what_follows_a_short_sentence():
    inputs, targets, mask = data.pad_batch([[3, 4, 0], [5, 0]])
    assert inputs.shape == targets.shape == mask.shape == (3, 2)
    assert list(mask[:, 1]) == [1, 1, 0] and list(targets[:, 1]) == [5, 0, 0]
    assert list(inputs[:, 0]) == [0, 3, 4]


def test_context_windows_are_the_previous_words_padded_with_end():
    inputs = np.array([[0], [7], [8], [9]])
    w = data.context_windows(inputs, 3)
    assert w.shape == (4, 1, 3)
    assert list(w[3, 0]) == [9, 8, 7] and list(w[1, 0]) == [7, 0, 0]
    assert np.array_equal(data.context_windows(inputs, 1)[..., 0], inputs)


def test_split_is_seeded_and_disjoint():
    items = list(range(40))
    a = data.split(items, 0.25, np.random.default_rng(0))
    b = data.split(items, 0.25, np.random.default_rng(0))
    assert a == b and len(a[1]) == 10 and not set(a[0]) & set(a[1])


def test_batches_draw_from_the_given_sentences():
    sentences = [[3, 0], [4, 5, 0]]
    draw = data.batches(sentences, 8)
    inputs, targets, mask = draw(np.random.default_rng(0))
    assert inputs.shape[1] == 8 and set(targets[mask > 0].tolist()) <= {0, 3, 4, 5}


def test_a_bag_of_words_forgets_the_order():
    vocab = data.agreement_vocabulary()
    a = vocab.encode("the cat on the mat sleeps")
    b = vocab.encode("the mat on the cat sleeps")
    assert a != b and np.array_equal(data.bag_of_words(a, len(vocab)), data.bag_of_words(b, len(vocab)))
