"""Why gradients vanish or explode: Jacobian products, spectra and their bounds.

Notebook 04 is built on this module. The recurrence studied is the vanilla RNN
of note 003 (and 001, 004)::

    a_j = W h_{j-1} + U x_j + b          (pre-activation, H values)
    h_j = f(a_j)

Layout. ``J_j = dh_j/dh_{j-1}`` is written in numerator layout: row ``p``
holds the derivatives of ``h_j[p]``, so ``J_j = diag(f'(a_j)) W`` (an ``(H, H)``
matrix) and the chain rule multiplies them newest first::

    dh_T/dh_t = J_T J_{T-1} ... J_{t+1}                              (003)

A backward pass carries the gradient as a vector and multiplies by the
transpose, ``dL/dh_{j-1} = W^T diag(f'(a_j)) dL/dh_j``: that is the
``W^T diag[f']`` of note 003, whose argument ``j_{j-1}`` is OCR damage for the
pre-activation ``a_j``. Both layouts have the same singular values, so every
norm below is the same in either.

Bounds (003; Pascanu, Mikolov & Bengio 2013): with ``gamma = sup |f'|``
(:data:`unrolled.activations.GAMMA`: 1 for tanh, relu, linear; 1/4 for
sigmoid) and ``sigma_max`` the largest singular value of ``W``::

    ||dh_T/dh_t||_2 <= (gamma * sigma_max)^(T - t)

so ``sigma_max < 1/gamma`` is *sufficient* for vanishing and
``sigma_max > 1/gamma`` is *necessary* for exploding. For a linear recurrence
with diagonalisable ``W = Q Lambda Q^-1`` the product is ``W^k = Q Lambda^k Q^-1``
and the spectral radius ``rho = max |lambda_i|`` decides the long-run rate;
for a non-normal ``W`` the norm can grow by orders of magnitude before that
rate takes over (:func:`non_normal_matrix`).

Norms against lag are tracked as base-10 logarithms, with the running product
renormalised at every step, so they neither overflow nor underflow for any
length (:func:`log_jacobian_norms`).
"""
from __future__ import annotations

import math

import numpy as np

from . import _checks, losses, sequence
from .activations import GAMMA, NAMES, derivative, get

__all__ = [
    "spectral_radius", "largest_singular_value", "eigenvalues", "random_orthogonal",
    "normal_matrix", "non_normal_matrix", "matrix_with_radius", "matrix_with_singular_values",
    "pascanu_conditions", "rnn_trajectory", "step_jacobian", "jacobian_product",
    "log_jacobian_norms", "lag_slope", "single_neuron_bound", "single_neuron_input_gradient",
    "deep_net_log_gradient_norms", "dense_net_log_gradient_norms", "StatesOverflow",
    "pascanu_verdict", "PASCANU_VERDICTS", "input_weight_contributions", "cliff_loss",
    "recall_batches", "last_step_regression",
]

#: States larger than this (in absolute value) count as an exploding forward pass.
STATE_LIMIT = 1e100


class StatesOverflow(ValueError):
    """The forward states themselves blew up (radius > 1 with an unbounded activation)."""

    def __init__(self, step: int, limit: float = STATE_LIMIT):
        self.step = step
        super().__init__(f"the hidden state exceeded {limit:.0e} at step {step}: "
                         "the forward pass itself explodes")


