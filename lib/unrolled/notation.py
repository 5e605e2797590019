r"""The course's notation and what each lecture note calls the same thing.

The five notes (see :data:`unrolled.course.NOTES`) use five notations. The
course fixes one, stated in notebook 00:

* the state is $h_t$, the input $x_t$, the output logits $y_t$ and the predicted
  distribution $p_t = \mathrm{softmax}(y_t)$;
* weights are named *to-from*: $W_{hx}$ maps $x$ to $h$ and has shape
  $H \times D$;
* the math uses column vectors ($W_{hx} x_t$); the code stores a batch of row
  vectors and computes the same thing as ``x @ W_hx.T``.

:data:`SYMBOLS` holds one row per idea. :func:`show` (``notation.show(["002"])``)
displays, for the notes a notebook follows, a compact table of the course's
symbols those notes use (symbol, meaning, name in code: narrow enough for a
small window), and under it, collapsed until clicked, what each of those notes
calls each symbol. ``notebook=N`` narrows the rows to the ones notebook N
uses (:data:`USED_IN`); ``symbols=[...]`` to any chosen list. :func:`compact` and :func:`mapping` are the two parts.

Every notebook stores the table it showed, and nbval compares it: after
changing a row, re-execute each notebook that calls :func:`show`
(``tests/test_notation.py`` names the ones left behind).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from unrolled.course import NOTES

NONE = "—"


@dataclass(frozen=True)
class Symbol:
    """One row of the notation table.

    ``course`` is the course's symbol (LaTeX), ``code`` the name in the library
    (Markdown), ``notes`` maps a note's number to its symbol for the same thing;
    a note that does not have it is left out.
    """
    course: str
    meaning: str
    code: str
    notes: dict[str, str] = field(default_factory=dict)

    def in_note(self, note: str) -> str:
        return self.notes.get(note, NONE)


SYMBOLS: tuple[Symbol, ...] = (
    Symbol(r"$T,\ D,\ H,\ K,\ V$", "sequence length; input, state and output sizes; vocabulary size",
           "`x.shape == (T, B, D)`, `B` = batch",
           {"000": r"$n$ (sentence length), $V$ (input size = vocabulary + `<end>`), $m$ (state size)",
            "001": r"$T$",
            "002": r"$T$; $V+1$ words; $N$ hidden classes (the state size)",
            "003": r"$\lvert V\rvert$ (vocabulary); $n$ (state size)",
            "004": r"$T$; $m$ (input size), $n$ (state size)"}),
    Symbol(r"$x_t$", "input at step $t$ (a column vector of size $D$)", "`x[t]`, shape `(B, D)`",
           {"000": r"$x_t = \phi(y_{t-1})$, the one-hot previous word",
            "001": r"$x^{(t)}$", "002": r"$\vec x_t$, one-hot word",
            "003": r"$x_t$, $x^{(t)}$ (one-hot)", "004": r"$x_t$"}),
    Symbol(r"$h_t$", "state (hidden state) after step $t$", "`hs[t]`, shape `(B, H)`",
           {"000": r"$s_t$ ($h_t$ only in the LSTM)", "001": r"$h^{(t)}$",
            "002": r"$\vec h_t$, the belief over the $N$ hidden classes",
            "003": r"$h_t$, $h^{(t)}$", "004": r"$h_t$"}),
    Symbol(r"$h_0$", "initial state (zeros unless given)", "`state0=None`",
           {"001": r"$h_0 = 0$ (captioning)", "002": r"$\vec h_0$", "003": r"$h^{(0)}$",
            "004": r"$h_0 = 0$, also written $h_{-1} = 0$ (with eqs 10h-10i, 13f-13g)"}),
    Symbol(r"$W_{hx}$", r"input-to-state weights, $H \times D$", "`W_hx`, applied as `x @ W_hx.T`",
           {"000": r"$W^{s,x}$ ($m \times V$)", "001": r"$W_{hx}$",
            "002": r"$W$, $w_{jk} = P(X_t = k \mid Y_t = j)$",
            "003": r"$W_{xh}$; $W_x$; $W_e$ (acting on the embedding)", "004": r"$w_{fw}$"}),
    Symbol(r"$W_{hh}$", r"state-to-state (recurrent) weights, $H \times H$", "`W_hh`",
           {"000": r"$W^{s,s}$", "001": r"$W_{hh}$",
            "002": r"$U$, $u_{ji} = P(Y_t = j \mid Y_{t-1} = i)$",
            "003": r"$W_{hh}$; $W_h$", "004": r"$w_{rec}$"}),
    Symbol(r"$b_h$", "state bias", "`b_h`",
           {"000": "left out (no offsets)", "001": r"$b_h$", "002": "none",
            "003": r"$b_1$; $b$", "004": "none in the RNN (eq 2)"}),
    Symbol(r"$a_t,\ \phi$",
           r"pre-activation $a_t = W_{hx} x_t + W_{hh} h_{t-1} + b_h$ and activation, $h_t = \phi(a_t)$",
           '`activation="tanh"` (or sigmoid, relu, linear)',
           {"000": r"$\tanh$", "001": r"$\phi_h$",
            "002": r"$g$, in the example $g(\xi) = \mathrm{softmax}(\xi - 1)$",
            "003": r"$\tanh$; $\sigma$ (any nonlinearity); $f$ in $f'$",
            "004": r"$\phi$; $a_t$ (pre-activation)"}),
    Symbol(r"$W_{yh},\ b_y$", r"state-to-output weights ($K \times H$; $K = V$ in a language model) and bias",
           "`W_yh`, `b_y`",
           {"000": r"$W^o$ ($V \times m$), no bias", "001": r"$W_{yh}$, $b_y$; $W_{oh}$, $b_o$ (captioning)",
            "002": "none: the state itself is read as the output",
            "003": r"$W_{hy}$; $U$, $b_2$ (language model)"}),
    Symbol(r"$y_t,\ p_t$", r"output logits $y_t = W_{yh} h_t + b_y$ and distribution $p_t = \mathrm{softmax}(y_t)$",
           "`y`, `softmax(y)`",
           {"000": r"$p_t$ (logits unnamed)", "001": r"$y^{(t)} = \phi_y(\cdot)$ (after the output activation)",
            "002": r"$\vec h_t \approx P(Y_t \mid X_1, \dots, X_t)$",
            "003": r"$y_t$ (logits); $\hat y^{(t)}$ (distribution)"}),
    Symbol(r"$y^\ast_t$", "the true next symbol (the target at step $t$)", "`targets[t]`",
           {"000": r"$y_t$ (the word itself)", "002": r"$Y_t$ (hidden class), $X_t$ (observed word)",
            "003": r"$x^{(t+1)}$ (the next word)"}),
    Symbol(r"$\mathrm{onehot}(k)$", "vector of zeros with a one at index $k$", "`np.eye(V)[k]`",
           {"000": r"$\phi(k)$", "002": r"$\vec x_t$", "003": r"$x^{(t)}$"}),
    Symbol(r"$e_t = E x_t$", r"embedding of a one-hot word $x_t$: a column of $E$ ($D \times V$), the RNN's input",
           "`layers.embedding_forward(ids, E)`",
           {"001": r"word vectors of dimension $d$", "003": r"$e^{(t)} = E x^{(t)}$"}),
    Symbol(r"$L = \sum_t L_t$", "total loss, the sum of the per-step losses",
           "`losses.softmax_cross_entropy`",
           {"000": r"$\sum_l \mathrm{Loss}(y_l, p_l)$", "001": r"$L = \sum_t L^{(t)}$",
            "002": r"$\mathfrak{L}$ (also $\Omega$ on one slide)", "003": r"$J^{(t)}(\theta)$; $E_t$",
            "004": r"$L$"}),
    Symbol(r"$\partial L / \partial h_t$",
           "gradient of the total loss with respect to the state (all later steps included)",
           "`dh`; `dhs` = the part arriving from each step's own output",
           {"000": r"$\delta^{s_t}$: only the losses after $t$ (eq 7)",
            "001": r"$\partial L^{(t)} / \partial h^{(k)}$ via $\partial h^{(t)} / \partial h^{(k)}$",
            "002": r"$d\mathfrak{L}/dh_{i,t}$ (total) vs $\partial\mathfrak{L}/\partial h_{i,t}$ (direct)",
            "003": r"$\partial h_t / \partial h_k$",
            "004": r"$\delta_t$ = gradient with respect to the pre-activation $a_t$"}),
    Symbol(r"$\gamma,\ \rho(W_{hh}),\ \lVert W_{hh} \rVert_2$",
           r"largest $\lvert\phi'\rvert$ (1 for tanh, 1/4 for sigmoid), spectral radius, largest singular value",
           "`activations.GAMMA`; `dynamics`",
           {"001": r"$\lvert w_{hh} \rvert$ (one neuron)", "003": r"$\beta_h$, $\beta_W$ (norm bounds)",
            "004": r"$\lambda$, the largest eigenvalue of $w_{rec}$"}),
    Symbol(r"$h^{(\ell)}_t$", r"state of layer $\ell$ at step $t$ (stacked RNNs)", "`stacked_forward`",
           {"001": r"$h_\ell^{(t)}$ (the subscript is the layer)", "003": r"layer $i$",
            "004": r"$h_t^l$; $w_{fw}^{l-1}$ between layers"}),
    Symbol(r"$g_t$ (gated RNN)",
           r"update gate of 000's gated RNN: $h_t = (1 - g_t) \odot h_{t-1} + g_t \odot \tanh(\dots)$",
           "kind `gated`: `W_gx W_gh b_g`",
           {"000": r"$g_t$, $W^{g,x}$, $W^{g,s}$ (eqs 21-25)", "003": r"leaky unit, self-loop weight $\alpha$"}),
    Symbol(r"$i_t, f_t, g_t, o_t$",
           "LSTM input, forget and output gates and candidate $g_t$ (in the LSTM, $g$ is the candidate)",
           "kind `lstm`: stacked blocks in the order i, f, g, o",
           {"000": r"$i_t, f_t, o_t$; candidate unnamed, $\tanh(W^{c,h} h_{t-1} + W^{c,x} x_t)$",
            "001": r"$i^{(t)}, f^{(t)}, o^{(t)}$; candidate unnamed",
            "002": r"$i_t, f_t, o_t$; no candidate: $c_t = f_t c_{t-1} + i_t x_t$, $h_t = o_t c_t$",
            "003": r"$i^{(t)}, f^{(t)}, o^{(t)}$, candidate $\tilde c^{(t)}$; stacked order $(i, f, o, g)$",
            "004": r"$i_t, f_t, o_t$, candidate $z_t$"}),
    Symbol(r"$W_x,\ W_h,\ b$",
           r"LSTM/GRU weights, gate blocks stacked: $4H \times D$, $4H \times H$, $4H$ (GRU: $3H$)",
           "`W_x`, `W_h`, `b` (GRU: `b_x`, `b_h`)",
           {"000": r"$W^{f,x}, W^{f,h}$, ... per gate, no biases",
            "001": r"$W_{fx}, W_{fh}, b_f$, ... per gate",
            "002": r"$W_f$ (on $x$), $U_f$ (on $h$), ... no biases",
            "003": r"$U_f$ (on $x$), $W_f$ (on $h$), $b_f$: $U$ and $W$ swapped from 002; one $W$ on $(h_{t-1}, x_t)$",
            "004": (r"$w_k$ ($n \times (n+m)$) on $[h_{t-1}; x_t]$, $b_k$; "
                    r"$M_h w_k^\top$, $M_x w_k^\top$ pick the $h$ and $x$ parts")}),
    Symbol(r"$c_t$", "LSTM cell; the LSTM's state is the pair $(h_t, c_t)$", "`state = (h, c)`",
           {"000": r"$c_t$", "001": r"$c^{(t)}$", "002": r"$\vec c_t$", "003": r"$c^{(t)}$, $c_t$",
            "004": r"$c_t$"}),
    Symbol(r"$r_t, z_t, n_t$",
           (r"GRU reset gate, fraction of the old state kept, candidate: "
            r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$"),
           "kind `gru`: stacked blocks r, z, n",
           {"001": "named, no equations",
            "003": r"$r^{(t)}$; update gate $u^{(t)} = 1 - z_t$; candidate $\tilde h^{(t)}$",
            "004": r"$r_t$; update gate $u_t = 1 - z_t$; candidate $z_t$ (our $n_t$)"}),
    Symbol(r"$\odot$", "element-wise product", "`*`",
           {"000": r"$\odot$", "001": r"$\circ$, $\odot$", "002": r"juxtaposition, $f_t \vec c_{t-1}$",
            "003": r"$\circ$, $\odot$", "004": r"$\odot$"}),
    Symbol(r"$A,\ E$ (HMM)",
           (r"transitions $A_{ij} = P(Y_t = j \mid Y_{t-1} = i)$, emissions "
            r"$E_{jk} = P(X_t = k \mid Y_t = j)$; the recursion uses $U = A^\top$"),
           "`hmm`: `A`, `E`",
           {"002": r"$U = A^\top$, $W = E$"}),
)


#: The rows each notebook uses (course symbols, as in :data:`SYMBOLS`): ``show(notes, notebook=N)``
#: shows these, so a notebook's table holds what it talks about and no more. Notebook 00 shows
#: every row. A notebook not listed here shows every row its notes have.
USED_IN: dict[int, tuple[str, ...]] = {
    1: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$", r"$b_h$",
        r"$a_t,\ \phi$", r"$W_{yh},\ b_y$", r"$y_t,\ p_t$", r"$y^\ast_t$", r"$\mathrm{onehot}(k)$",
        r"$e_t = E x_t$", r"$L = \sum_t L_t$"),
    2: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$",
        r"$a_t,\ \phi$", r"$y_t,\ p_t$", r"$y^\ast_t$", r"$\mathrm{onehot}(k)$", r"$\odot$",
        r"$A,\ E$ (HMM)"),
    3: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$", r"$b_h$",
        r"$a_t,\ \phi$", r"$W_{yh},\ b_y$", r"$y_t,\ p_t$", r"$y^\ast_t$", r"$\mathrm{onehot}(k)$",
        r"$L = \sum_t L_t$", r"$\partial L / \partial h_t$", r"$\odot$"),
    4: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$", r"$b_h$",
        r"$a_t,\ \phi$", r"$\partial L / \partial h_t$",
        r"$\gamma,\ \rho(W_{hh}),\ \lVert W_{hh} \rVert_2$", r"$\odot$"),
    5: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$", r"$b_h$",
        r"$a_t,\ \phi$", r"$\partial L / \partial h_t$", r"$g_t$ (gated RNN)", r"$i_t, f_t, g_t, o_t$",
        r"$W_x,\ W_h,\ b$", r"$c_t$", r"$\odot$"),
    6: (r"$T,\ D,\ H,\ K,\ V$", r"$x_t$", r"$h_t$", r"$h_0$", r"$W_{hx}$", r"$W_{hh}$", r"$b_h$",
        r"$a_t,\ \phi$", r"$\partial L / \partial h_t$", r"$i_t, f_t, g_t, o_t$", r"$W_x,\ W_h,\ b$",
        r"$c_t$", r"$r_t, z_t, n_t$", r"$\odot$"),
}

def _check_notes(notes) -> tuple[str, ...]:
    notes = tuple(NOTES) if notes is None else tuple(notes)
    unknown = [n for n in notes if n not in NOTES]
    if unknown or not notes:
        raise ValueError(f"notes: expected some of {list(NOTES)}, got {list(notes)}")
    return notes


def rows(notes=None, symbols=None) -> list[Symbol]:
    """The rows of :data:`SYMBOLS` a notebook following ``notes`` needs.

    A row is kept when one of ``notes`` has the symbol (with all five notes, every
    row). ``symbols`` narrows further: course symbols, exactly as in the
    ``course`` field, or ``None`` for every row the notes use.
    """
    notes = _check_notes(notes)
    if symbols is not None:
        known = {sym.course for sym in SYMBOLS}
        wanted = list(symbols)
        unknown = [s for s in wanted if s not in known]
        if unknown or not wanted:
            raise ValueError(f"symbols: expected course symbols from notation.SYMBOLS, got {unknown or wanted}")
    kept = []
    for sym in SYMBOLS:
        if symbols is not None and sym.course not in symbols:
            continue
        if symbols is None and len(notes) < len(NOTES) and all(sym.in_note(n) == NONE for n in notes):
            continue
        kept.append(sym)
    return kept


def compact(notes=None, symbols=None) -> str:
    """The course's symbols a notebook uses, three narrow columns: symbol, meaning, name in code."""
    lines = ["| symbol | meaning | in code |", "|---|---|---|"]
    lines += [f"| {sym.course} | {sym.meaning} | {sym.code} |" for sym in rows(notes, symbols)]
    return "\n".join(lines)


