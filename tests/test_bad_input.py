"""Every public function of the numerical modules rejects bad input, naming the argument.

The contract (CONTRIBUTING.md): bad input raises ``ValueError`` or ``TypeError``
whose message starts with the argument's name (or a list of names including it), says what was expected and what
was given, and nothing fails later with a numpy broadcasting error.

How: :func:`valid_calls` holds one valid call of every public function (and
method). Each argument is then spoiled in the ways that fit its value (wrong
rank, NaN, inf, wrong type, unknown option, missing key, a pair that is not a
pair ...), plus the size mismatches listed with the call (mismatched hidden
size, wrong number of features), and the call must raise with a message that
begins with that argument's name. A walk over each module's public names makes
sure no public function is left out: a new one must be given a valid call here,
or an entry in ``NOT_CHECKED`` saying why its input needs no checking.
"""
import inspect
import re

import numpy as np
import pytest
from unrolled import activations, cells, gates, gradcheck, hmm, interop, layers, losses, optim, sequence

MODULES = (activations, cells, sequence, layers, losses, gradcheck, optim, interop, hmm, gates)

#: Public names whose input is not checked, and why.
NOT_CHECKED = {
    **{f"cells.{name}": "a building block of cells.step / sequence.forward, which check the input "
                        "before calling it (and it runs inside the time loop)"
       for name in ("rnn_project", "rnn_core", "rnn_core_backward", "rnn_param_grads",
                    "gated_project", "gated_core", "gated_core_backward", "gated_param_grads",
                    "lstm_project", "lstm_core", "lstm_core_backward", "lstm_param_grads",
                    "gru_project", "gru_after_core", "gru_after_core_backward", "gru_after_param_grads",
                    "gru_cho_core", "gru_cho_core_backward", "gru_cho_param_grads")},
    "cells.Cell": "a record of a kind's building blocks, made once by the module",
    "activations.linear": "the identity: returns its input unchanged, whatever it is",
}

#: Known gaps, each failing now: marked strict xfail, so fixing one fails the run until it is removed here.
KNOWN_GAPS: dict = {}

#: Arguments never spoiled: they are made by the library's own forward functions.
OPAQUE = {"cache", "caches"}


def public_names(module):
    short = module.__name__.rsplit(".", 1)[-1]
    return {f"{short}.{name}" for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__}


# ------------------------------------------------------------ valid calls

def _names(names):
    return {names} if isinstance(names, str) else set(names)


