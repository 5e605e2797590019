"""Checkers for the exercises, one module per notebook (``nb02``, ``nb03`` ...).

A checker is called with the reader's function. It answers one of three
things, printed in one line and returned as a :class:`~unrolled.exercises.base.Verdict`:

* ``not attempted``: the stub still raises ``NotImplementedError`` (or returns None);
* ``correct``: it matches the library on several random cases;
* a diagnosis: which term is wrong, as far as the checker can tell.
"""