def mapping(notes=None, symbols=None) -> str:
    """What each of ``notes`` calls each symbol: two columns, the notes' names one per line."""
    notes = _check_notes(notes)
    lines = ["| course | " + ("note: its symbol" if len(notes) > 1 else f"note {notes[0]}") + " |", "|---|---|"]
    for sym in rows(notes, symbols):
        names = [f"**{n}**: {sym.in_note(n)}" for n in notes if sym.in_note(n) != NONE]
        lines.append(f"| {sym.course} | {'<br>'.join(names) or NONE} |")
    return "\n".join(lines)


def _symbols_for(symbols, notebook):
    if notebook is None:
        return symbols
    if symbols is not None:
        raise ValueError(f"notebook: give either symbols or notebook, got both (notebook={notebook!r})")
    if not isinstance(notebook, int) or isinstance(notebook, bool):
        raise TypeError(f"notebook: expected a notebook number (int), got {type(notebook).__name__}")
    return USED_IN.get(notebook)


def table(notes: tuple[str, ...] | list[str] | None = None, symbols=None, notebook: int | None = None) -> str:
    """What :func:`show` displays, as Markdown: the compact table, then the notes' names on demand.

    The first table (:func:`compact`) is always visible and fits a narrow
    window; what the notes ``notes`` (default: all five) call each symbol
    (:func:`mapping`) follows in a collapsed ``<details>`` block, opened with
    a click. Rows that none of the chosen notes use are left out; ``symbols``
    (course symbols as in :data:`SYMBOLS`) keeps only those rows; ``notebook``
    (a number) keeps the rows :data:`USED_IN` lists for that notebook.
    """
    notes = _check_notes(notes)
    symbols = _symbols_for(symbols, notebook)
    which = "all five notes" if len(notes) == len(NOTES) else (
        "note " + notes[0] if len(notes) == 1 else "notes " + ", ".join(notes[:-1]) + " and " + notes[-1])
    verb = "calls" if len(notes) == 1 else "call"
    return (f"{compact(notes, symbols)}\n\n<details><summary>What {which} {verb} each symbol "
            f"(click to open)</summary>\n\n{mapping(notes, symbols)}\n\n</details>")


def show(notes: tuple[str, ...] | list[str] | None = None, symbols=None, notebook: int | None = None) -> None:
    """Display :func:`table` in a notebook: the symbols for ``notes``, the notes' own names collapsed.

    ``notation.show(["000", "004"], notebook=5)`` shows the rows notebook 05 uses (:data:`USED_IN`).
    """
    from IPython.display import Markdown, display
    display(Markdown(table(notes, symbols, notebook)))