def valid_calls():
    """``{label: (function, kwargs, size_mismatches)}``: one valid call per public function."""
    rng = np.random.default_rng(0)
    T, B, D, H = 3, 2, 4, 5

    def r(*shape):
        return rng.standard_normal(shape)

    P = {kind: cells.init(kind, D, H, rng) for kind in cells.KINDS}
    P["gru_cho"] = cells.init("gru", D, H, rng, reset_after=False)
    x, xt, h = r(T, B, D), r(B, D), r(B, H)
    lstm_state = (r(B, H), r(B, H))
    calls = {}

    def add(label, fn, sizes=None, any_rank=(), any_keys=(), any_values=(), **kwargs):
        """Arguments not spoiled in some ways, because those are not bad input for ``fn``:

        ``any_rank``: arrays (or dicts of arrays) of any rank, e.g. elementwise or ``(..., n)``;
        ``any_keys``: dicts whose keys are the caller's choice; ``any_values``: only counted.
        """
        skip = {(name, "rank + 1") for name in _names(any_rank)}
        skip |= {(name, "missing key") for name in _names(any_keys)}
        skip |= {(name, what) for name in _names(any_values) for what in ("rank + 1", "NaN", "inf")}
        calls[label] = (fn, kwargs, sizes or {}, skip)

    a = r(3, 4)
    for name in ("tanh", "sigmoid", "relu"):
        add(f"activations.{name}", getattr(activations, name), any_rank="a", a=a)
    add("activations.get", activations.get, name="tanh")
    add("activations.derivative", activations.derivative, any_rank="y", name="tanh", y=np.tanh(a))
    for name in ("softmax", "log_softmax", "logsumexp"):
        add(f"activations.{name}", getattr(activations, name), any_rank="a", a=a)

    add("cells.init", cells.init, kind="lstm", n_in=D, n_hidden=H, rng=rng)
    for kind in ("rnn", "gated", "gru"):
        fn = getattr(cells, f"{kind}_step")
        add(f"cells.{kind}_step", fn, {"x": r(B, D + 1), "h_prev": r(B, H + 1)},
            x=xt, h_prev=h, p=P[kind])
    add("cells.gru_step (Cho)", cells.gru_step, {"h_prev": r(B + 1, H)}, x=xt, h_prev=h,
        p=P["gru_cho"])
    add("cells.lstm_step", cells.lstm_step, {"x": r(B, D - 1), "state": (h, r(B, H + 1))},
        x=xt, state=lstm_state, p=P["lstm"])
    add("cells.step", cells.step, {"x": r(B, D + 1)}, kind="rnn", x=xt, state=h, p=P["rnn"],
        activation="relu")
    _, cache = cells.lstm_step(xt, lstm_state, P["lstm"])
    for name in ("step_backward", "lstm_step_backward"):
        add(f"cells.{name}", getattr(cells, name), {"dstate": (h, r(B, H - 1))},
            dstate=(h, h), cache=cache)
    add("cells.lstm_step_textbook", cells.lstm_step_textbook, {"x": r(B, D - 1), "state": (h, r(B, H + 1))},
        x=xt, state=lstm_state, p=P["lstm"])
    _, cache = cells.lstm_step_textbook(xt, lstm_state, P["lstm"])
    add("cells.lstm_step_textbook_backward", cells.lstm_step_textbook_backward, {"dstate": (h, r(B, H - 1))},
        dstate=(h, h), cache=cache)
    add("cells.lstm_blocks", cells.lstm_blocks, p=P["lstm"])
    _, cache = cells.rnn_step(xt, h, P["rnn"])
    add("gates.logit", gates.logit, a=0.3)
    add("gates.leaky_params", gates.leaky_params, a=0.3, p_rnn=P["rnn"])
    add("gates.state_gradients", gates.state_gradients, {"dh_last": r(B, H + 1)}, kind="rnn", x=x,
        params=P["rnn"], dh_last=r(B, H), state0=h, activation="tanh")
    add("gates.to_note", gates.to_note, note="003", p=P["lstm"])
    add("gates.note_step", gates.note_step, {"x": r(D + 1), "c": r(H - 1)}, note="004", x=r(D), h=r(H),
        c=r(H), q=gates.to_note("004", P["lstm"]))
    add("gates.note_forward", gates.note_forward, {"x": r(T, D + 1), "h0": r(H + 1)}, note="000",
        x=r(T, D), q=gates.to_note("000", P["lstm"]), h0=r(H), c0=r(H))
    add("gates.slide_001_forward", gates.slide_001_forward, {"x": r(T, D - 1)}, x=r(T, D),
        q=gates.to_note("001", P["lstm"]), h0=r(H), c0=r(H))
    square = cells.init("lstm", H, H, rng)
    add("gates.simplified_params", gates.simplified_params, {"p": P["lstm"]}, p=square)
    add("gates.simplified_forward", gates.simplified_forward, {"x": r(T, H + 1), "c0": r(H + 1)}, x=r(T, H),
        q=gates.simplified_params(square), h0=r(H), c0=r(H))
    add("gates.no_forget_forward", gates.no_forget_forward, {"state0": (h, r(B, H + 1))}, x=x, p=P["lstm"],
        state0=lstm_state)
    for name in ("cell_map", "cell_jacobian"):
        add(f"gates.{name}", getattr(gates, name), {"c_prev": r(H + 1), "x": r(D + 1)}, p=P["lstm"], x=r(D),
            c_prev=r(H), o_prev=rng.uniform(size=H))
    add("gates.hand_set_lstm", gates.hand_set_lstm, hold=6.0)
    add("gates.gate_trace", gates.gate_trace, {"x": r(T, D + 1)}, p=P["lstm"], x=r(T, D))
    for name in ("rnn_step_backward", "gated_step_backward", "gru_step_backward"):
        add(f"cells.{name}", getattr(cells, name), {"dstate": r(B, H + 1)}, dstate=h, cache=cache)
    add("cells.cell_for", cells.cell_for, kind="gru", p=P["gru"])
    add("cells.reset_after", cells.reset_after, p=P["gru"])
    add("cells.hidden_size", cells.hidden_size, kind="lstm", p=P["lstm"])
    add("cells.check_params", cells.check_params, kind="gru", p=P["gru"])
    add("cells.zero_state", cells.zero_state, kind="lstm", B=B, H=H)
    add("cells.orthogonal", cells.orthogonal, n=H, rng=rng)
    add("cells.scale_to_radius", cells.scale_to_radius, {"W": r(H, H + 1)}, W=r(H, H), radius=0.9)
    add("cells.count_params", cells.count_params, any_values="p", any_keys="p", p=P["gru"])
    add("cells.arrays", cells.arrays, any_values="p", any_keys="p", p={**P["rnn"], "activation": "relu"})

    add("sequence.forward", sequence.forward,
        {"x": r(T, B, D + 1), "state0": (h, r(B, H + 1))}, kind="lstm", x=x, params=P["lstm"],
        state0=lstm_state)
    add("sequence.forward (rnn)", sequence.forward, {"state0": r(B, H - 1)}, kind="rnn", x=x,
        params=P["rnn"], state0=h, activation="sigmoid")
    add("sequence.forward_ids", sequence.forward_ids,
        {"ids": np.full((T, B), D), "state0": (h, r(B, H + 1))}, kind="lstm",
        ids=rng.integers(0, D, (T, B)), params=P["lstm"], state0=lstm_state)
    _, cache = sequence.forward("lstm", x, P["lstm"], lstm_state)
    add("sequence.backward", sequence.backward,
        {"dhs": r(T, B, H + 1), "dstate_last": (h, r(B, H + 1))},
        dhs=r(T, B, H), cache=cache, dstate_last=(h, h))
    add("sequence.last_state", sequence.last_state, cache=cache)
    add("sequence.truncated_backward", sequence.truncated_backward, {"dhs": r(T + 1, B, H)},
        dhs=r(T, B, H), cache=cache, k1=1, k2=2)
    layers_ = [("gru", P["gru"]), ("rnn", cells.init("rnn", H, 3, rng))]
    add("sequence.stacked_forward", sequence.stacked_forward, {"x": r(T, B, D + 2)},
        layers=layers_, x=x)
    _, caches = sequence.stacked_forward(layers_, x)
    add("sequence.stacked_backward", sequence.stacked_backward, {"dhs_top": r(T, B, 4)},
        dhs_top=r(T, B, 3), caches=caches)
    add("sequence.bidirectional_forward", sequence.bidirectional_forward, {"x": r(T, B, D + 1)},
        kind="gru", x=x, params_fwd=P["gru"], params_bwd=P["gru_cho"])
    _, cache = sequence.bidirectional_forward("gru", x, P["gru"], P["gru_cho"])
    add("sequence.bidirectional_backward", sequence.bidirectional_backward,
        {"dhs": r(T, B, H)}, dhs=r(T, B, 2 * H), cache=cache)

    W, b = r(6, H), r(6)
    add("layers.affine_forward", layers.affine_forward, {"h": r(T, B, H + 1), "b": r(7)},
        any_rank="h", h=r(T, B, H), W=W, b=b)
    _, cache = layers.affine_forward(r(T, B, H), W, b)
    add("layers.affine_backward", layers.affine_backward, {"dy": r(T, B, 5)},
        dy=r(T, B, 6), cache=cache)
    E = r(D, 7)
    add("layers.embedding_forward", layers.embedding_forward, {"ids": np.array([[0, 7]])},
        any_rank="ids", ids=np.array([[0, 3], [6, 1]]), E=E)
    _, cache = layers.embedding_forward(np.array([[0, 3], [6, 1]]), E)
    add("layers.embedding_backward", layers.embedding_backward, {"de": r(2, 2, D + 1)},
        de=r(2, 2, D), cache=cache)

    logits, targets = r(T, B, 6), rng.integers(0, 6, (T, B))
    add("losses.softmax_cross_entropy", losses.softmax_cross_entropy,
        {"targets": np.full((T, B), 6), "mask": np.ones((T, B + 1))},
        any_rank="logits", logits=logits, targets=targets, mask=np.ones((T, B)), reduction="sum")
    add("losses.mse", losses.mse, {"target": r(T, B, 5), "mask": np.ones((T, 1))},
        any_rank="pred", pred=r(T, B, 6), target=r(T, B, 6), mask=np.ones((T, B)), reduction="mean")

    xg = r(3, 2)
    add("gradcheck.numerical_gradient", gradcheck.numerical_gradient, any_rank="x",
        f=lambda: float(np.sum(xg ** 2)), x=xg, eps=1e-5)
    add("gradcheck.relative_error", gradcheck.relative_error, {"b": r(3, 3)}, any_rank=("a", "b"),
        a=r(3, 2), b=r(3, 2))
    add("gradcheck.max_relative_error", gradcheck.max_relative_error, {"b": r(2, 2)},
        any_rank=("a", "b"),
        a=r(3, 2), b=r(3, 2))
    pg = {"w": r(2, 2)}
    add("gradcheck.check_gradients", gradcheck.check_gradients, {"grads": {"w": r(2, 3)}},
        any_rank=("params", "grads"), loss_fn=lambda p: float(np.sum(p["w"] ** 2)), params=pg, grads={"w": 2 * pg["w"]})

    for cls in (optim.SGD, optim.Adagrad, optim.Adam):
        name = cls.__name__
        add(f"optim.{name}", cls, lr=0.01)
        add(f"optim.{name}.step", cls(lr=0.01).step, {"grads": {"w": r(2, 3)}},
            any_rank=("params", "grads"), params={"w": r(2, 2)}, grads={"w": r(2, 2)})
    add("optim.SGD (momentum)", optim.SGD, lr=0.1, momentum=0.5)
    add("optim.Adam (betas)", optim.Adam, lr=0.1, beta1=0.8, beta2=0.99, eps=1e-7)
    add("optim.global_norm", optim.global_norm, any_rank="grads", any_keys="grads", grads={"w": r(2, 2), "b": r(2)})
    add("optim.clip_global_norm", optim.clip_global_norm, any_rank="grads", any_keys="grads",
        grads={"w": r(2, 2)}, max_norm=1.0)
    add("optim.clip_elementwise", optim.clip_elementwise, any_rank="grads", any_keys="grads",
        grads={"w": r(2, 2)}, value=1.0)

    add("interop.torch_keys", interop.torch_keys, layer=1, reverse=True)
    add("interop.nonlinearity", interop.nonlinearity, {"params": {**P["rnn"], "activation": "linear"}},
        params={**P["rnn"], "activation": "relu"})
    add("interop.to_torch", interop.to_torch, {"params": {**P["gru"], "b_h": r(3 * H + 1)}},
        kind="gru", params=P["gru"])
    add("interop.from_torch", interop.from_torch,
        {"state_dict": {**interop.to_torch("lstm", P["lstm"]), "bias_ih_l0": r(4 * H - 1)}},
        kind="lstm", state_dict=interop.to_torch("lstm", P["lstm"]))

    # hmm: batches everywhere, so that one more dimension is never a valid shape
    L = hmm.lecture_hmm()
    initial, A, E, U, Wl = L["initial"], L["A"], L["E"], L["U"], L["W"]
    obs = np.array([[2, 0], [1, 1], [3, 3], [0, 2]])              # (T, B) = (4, 2)
    xs = hmm.one_hot(obs, 4)                                      # (4, 2, 4)
    hmm_args = dict(initial=initial, A=A, E=E, obs=obs)
    hmm_sizes = {"obs": np.array([[0], [4]]), "A": np.eye(2), "initial": np.ones(2) / 2,
                 "E": np.full((2, 4), 0.25)}
    add("hmm.lecture_hmm", hmm.lecture_hmm)
    add("hmm.encode", hmm.encode, {"words": ["John", "kicked"]}, words=["John", "hit"],
        vocabulary=list(hmm.WORDS))
    add("hmm.encode (vocabulary)", hmm.encode, {"vocabulary": ["ball", "ball", "John"]},
        words=["ball"], vocabulary=["ball", "John"])
    add("hmm.one_hot", hmm.one_hot, {"obs": np.array([[0, 4]])}, obs=obs, V=4)
    add("hmm.tempered", hmm.tempered, {"P": E.T}, P=A, beta=0.5, axis=1)   # E.T: columns sum to 1
    for name in ("forward_joint", "backward_messages", "smooth", "viterbi_trellis", "viterbi"):
        add(f"hmm.{name}", getattr(hmm, name), hmm_sizes, **hmm_args)
    for name in ("filter", "log_likelihood"):
        add(f"hmm.{name}", getattr(hmm, name), hmm_sizes, domain="log", **hmm_args)
    add("hmm.enumerate_paths", hmm.enumerate_paths, {"obs": np.array([[0], [1]])},
        initial=initial, A=A, E=E, obs=obs[:, 0])
    add("hmm.forward_step", hmm.forward_step,
        {"x": np.array([0]), "belief": np.full((2, 2), 0.5), "A": np.eye(2)},
        belief=np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), A=A, E=E, x=np.array([3, 1]))
    add("hmm.backward_step", hmm.backward_step,
        {"x_next": np.array([0]), "beta_next": np.full((2, 2), 0.5), "A": np.eye(2)},
        beta_next=np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), A=A, E=E, x_next=np.array([3, 1]))
    add("hmm.posterior_by_query", hmm.posterior_by_query, {"obs": np.array([[0], [1]]), "A": np.eye(2)},
        initial=initial, A=A, E=E, obs=obs[:, 0], query=1)
    add("hmm.estimate", hmm.estimate, {"words": obs[:2]}, tags=obs % 3, words=obs, n_tags=3, n_words=4)
    v, back = hmm.viterbi_trellis(initial, A, E, obs)
    add("hmm.backtrace", hmm.backtrace,
        {"back": np.where(back == 2, 5, back), "v_last": v[-1][:, :2]}, back=back, v_last=v[-1])
    add("hmm.sample", hmm.sample, {"A": np.eye(2)}, initial=initial, A=A, E=E, T=3,
        rng=np.random.default_rng(0), batch=2)
    add("hmm.g_lecture", hmm.g_lecture, any_rank="xi", xi=r(2, 3))
    h_prev = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    for name in ("rnn_lecture_step", "rnn_exact_step"):
        add(f"hmm.{name}", getattr(hmm, name), {"x": xs[0, :1], "h_prev": h_prev[:, :2]},
            h_prev=h_prev, U=U, W=Wl, x=xs[0])
    add("hmm.rnn_lecture", hmm.rnn_lecture, {"h0": h_prev[:1], "xs": xs[..., :3]},
        U=U, W=Wl, xs=xs, h0=h_prev)
    for name in ("rnn_exact", "rnn_loglinear"):
        add(f"hmm.{name}", getattr(hmm, name), {"prior": np.ones(2) / 2, "xs": xs[..., :3]},
            U=U, W=Wl, xs=xs, prior=initial)
    return calls