def _square(name, W):
    W = _checks.array(name, W, ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: expected a square (H, H) matrix, got shape {W.shape}")
    return W


# ---------------------------------------------------------------- spectra

def eigenvalues(W) -> np.ndarray:
    """Eigenvalues of ``W`` (complex), largest modulus first. ``W = Q Lambda Q^-1``."""
    lam = np.linalg.eigvals(_square("W", W)).astype(complex)
    return lam[np.argsort(-np.abs(lam), kind="stable")]


def spectral_radius(W) -> float:
    """``rho(W) = max_i |lambda_i|``: eigenvalues taken in absolute value, complex ones included."""
    return float(np.max(np.abs(eigenvalues(W))))


def largest_singular_value(W) -> float:
    """``sigma_max(W) = ||W||_2 = max ||W v|| / ||v||``; always ``>= rho(W)``."""
    return float(np.linalg.norm(_square("W", W), 2))


# ---------------------------------------------------------------- matrices

def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``(n, n)`` orthogonal matrix (Haar): QR of a Gaussian, signs fixed by diag(R)."""
    n = _checks.positive_int("n", n)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def normal_matrix(n: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """``W = radius * Q`` with ``Q`` orthogonal: a normal matrix.

    Every eigenvalue has modulus ``radius`` and every singular value equals
    ``radius``, so ``||W^k||_2 = radius^k`` exactly: the spectral radius tells
    the whole story.
    """
    _checks.positive_number("radius", radius)
    return radius * random_orthogonal(n, rng)


def non_normal_matrix(n: int, radius: float, rng: np.random.Generator,
                      coupling: float = 2.0) -> np.ndarray:
    """An upper-triangular ``(n, n)`` matrix with spectral radius ``radius`` and a strong
    strictly-upper part: ``W = diag(lambda) + coupling * triu(G, 1)``, ``G`` standard normal.

    The eigenvalues are the diagonal, ``lambda = radius * linspace(1, -1, n)``
    (distinct, so ``W`` is diagonalisable), but the eigenvectors are far from
    orthogonal: ``sigma_max(W)`` is several times ``radius`` and the powers
    ``||W^k||`` first grow by orders of magnitude before ``radius^k`` takes
    over. Every real matrix is orthogonally similar to such a (quasi-)triangular
    one (its Schur form), so nothing special is hidden here.
    """
    n = _checks.positive_int("n", n)
    _checks.positive_number("radius", radius)
    if not np.isfinite(coupling) or coupling < 0:
        raise ValueError(f"coupling: expected a finite number >= 0, got {coupling!r}")
    lam = radius * np.linspace(1.0, -1.0, n) if n > 1 else np.array([radius])
    return np.diag(lam) + coupling * np.triu(rng.standard_normal((n, n)), 1)


def matrix_with_radius(n: int, radius: float, rng: np.random.Generator,
                       kind: str = "normal", coupling: float | None = None) -> np.ndarray:
    """``normal_matrix`` or ``non_normal_matrix`` by name (``kind`` = "normal" | "non-normal").

    ``coupling`` (non-normal only; default 2.0) is refused for a normal matrix, which has none.
    """
    _checks.choice("kind", kind, {"normal", "non-normal"})
    if kind == "normal":
        if coupling is not None:
            raise ValueError(f"coupling: expected None for a normal matrix (only a non-normal one "
                             f"has an upper part), got {coupling!r}")
        return normal_matrix(n, radius, rng)
    return non_normal_matrix(n, radius, rng, 2.0 if coupling is None else coupling)


def matrix_with_singular_values(singular_values, rng: np.random.Generator) -> np.ndarray:
    """``W = U diag(s) V^T`` with random orthogonal ``U``, ``V``: singular values exactly ``s``."""
    s = _checks.array("singular_values", singular_values, ndim=1)
    if np.any(s < 0):
        raise ValueError("singular_values: expected values >= 0, got a negative one")
    n = s.shape[0]
    return random_orthogonal(n, rng) @ np.diag(s) @ random_orthogonal(n, rng).T


#: tolerance of every comparison of ``sigma_max`` with ``1/gamma`` (the same as the explorers'
#: readouts, :func:`unrolled.explorers.base.close`): a matrix scaled to radius 1 has
#: ``sigma_max = 1.0000000000000002``, which is the boundary, not "exploding possible"
RTOL, ATOL = 1e-9, 1e-12

#: what ``sigma_max`` against ``1/gamma`` lets one conclude, keyed by the sign of the comparison
PASCANU_VERDICTS = {-1: "vanishing", 0: "undecided", 1: "exploding possible"}


def pascanu_conditions(W, activation: str) -> dict:
    """The singular-value conditions of Pascanu, Mikolov & Bengio (2013).

    Returns ``sigma_max``, ``rho``, ``gamma`` (sup |f'|), ``threshold = 1/gamma``,
    ``vanishing_guaranteed`` (``sigma_max < 1/gamma``: sufficient for vanishing),
    ``exploding_possible`` (``sigma_max > 1/gamma``: necessary for exploding) and
    ``verdict`` (:func:`pascanu_verdict`). Both comparisons use the tolerance
    ``RTOL``/``ATOL``: within it ``sigma_max`` *is* ``1/gamma`` and neither holds.
    """
    _checks.choice("activation", activation, set(NAMES))
    sigma, rho, gamma = largest_singular_value(W), spectral_radius(W), GAMMA[activation]
    threshold = 1.0 / gamma
    side = 0 if math.isclose(sigma, threshold, rel_tol=RTOL, abs_tol=ATOL) else (1 if sigma > threshold else -1)
    return {"sigma_max": sigma, "rho": rho, "gamma": gamma, "threshold": threshold,
            "vanishing_guaranteed": side < 0, "exploding_possible": side > 0,
            "verdict": PASCANU_VERDICTS[side]}


def pascanu_verdict(W, activation: str) -> str:
    """What the conditions of Pascanu et al. decide for ``W`` and ``activation``.

    ``"vanishing"`` if ``sigma_max(W) < 1/gamma`` (every step Jacobian has norm below one);
    ``"exploding possible"`` if ``sigma_max(W) > 1/gamma`` (the necessary condition holds;
    whether it does explode depends on the trajectory); ``"undecided"`` on the boundary
    ``sigma_max = 1/gamma`` (within ``RTOL``), where the bound is one at every lag: the
    gradient cannot explode, and nothing forces it to vanish.
    """
    return pascanu_conditions(W, activation)["verdict"]


# ---------------------------------------------------------------- Jacobian products

def rnn_trajectory(W, drive, activation: str, h0=None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``a_j = W h_{j-1} + drive_j``, ``h_j = f(a_j)`` for ``j = 1..T`` (one sequence).

    ``W`` is ``(H, H)``; ``drive`` is ``(T, H)``, the input term ``U x_j + b``
    already computed; ``h0`` is ``(H,)`` (zeros by default). Returns
    ``(hs, fprimes)``, both ``(T, H)``: row ``j-1`` holds ``h_j`` and ``f'(a_j)``.
    Raises :class:`StatesOverflow` if a state exceeds ``STATE_LIMIT``.
    """
    W = _square("W", W)
    drive = _checks.array("drive", drive, ndim=2)
    _checks.shape("drive", drive, (None, W.shape[0]))
    _checks.choice("activation", activation, set(NAMES))
    f = get(activation)
    h = np.zeros(W.shape[0]) if h0 is None else _checks.array("h0", h0, ndim=1)
    _checks.shape("h0", h, (W.shape[0],))
    hs = np.empty_like(drive)
    with np.errstate(under="ignore"):          # a decaying state may pass through subnormals: harmless
        for j in range(drive.shape[0]):
            h = f(W @ h + drive[j])
            if not np.max(np.abs(h)) < STATE_LIMIT:
                raise StatesOverflow(j + 1)
            hs[j] = h
        return hs, derivative(activation, hs)


def step_jacobian(W, fprime) -> np.ndarray:
    """``J_j = dh_j/dh_{j-1} = diag(f'(a_j)) W``, ``(H, H)`` (numerator layout; 003)."""
    W = _square("W", W)
    fprime = _checks.array("fprime", fprime, ndim=1)
    _checks.shape("fprime", fprime, (W.shape[0],))
    return fprime[:, None] * W


def jacobian_product(W, fprimes) -> np.ndarray:
    """``dh_T/dh_0 = J_T J_{T-1} ... J_1`` with ``J_j = diag(f'(a_j)) W`` (003).

    ``fprimes`` is ``(T, H)``, row ``j-1`` = ``f'(a_j)``. Plain products: for
    long products of large or small factors use :func:`log_jacobian_norms`.
    """
    W = _square("W", W)
    fprimes = _checks.array("fprimes", fprimes, ndim=2)
    _checks.shape("fprimes", fprimes, (None, W.shape[0]))
    M = np.eye(W.shape[0])
    for fp in fprimes:            # j = 1 .. T: the newest Jacobian multiplies from the left
        M = (fp[:, None] * W) @ M
    return M


def log_jacobian_norms(W, fprimes) -> np.ndarray:
    """``log10 ||dh_T/dh_{T-k}||_2`` for lags ``k = 0 .. T`` (length ``T + 1``; k = 0 gives 0).

    ``W`` is ``(H, H)``; ``fprimes`` is ``(T, H)`` with row ``j-1`` = ``f'(a_j)``.
    The product is built from the newest step back,
    ``dh_T/dh_{j-1} = (dh_T/dh_j) diag(f'(a_j)) W``, and divided by its
    Frobenius norm after every step while the logarithm of that norm is
    accumulated: the stored matrix always has norm 1, so nothing overflows or
    underflows however long the sequence. If the product becomes exactly zero
    (e.g. every ReLU unit inactive at one step), the remaining lags are ``-inf``.
    """
    W = _square("W", W)
    fprimes = _checks.array("fprimes", fprimes, ndim=2)
    _checks.shape("fprimes", fprimes, (None, W.shape[0]))
    T, H = fprimes.shape
    out = np.full(T + 1, -np.inf)
    out[0] = 0.0
    M = np.eye(H)
    log_scale = 0.0
    scales = np.empty(T)
    units = np.empty((T, H, H))   # the normalised products, one per lag
    done = T
    # Entries far below the (unit) norm of M may underflow to 0: harmless, M is renormalised.
    with np.errstate(under="ignore"):
        for k in range(1, T + 1):
            j = T - k + 1                      # the step whose Jacobian joins the product
            M = M @ (fprimes[j - 1][:, None] * W)
            s = np.linalg.norm(M)
            if s == 0.0:
                done = k - 1
                break
            M = M / s
            log_scale += np.log10(s)
            scales[k - 1] = log_scale
            units[k - 1] = M
    if done:
        # ||M||_2 of a matrix with Frobenius norm 1 lies in [1/sqrt(H), 1]: its log is finite
        out[1:done + 1] = scales[:done] + np.log10(np.linalg.norm(units[:done], ord=2, axis=(1, 2)))
    return out


def lag_slope(log_norms, start: int = 0, stop: int | None = None) -> float:
    """Least-squares slope of ``log10 ||dh_T/dh_{T-k}||`` against ``k`` over lags ``start..stop-1``.

    A straight line of slope ``log10(lambda)`` means the norm behaves like ``lambda^k``.
    """
    y = _checks.array("log_norms", log_norms, ndim=1)[start:stop]
    if y.size < 2:
        raise ValueError(f"start, stop: expected at least two lags, got {y.size}")
    k = np.arange(start, start + y.size, dtype=float)
    return float(np.polyfit(k, y, 1)[0])


# ---------------------------------------------------------------- the single neuron (001)

def single_neuron_bound(activation: str, w_hh: float, w_hx: float, k: int) -> float:
    """Bound on ``|dh^(t)/dx^(t-k)|`` for ``h^(t) = f(w_hh h^(t-1) + w_hx x^(t) + b)`` (001 exercise).

    The derivative is ``(prod of k+1 values of f') * w_hh^k * w_hx``, so
    ``|dh^(t)/dx^(t-k)| <= gamma^(k+1) |w_hh|^k |w_hx|`` with ``gamma = sup |f'|``:
    ``|w_hh|^k |w_hx|`` for tanh and ReLU, ``(1/4)^(k+1) |w_hh|^k |w_hx|`` for sigmoid.
    """
    _checks.choice("activation", activation, set(NAMES))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k: expected an integer >= 0, got {k!r}")
    return GAMMA[activation] ** (k + 1) * abs(w_hh) ** k * abs(w_hx)


def single_neuron_input_gradient(activation: str, w_hh: float, w_hx: float, b: float,
                                 x, h0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``dh^(T)/dx^(T-k)`` for ``k = 0 .. T-1`` in the single-neuron RNN, by the chain rule.

    ``x`` is ``(T,)``. Returns ``(h, g)``: ``h[t-1] = h^(t)`` and
    ``g[k] = f'(a_T) w_hh f'(a_{T-1}) w_hh ... f'(a_{T-k}) w_hx``
    (k factors ``w_hh``, k + 1 factors ``f'``).
    """
    x = _checks.array("x", x, ndim=1)
    _checks.choice("activation", activation, set(NAMES))
    hs, fp = rnn_trajectory(np.array([[w_hh]]), (w_hx * x + b)[:, None], activation,
                            np.array([h0], dtype=float))
    fp = fp[:, 0]
    T = x.shape[0]
    g = np.empty(T)
    carry = 1.0                           # dh^(T)/dh^(T-k), built one step at a time
    for k in range(T):
        g[k] = carry * fp[T - 1 - k] * w_hx
        carry *= fp[T - 1 - k] * w_hh
    return hs[:, 0], g


# ---------------------------------------------------------------- deep nets: identity paths (003)

def deep_net_log_gradient_norms(h0, weights, activation: str = "tanh",
                                connection: str = "plain", gate_weights=None,
                                gate_bias: float | None = None) -> np.ndarray:
    """``log10 ||dh_L/dh_l||_2`` for ``l = L, L-1, .., 0`` in an ``L``-layer feed-forward net.

    ``connection`` chooses the layer map (``weights`` is a list of ``(H, H)``):

    * ``"plain"``:    ``h_l = f(W_l h_{l-1})``,            Jacobian ``diag(f') W_l``
    * ``"residual"``: ``h_l = h_{l-1} + f(W_l h_{l-1})``,  Jacobian ``I + diag(f') W_l`` (ResNet)
    * ``"highway"``:  ``h_l = g * f(W_l h_{l-1}) + (1 - g) * h_{l-1}``,
      ``g = sigmoid(G_l h_{l-1} + gate_bias)``; Jacobian
      ``diag(g f') W_l + diag(1 - g) + diag((f(W_l h) - h) g (1 - g)) G_l`` (Highway)

    The identity term is the path along which the gradient is carried unchanged.
    Index 0 of the result is lag 0 (``log10 ||I|| = 0``). ``gate_weights`` and
    ``gate_bias`` (default -2.0) belong to the highway net and are refused for the others.
    """
    _checks.choice("connection", connection, {"plain", "residual", "highway"})
    _checks.choice("activation", activation, set(NAMES))
    h = _checks.array("h0", h0, ndim=1)
    H = h.shape[0]
    weights = [_square(f"weights[{i}]", Wl) for i, Wl in enumerate(weights)]
    for i, Wl in enumerate(weights):
        _checks.shape(f"weights[{i}]", Wl, (H, H))
    if connection == "highway":
        if gate_weights is None or len(gate_weights) != len(weights):
            raise ValueError("gate_weights: expected one (H, H) matrix per layer for a highway net")
        gate_weights = [_square(f"gate_weights[{i}]", G) for i, G in enumerate(gate_weights)]
        gate_bias = -2.0 if gate_bias is None else gate_bias
    elif gate_weights is not None or gate_bias is not None:
        raise ValueError(f"gate_weights, gate_bias: expected None for a {connection} net (only a "
                         f"highway net has gates), got {'gate_weights' if gate_weights is not None else ''}"
                         f"{' and ' if gate_weights is not None and gate_bias is not None else ''}"
                         f"{f'gate_bias={gate_bias!r}' if gate_bias is not None else ''}")
    f, sig = get(activation), get("sigmoid")
    jacobians = []
    for i, Wl in enumerate(weights):
        y = f(Wl @ h)
        fp = derivative(activation, y)
        if connection == "plain":
            J, h_next = fp[:, None] * Wl, y
        elif connection == "residual":
            J, h_next = np.eye(H) + fp[:, None] * Wl, h + y
        else:
            G = gate_weights[i]
            g = sig(G @ h + gate_bias)
            J = ((g * fp)[:, None] * Wl + np.diag(1.0 - g)
                 + ((y - h) * g * (1.0 - g))[:, None] * G)
            h_next = g * y + (1.0 - g) * h
        jacobians.append(J)
        h = h_next
    # dh_L/dh_l = J_L ... J_{l+1}: the same renormalised product as log_jacobian_norms
    out = np.full(len(weights) + 1, -np.inf)
    out[0] = 0.0
    M, log_scale = np.eye(H), 0.0
    with np.errstate(under="ignore"):
        for k, J in enumerate(reversed(jacobians), start=1):
            M = M @ J
            s = np.linalg.norm(M)
            if s == 0.0:
                break
            M = M / s
            log_scale += np.log10(s)
            out[k] = log_scale + np.log10(np.linalg.norm(M, 2))
    return out


def dense_net_log_gradient_norms(h0, weights, activation: str = "tanh") -> np.ndarray:
    """``log10 ||dh_L/dh_l||_2`` for ``l = L, L-1, .., 0`` in an ``L``-layer DenseNet-style net (003).

    Layer ``l`` sees the outputs of *all* earlier layers, concatenated::

        h_l = f(W_l [h_0; h_1; ...; h_{l-1}])        weights[l-1] = W_l, shape (H, l*H)

    so the block ``W_l[:, i*H:(i+1)*H]`` acts on ``h_i``. The total derivative
    sums over every path: ``dh_L/dh_l = sum_{m>l} (dh_L/dh_m) diag(f'(a_m)) W_m[:, block l]``,
    and one of its terms is the single-Jacobian path straight from ``h_l`` to
    ``h_L``. Index 0 of the result is lag 0 (``log10 ||I|| = 0``); a zero
    derivative (every ReLU unit off) gives ``-inf``. The products are not
    renormalised: meant for the tens of layers of a demonstration.
    """
    _checks.choice("activation", activation, set(NAMES))
    h = _checks.array("h0", h0, ndim=1)
    H = h.shape[0]
    weights = [_checks.array(f"weights[{i}]", Wl, ndim=2) for i, Wl in enumerate(weights)]
    for i, Wl in enumerate(weights):
        _checks.shape(f"weights[{i}]", Wl, (H, (i + 1) * H))
    f = get(activation)
    states, fprimes = [h], []
    for Wl in weights:
        y = f(Wl @ np.concatenate(states))
        fprimes.append(derivative(activation, y))
        states.append(y)
    L = len(weights)
    total = [None] * (L + 1)                   # total[l] = dh_L/dh_l, (H, H)
    total[L] = np.eye(H)
    with np.errstate(under="ignore"):
        for i in range(L - 1, -1, -1):         # i = the layer whose state h_i is differentiated
            total[i] = sum(total[m] @ (fprimes[m - 1][:, None] * weights[m - 1][:, i * H:(i + 1) * H])
                           for m in range(i + 1, L + 1))
    norms = np.array([np.linalg.norm(total[L - k], 2) for k in range(L + 1)])
    with np.errstate(divide="ignore"):
        return np.log10(norms)


# ---------------------------------------------------------------- what the parameter gradient is made of

def input_weight_contributions(params, x, dh_last, activation: str = "tanh") -> np.ndarray:
    """The contribution of every step to ``dL/dW_hx`` for a loss on the last state only.

    ``params`` are the RNN's (``W_hx (H, D)``, ``W_hh (H, H)``, ``b_h (H,)``), ``x`` is
    ``(T, B, D)`` and ``dh_last = dL/dh_T`` is ``(B, H)``. The shared weight's gradient is a
    sum over steps (000 eq 16), ``dL/dW_hx = sum_t delta_t^T x_t`` with
    ``delta_t = dL/da_t`` (summed over the batch); term ``t`` is row ``t`` of the
    ``(T, H, D)`` result, so ``result.sum(0)`` is what :func:`unrolled.sequence.backward`
    returns for ``W_hx``. Term ``t`` reaches the loss through ``T - t`` Jacobians: it
    carries what the loss says about the input ``T - t`` steps back.
    """
    x = _checks.array("x", x, ndim=3)
    hs, _ = sequence.forward("rnn", x, params, activation=activation)
    dh = _checks.array("dh_last", dh_last, ndim=2)
    _checks.shape("dh_last", dh, hs.shape[1:])
    fprimes = derivative(activation, hs)
    W_hh = params["W_hh"]
    out = np.empty((x.shape[0], hs.shape[2], x.shape[2]))
    for t in range(x.shape[0] - 1, -1, -1):
        delta = dh * fprimes[t]                 # dL/da_t
        out[t] = delta.T @ x[t]
        dh = delta @ W_hh                       # dL/dh_(t-1) = W_hh^T delta_t, batch rows
    return out


def cliff_loss(w, b, T: int = 50, x0: float = 0.5, target: float = 0.7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pascanu et al.'s one-unit recurrence ``x_t = w sigmoid(x_(t-1)) + b`` and its loss.

    ``L(w, b) = (x_T - target)^2`` for arrays ``w`` and ``b`` of one shape (a grid, say).
    Returns ``(L, dL/dw, dL/db)``, each of that shape, by backpropagation through the T
    steps. Near the values of ``(w, b)`` where the map's fixed point jumps (a bifurcation)
    ``x_T`` changes abruptly: the loss surface has a wall (the "cliff") on which the
    gradient is huge and points across it.
    """
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    if w.shape != b.shape:
        raise ValueError(f"w, b: expected arrays of one shape, got {w.shape} and {b.shape}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected an integer >= 1, got {T!r}")
    f = get("sigmoid")
    xs = [np.full(w.shape, float(x0))]
    for _ in range(T):
        xs.append(w * f(xs[-1]) + b)
    r = xs[-1] - target
    dx = 2 * r
    dw, db = np.zeros(w.shape), np.zeros(w.shape)
    for t in range(T, 0, -1):                  # x_t = w s_(t-1) + b, s = sigmoid(x_(t-1))
        s = f(xs[t - 1])
        dw += dx * s
        db += dx
        dx = dx * w * s * (1 - s)
    return r ** 2, dw, db


# ---------------------------------------------------------------- a dependency across a gap (003)

def recall_batches(gap: int, batch_size: int):
    """Batches of the task "y = x_1, read at step gap + 1": a dependency ``gap`` steps long.

    Returns ``draw(rng) -> (x, y)`` for :func:`unrolled.train.fit`: ``x`` is
    ``(gap + 1, batch_size, 1)`` standard normal (every later input a distractor) and
    ``y = x[0, :, 0]``. Predicting 0 scores a mean squared error of 1.
    """
    gap = _checks.positive_int("gap", gap)
    batch_size = _checks.positive_int("batch_size", batch_size)

    def draw(rng):
        x = rng.standard_normal((gap + 1, batch_size, 1))
        return x, x[0, :, 0]
    return draw


def last_step_regression(params, batch, activation: str = "tanh") -> tuple[float, dict]:
    """Loss and gradients of a tanh RNN read out once, at its last step, by a linear layer.

    ``params``: the RNN's ``W_hx (H, D)``, ``W_hh (H, H)``, ``b_h (H,)`` and the readout
    ``w_out (1, H)``, ``b_out (1,)``; ``batch = (x, y)`` with ``x`` ``(T, B, D)``, ``y``
    ``(B,)``. The prediction is ``w_out h_T + b_out`` and the loss the mean squared error;
    BPTT by :func:`unrolled.sequence.backward`.
    """
    x, y = batch
    rnn = {k: params[k] for k in ("W_hx", "W_hh", "b_h")}
    hs, cache = sequence.forward("rnn", x, rnn, activation=activation)
    pred = hs[-1] @ params["w_out"][0] + params["b_out"][0]
    loss, dpred = losses.mse(pred, y)
    dhs = np.zeros_like(hs)
    dhs[-1] = dpred[:, None] * params["w_out"]
    _, _, grads = sequence.backward(dhs, cache)
    grads["w_out"] = (dpred @ hs[-1])[None, :]
    grads["b_out"] = np.array([dpred.sum()])
    return float(loss), grads
