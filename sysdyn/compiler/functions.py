"""The catalogue of builtin functions: the allow-list of the equation language.

Every function an equation may call is listed here with its arity and
category.  Anything not listed (and not a graphical function of the model)
is rejected by the compiler with :class:`~sysdyn.errors.UnknownFunctionError`.

Rounding follows the standard each name comes from: ``INT`` and the
operator ``a MOD b`` are XMILE's (floor, and the floored modulus whose sign is
the divisor's, XMILE 1.0 section 3.3.1: ``a = INT(a/b)*b + a MOD b``);
``INTEGER`` and ``MODULO`` are Vensim's (truncation toward zero, and the
remainder whose sign is the dividend's).

Categories:

``math``
    Pure element-wise functions, compiled to :mod:`math` (single runs) or
    :mod:`numpy` (ensembles and arrays).
``reduce``
    Array reductions over ``*`` subscripts: ``SUM(x[*])``.
``time``
    Input functions of time: ``STEP``, ``PULSE``, ``RAMP``.
``stateful``
    Functions with memory, expanded into internal stocks (``SMTH1``,
    ``DELAY3``...) or delay lines (``DELAY``) before compilation.
``random``
    Random draws, a new one every ``DT`` and held within it, from a seed
    passed to ``run``.

Examples
--------
>>> BUILTINS["SMTH1"].category, BUILTINS["SMTH1"].min_args, BUILTINS["SMTH1"].max_args
('stateful', 2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Builtin", "BUILTINS", "CONSTANT_NAMES", "ALIASES"]


@dataclass(frozen=True)
class Builtin:
    """One allowed function: name, arity bounds and category.

    Examples
    --------
    >>> BUILTINS["MAX"]
    Builtin(name='MAX', min_args=1, max_args=None, category='math', doc='largest argument; ...')
    """

    name: str
    min_args: int
    max_args: int | None  # None: any number
    category: str
    doc: str = ""


def _table(*rows: tuple[str, int, int | None, str, str]) -> dict[str, Builtin]:
    return {name: Builtin(name, lo, hi, cat, doc) for name, lo, hi, cat, doc in rows}


BUILTINS: dict[str, Builtin] = _table(
    ("ABS", 1, 1, "math", "absolute value"),
    ("EXP", 1, 1, "math", "e to the power x"),
    ("LN", 1, 1, "math", "natural logarithm"),
    ("LOG10", 1, 1, "math", "base-10 logarithm"),
    ("LOG", 1, 2, "math", "LOG(x) is LOG10; LOG(x, base) any base"),
    ("SQRT", 1, 1, "math", "square root"),
    ("SIN", 1, 1, "math", "sine (radians)"),
    ("COS", 1, 1, "math", "cosine (radians)"),
    ("TAN", 1, 1, "math", "tangent (radians)"),
    ("ARCSIN", 1, 1, "math", "inverse sine"),
    ("ARCCOS", 1, 1, "math", "inverse cosine"),
    ("ARCTAN", 1, 1, "math", "inverse tangent"),
    ("INT", 1, 1, "math", "largest integer not above x (floor, as XMILE defines it)"),
    ("INTEGER", 1, 1, "math", "integer part of x, truncated toward zero (Vensim's INTEGER)"),
    ("ROUND", 1, 1, "math", "nearest integer (halves away from zero)"),
    ("SIGN", 1, 1, "math", "-1, 0 or 1"),
    ("MODULO", 2, 2, "math", "remainder of a / b truncated, with the sign of a (Vensim's MODULO)"),
    ("SAFEDIV", 2, 3, "math", "a / b, or the third argument (default 0) where b is 0"),
    ("MIN", 1, None, "math", "smallest argument; MIN(x[*]) the smallest element"),
    ("MAX", 1, None, "math", "largest argument; MAX(x[*]) the largest element"),
    ("IF THEN ELSE", 3, 3, "math", "function form of IF ... THEN ... ELSE"),
    ("LOOKUP", 2, 2, "math", "LOOKUP(table, x): apply a graphical function"),
    ("SUM", 1, 1, "reduce", "sum of the elements"),
    ("MEAN", 1, 1, "reduce", "mean of the elements"),
    ("STDDEV", 1, 1, "reduce", "population standard deviation of the elements"),
    ("PROD", 1, 1, "reduce", "product of the elements"),
    ("SIZE", 1, 1, "reduce", "number of elements"),
    ("STEP", 2, 2, "time", "STEP(height, start): height from start on"),
    ("PULSE", 1, 3, "time", "PULSE(volume[, first[, interval]]): volume/DT for one DT"),
    ("RAMP", 1, 3, "time", "RAMP(slope[, start[, end]]): rises with slope from start to end"),
    ("SMTH1", 2, 3, "stateful", "first-order exponential smooth"),
    ("SMTH3", 2, 3, "stateful", "third-order exponential smooth"),
    ("SMTHN", 3, 4, "stateful", "n-th order exponential smooth"),
    ("DELAY1", 2, 3, "stateful", "first-order material delay"),
    ("DELAY3", 2, 3, "stateful", "third-order material delay"),
    ("DELAYN", 3, 4, "stateful", "n-th order material delay"),
    ("TREND", 2, 3, "stateful", "fractional rate of change of the input"),
    ("DELAY", 2, 3, "stateful", "fixed (pipeline) delay"),
    ("INIT", 1, 1, "stateful", "value of the argument at the start of the run"),
    ("RANDOM", 2, 3, "random", "uniform on [min, max)"),
    ("UNIFORM", 2, 3, "random", "same as RANDOM"),
    ("NORMAL", 2, 3, "random", "normal with mean and standard deviation"),
    ("LOGNORMAL", 2, 3, "random", "log-normal with the given mean and standard deviation"),
    ("EXPRND", 1, 2, "random", "exponential with the given mean"),
    ("POISSON", 1, 2, "random", "Poisson with the given mean"),
    ("TRIANGULAR", 3, 4, "random", "triangular with min, mode, max"),
)

# Operators over the edges of a network dimension (sysdyn.network.operators documents them).
_WAYS = (("", "neighbours j of i: edges i -> j"), ("OUT ", "edges i -> j"), ("IN ", "edges j -> i"))
BUILTINS.update(
    _table(
        *(
            (f"{way}NEIGHBOR {how}", 1, 2, "network", f"{how.lower()} of x_j over {edges}, weighted by w_ij")
            for way, edges in _WAYS
            for how in ("SUM", "MEAN", "MAX", "MIN")
        ),
        *((f"{way}DIFFUSION", 1, 2, "network", f"sum of w_ij (x_j - x_i), {edges}") for way, edges in _WAYS),
        *((f"{way}DEGREE", 1, 1, "network", f"number of {edges}") for way, edges in _WAYS),
        ("OWN", 1, 1, "network", "inside NEIGHBOR_ functions: the value at the node itself"),
        ("NODE DATA", 1, 1, "network", "the per-node values stored on a network for this variable"),
    )
)

#: Alternative spellings accepted from other tools.
ALIASES: dict[str, str] = {
    "IF_THEN_ELSE": "IF THEN ELSE",
    "SMOOTH": "SMTH1",
    "SMOOTH3": "SMTH3",
    "SMOOTHN": "SMTHN",
    "DELAY FIXED": "DELAY",
    "ARCSINE": "ARCSIN",
    "ARCCOSINE": "ARCCOS",
    "ARCTANGENT": "ARCTAN",
    "ZIDZ": "SAFEDIV",
    "INITIAL": "INIT",
}
# British spellings of the network operators: NEIGHBOUR_SUM is NEIGHBOR_SUM.
ALIASES.update({name.replace("NEIGHBOR", "NEIGHBOUR"): name for name in BUILTINS if "NEIGHBOR" in name})

#: Zero-argument names: what they mean in generated code is decided by the code generator.
CONSTANT_NAMES = frozenset(
    {"time", "dt", "starttime", "stoptime", "pi", "time step", "initial time", "final time"}
)