# ---------------------------------------------------- ways to spoil a value

def spoiled(value, deep=True):
    """``[(what, bad value)]``: the ways to spoil an argument, chosen by its valid value.

    For a dict of arrays (parameters, gradients) the first and last entries are
    spoiled; for a pair (the LSTM's state) its second part.
    """
    bad = []
    if isinstance(value, np.ndarray):
        bad += [("rank + 1", value[None])]
        if deep:
            bad += [("a string", "not an array")]
        if value.dtype.kind == "f":
            for what, v in (("NaN", np.nan), ("inf", np.inf))[: 2 if deep else 1]:
                spoilt = value.copy()
                spoilt.flat[-1] = v
                bad.append((what, spoilt))
    elif isinstance(value, dict):
        bad += [("a list", list(value.values())), ("missing key", dict(list(value.items())[1:]))]
        for key in dict.fromkeys([next(iter(value)), next(reversed(value))]):
            bad += [(f"[{key!r}] {what}", {**value, key: b})
                    for what, b in spoiled(value[key], deep=False)]
    elif isinstance(value, tuple):
        bad += [("not a pair", value[0]), ("three parts", value + value[:1])]
        bad += [(f"[1] {what}", (value[0], b)) for what, b in spoiled(value[1], deep=False)]
    elif isinstance(value, list):
        bad += [("empty", []), ("a string", "layers")]
    elif isinstance(value, bool):
        bad += [("a string", "yes")]
    elif isinstance(value, (int, np.integer)):
        bad += [("negative", -1), ("a string", "3"), ("a float", 2.5)]
    elif isinstance(value, float):
        bad += [("negative", -1.0), ("NaN", float("nan")), ("a string", "0.1")]
    elif isinstance(value, str):
        bad += [("unknown", "bogus"), ("not a string", 3)]
    elif isinstance(value, np.random.Generator):
        bad += [("a seed", 0)]
    elif callable(value):
        bad += [("not callable", 42)]
    return bad


