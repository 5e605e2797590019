"""Unrolled: the numpy library behind the course on recurrent neural networks.

One module per idea; import the one you need (``from unrolled import cells``).
Conventions every module follows (see CONTRIBUTING.md):

* arrays are time-major: a sequence ``x`` is ``(T, B, D)``, a state ``(B, H)``;
* weights have their shapes from the equations: ``W_hx`` is ``(H, D)`` and is
  applied as ``x @ W_hx.T``;
* every random draw takes an ``rng`` (``np.random.default_rng(seed)``);
* bad input raises ``ValueError``/``TypeError`` naming the argument.
"""

__version__ = "0.1.0"