def spoilt_cases():
    """``(label, argument, bad value, mismatch)``; ``mismatch``: a disagreement between arguments."""
    cases = []
    for label, (_, kwargs, sizes, skip) in valid_calls().items():
        for name, value in kwargs.items():
            if name in OPAQUE:
                continue
            for what, bad in spoiled(value):
                if (name, what.split("] ")[-1]) in skip:
                    continue
                gap = KNOWN_GAPS.get((label, name, what))
                marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
                cases.append(pytest.param(label, name, bad, what == "missing key", marks=marks,
                                          id=f"{label}-{name}-{what}"))
        for name, bad in sizes.items():
            cases.append(pytest.param(label, name, bad, True, id=f"{label}-{name}-size"))
    return cases


CALLS = valid_calls()


def test_every_public_function_has_a_valid_call_or_a_reason():
    labels = {label.split(" ")[0] for label in CALLS}
    covered = labels | {label.rsplit(".", 1)[0] for label in labels if label.count(".") == 2}
    missing = sorted(name for module in MODULES for name in public_names(module)
                     if name not in covered and name not in NOT_CHECKED)
    assert not missing, f"public functions without a bad-input check: {missing}"
    stale = sorted(name for name in NOT_CHECKED
                   if name not in set().union(*map(public_names, MODULES)))
    assert not stale, f"NOT_CHECKED names that no longer exist: {stale}"


@pytest.mark.parametrize("label", sorted(CALLS))
def test_the_valid_call_is_valid(label):
    fn, kwargs, _, _ = CALLS[label]
    fn(**kwargs)


@pytest.mark.parametrize("label,name,bad,mismatch", spoilt_cases())
def test_bad_input_is_rejected_naming_the_argument(label, name, bad, mismatch):
    """The message starts with the spoiled argument's name; for a mismatch between
    arguments (sizes that disagree, a missing key), with the name of one of them."""
    fn, kwargs, _, _ = valid_calls()[label]       # fresh arrays: some calls update in place
    with pytest.raises((ValueError, TypeError)) as err:
        with np.errstate(all="raise"):
            fn(**{**kwargs, name: bad})
    message = str(err.value)
    names = sorted(kwargs) if mismatch else [name]
    # "params, grads: expected ..." names both arguments
    assert any(re.match(rf"([\w\[\]']+, )*{re.escape(n)}\b", message) for n in names), \
        f"{label}: the message should start with {' or '.join(map(repr, names))}: {message!r}"
    assert "expected" in message and "got" in message, \
        f"{label}: the message should say what was expected and what was given: {message!r}"
    assert type(err.value) in (ValueError, TypeError), \
        f"{label}: {type(err.value).__name__} instead of ValueError/TypeError: {message!r}"


@pytest.mark.parametrize("call,match", [
    (lambda L: hmm.forward_step(L["initial"], L["A"], L["E"], -1), r"x: expected indices in \[0, 4\)"),
    (lambda L: hmm.forward_step(L["initial"], L["A"], L["E"], 2.0), "x: expected integer"),
    (lambda L: hmm.backtrace(np.array([[0, 0], [5, 0]]), np.zeros(2)), r"back: expected back-pointers in \[0, 2\)"),
    (lambda L: hmm.backtrace(np.array([[0, 0], [1, 0]]), np.array([np.nan, 0.0])), "v_last: expected"),
    (lambda L: hmm.backtrace(np.array([[0, 0], [1, 0]]), np.full(2, -np.inf)), "v_last: expected at least one finite"),
    (lambda L: hmm.rnn_exact(L["U"], L["W"], np.vstack([L["xs"][:1], np.zeros((1, 4))])), "xs: expected one-hot"),
    (lambda L: hmm.rnn_exact_step(np.ones(3) / 3, L["U"], L["W"], np.zeros(4)), "x: expected one-hot"),
    (lambda L: hmm.filter(L["initial"], L["A"], L["E"], []), "obs: expected at least one observation"),
    (lambda L: hmm.filter(L["initial"], L["A"], L["E"], np.zeros((3, 0), dtype=int)),
     r"obs: expected at least one sequence \(B >= 1\)"),
])
def test_hmm_refuses_what_it_cannot_mean(call, match):
    """The cases that were silently wrong or failed inside numpy: each a ValueError/TypeError
    naming the argument, and no warning on the way."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((ValueError, TypeError), match=match):
            call(hmm.lecture_hmm())


def test_rnn_exact_refuses_a_word_no_tag_can_emit():
    """A one-hot word whose column of W is all zero has probability zero: refused, not NaN."""
    U = np.full((2, 2), 0.5)
    W = np.array([[1.0, 0.0], [1.0, 0.0]])
    xs = np.array([[1.0, 0.0], [0.0, 1.0]])
    for fn in (hmm.rnn_exact, hmm.rnn_loglinear):
        with pytest.raises(ValueError, match="xs: expected a word of probability > 0"):
            fn(U, W, xs)
    with pytest.raises(ValueError, match="x: expected a word of probability > 0"):
        hmm.rnn_exact_step(np.array([0.5, 0.5]), U, W, xs[1])


def test_dynamics_refuses_options_its_choice_does_not_use():
    """A coupling for a normal matrix, gates for a plain or residual net: refused, not ignored."""
    from unrolled import dynamics
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="coupling: expected None for a normal matrix"):
        dynamics.matrix_with_radius(4, 0.9, rng, "normal", coupling=3.0)
    assert dynamics.matrix_with_radius(4, 0.9, rng, "non-normal", coupling=3.0).shape == (4, 4)
    Ws = [rng.standard_normal((3, 3)) for _ in range(2)]
    for connection in ("plain", "residual"):
        with pytest.raises(ValueError, match="gate_weights, gate_bias: expected None for a"):
            dynamics.deep_net_log_gradient_norms(np.ones(3), Ws, "tanh", connection, Ws)
        with pytest.raises(ValueError, match="gate_weights, gate_bias: expected None for a"):
            dynamics.deep_net_log_gradient_norms(np.ones(3), Ws, "tanh", connection, gate_bias=-1.0)
    default = dynamics.deep_net_log_gradient_norms(np.ones(3), Ws, "tanh", "highway", Ws)
    explicit = dynamics.deep_net_log_gradient_norms(np.ones(3), Ws, "tanh", "highway", Ws, gate_bias=-2.0)
    assert np.array_equal(default, explicit)
