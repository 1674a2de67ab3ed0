"""A small tree-walking evaluator of equations over numpy arrays.

Loop analysis re-evaluates equations on values taken from a run (to find
the sign of a link numerically, and for the *ceteris paribus* changes of
Loops That Matter).  This evaluator walks our own expression tree
(:mod:`sysdyn.equations`) with numpy; it never turns text into code.

Functions with memory (``SMTH1``, ``DELAY3``, ``INIT``...) and random draws
cannot be recomputed from a variable's inputs alone: evaluating them raises
:class:`NotEvaluableError`.

Examples
--------
>>> import numpy as np
>>> from sysdyn.equations import parse
>>> ev = Evaluator()
>>> ev.evaluate(parse("MAX(a, 2) * (1 - b / 4)"), {"a": np.array([1.0, 3.0]), "b": np.array([2.0, 0.0])})
array([1., 3.])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..compiler import runtime as _rt
from ..compiler.functions import ALIASES, BUILTINS
from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Subscript, UnaryOp
from ..errors import SysdynError
from ..ir import GraphicalFunction
from ..names import canonical

__all__ = ["Evaluator", "NotEvaluableError", "is_opaque_call"]

_UNARY_FUNCS = {
    "ABS": np.abs,
    "EXP": np.exp,
    "LN": np.log,
    "LOG10": np.log10,
    "SQRT": np.sqrt,
    "SIN": np.sin,
    "COS": np.cos,
    "TAN": np.tan,
    "ARCSIN": np.arcsin,
    "ARCCOS": np.arccos,
    "ARCTAN": np.arctan,
    "INT": np.floor,
    "INTEGER": np.trunc,
    "SIGN": np.sign,
    "ROUND": _rt.round_half_away,
}
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_COMPARE = {
    "=": np.equal,
    "<>": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


class NotEvaluableError(SysdynError):
    """An equation uses something that cannot be recomputed from its inputs (memory or randomness)."""


def is_opaque_call(node: Node) -> bool:
    """True if ``node`` calls a function with memory or a random draw.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> is_opaque_call(parse("SMTH1(x, 3)")), is_opaque_call(parse("MAX(x, 3)"))
    (True, False)
    """
    if not isinstance(node, Call):
        return False
    spec = BUILTINS.get(ALIASES.get(node.func, node.func))
    return spec is not None and spec.category in ("stateful", "random")


class Evaluator:
    """Evaluate expression trees on numpy arrays.

    Parameters
    ----------
    tables : mapping of str to GraphicalFunction, optional
        Graphical functions callable by name (canonical keys).
    dt, start, stop : float
        Values of ``DT``, ``STARTTIME`` and ``STOPTIME``.

    Examples
    --------
    >>> import numpy as np
    >>> from sysdyn.ir import GraphicalFunction
    >>> from sysdyn.equations import parse
    >>> ev = Evaluator({"effect": GraphicalFunction("effect", (0.0, 1.0), (0.0, 10.0))})
    >>> env = {"x": np.array([0.5, 0.5]), "time": np.array([1.0, 2.0])}
    >>> ev.evaluate(parse("effect(x) + STEP(1, 2)"), env)
    array([5., 6.])
    """

    def __init__(
        self,
        tables: Mapping[str, GraphicalFunction] | None = None,
        *,
        dt: float = 1.0,
        start: float = 0.0,
        stop: float = 1.0,
    ) -> None:
        self.tables = {canonical(k): _rt.Lookup(t) for k, t in (tables or {}).items()}
        self.dt = float(dt)
        self.start = float(start)
        self.stop = float(stop)

    def lookup(self, table: GraphicalFunction, values: np.ndarray) -> np.ndarray:
        """Apply a graphical function element-wise.

        Examples
        --------
        >>> from sysdyn.ir import GraphicalFunction
        >>> peak = GraphicalFunction("g", (0.0, 1.0, 2.0), (0.0, 10.0, 0.0))
        >>> Evaluator().lookup(peak, np.array([0.5, 1.0, 3.0]))  # beyond the table: the end value
        array([ 5., 10.,  0.])
        """
        return _rt.Lookup(table).vec(values)

    def evaluate(self, node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
        """Return the value of ``node`` with names taken from ``env`` (canonical keys).

        Raises
        ------
        NotEvaluableError
            For functions with memory, random draws, subscripts and unknown names.

        Examples
        --------
        >>> from sysdyn.equations import parse
        >>> Evaluator().evaluate(parse("IF x > 1 THEN x ELSE 0"), {"x": np.array([0.5, 2.0])})
        array([0., 2.])
        """
        with np.errstate(all="ignore"):
            return np.asarray(self._eval(node, env), dtype=float)

    def compile(self, node: Node) -> Callable[[Mapping[str, np.ndarray]], Any]:
        """A function of ``env`` that evaluates ``node`` as :meth:`evaluate` does, with less overhead.

        Arithmetic, names and numbers become nested closures built once; other
        nodes fall back on the tree walk.  Errors are raised when it is called;
        numpy's floating-point warnings are the caller's to silence.

        Examples
        --------
        >>> from sysdyn.equations import parse
        >>> f = Evaluator().compile(parse("2 * x - y / 4"))
        >>> f({"x": np.array([1.0, 2.0]), "y": np.array([4.0, 8.0])})
        array([1., 2.])
        """
        if isinstance(node, Number):
            value = float(node.value)
            return lambda env: value
        if isinstance(node, Name):
            key = node.name

            def name(env, key=key, node=node):
                value = env.get(key)
                return self._name(node, env) if value is None else value

            return name
        if isinstance(node, BinaryOp) and node.op in _ARITHMETIC:
            op, left, right = _ARITHMETIC[node.op], self.compile(node.left), self.compile(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, UnaryOp) and node.op == "-":
            inner = self.compile(node.operand)
            return lambda env: np.negative(inner(env))
        return lambda env: self._eval(node, env)

    # ------------------------------------------------------------------ nodes
    def _eval(self, node: Node, env: Mapping[str, np.ndarray]):
        if isinstance(node, Number):
            return float(node.value)
        if isinstance(node, Name):
            return self._name(node, env)
        if isinstance(node, UnaryOp):
            inner = self._eval(node.operand, env)
            if node.op == "not":
                return np.logical_not(inner).astype(float)
            return -inner if node.op == "-" else inner
        if isinstance(node, BinaryOp):
            return self._binary(node, env)
        if isinstance(node, IfThenElse):
            cond = self._eval(node.condition, env)
            return np.where(cond, self._eval(node.then, env), self._eval(node.otherwise, env))
        if isinstance(node, Call):
            return self._call(node, env)
        if isinstance(node, Subscript):
            raise NotEvaluableError(f"subscripted reference `{node.text}` (arrays) cannot be evaluated here")
        raise NotEvaluableError(f"cannot evaluate a {type(node).__name__}")  # pragma: no cover

    def _name(self, node: Name, env: Mapping[str, np.ndarray]):
        if node.name in env:
            return env[node.name]
        special = {
            "dt": self.dt,
            "time step": self.dt,
            "starttime": self.start,
            "initial time": self.start,
            "stoptime": self.stop,
            "final time": self.stop,
            "pi": math.pi,
        }
        if node.name in special:
            return special[node.name]
        raise NotEvaluableError(f"no value for `{node.text}`")

    def _binary(self, node: BinaryOp, env: Mapping[str, np.ndarray]):
        a, b = self._eval(node.left, env), self._eval(node.right, env)
        op = node.op
        if op == "+":
            return np.add(a, b)
        if op == "-":
            return np.subtract(a, b)
        if op == "*":
            return np.multiply(a, b)
        if op == "/":
            return np.true_divide(a, b)
        if op == "^":
            return np.power(np.asarray(a, dtype=float), b)
        if op == "mod":
            return np.mod(a, b)
        if op in _COMPARE:
            return _COMPARE[op](a, b).astype(float)
        if op == "and":
            return np.logical_and(a, b).astype(float)
        if op == "or":
            return np.logical_or(a, b).astype(float)
        raise NotEvaluableError(f"unknown operator {op!r}")  # pragma: no cover

    def _call(self, node: Call, env: Mapping[str, np.ndarray]):
        if is_opaque_call(node) or node.func.startswith("\x00"):
            raise NotEvaluableError(
                f"`{node.func}` has memory or draws random numbers: it cannot be recomputed from its inputs"
            )
        func = ALIASES.get(node.func, node.func)
        key = canonical(node.func)
        if key in self.tables and func != "LOOKUP":
            return self.tables[key].vec(self._eval(node.args[0], env))
        if func == "LOOKUP":
            target = node.args[0]
            name = getattr(target, "name", None)
            if name not in self.tables:
                raise NotEvaluableError(f"no graphical function `{name}`")
            return self.tables[name].vec(self._eval(node.args[1], env))
        args = [self._eval(a, env) for a in node.args]
        if func in _UNARY_FUNCS:
            return _UNARY_FUNCS[func](np.asarray(args[0], dtype=float))
        if func == "LOG":
            return np.log10(args[0]) if len(args) == 1 else np.log(args[0]) / np.log(args[1])
        if func == "IF THEN ELSE":
            return np.where(args[0], args[1], args[2])
        if func == "MODULO":  # Vensim's truncated remainder (the operator MOD is XMILE's floored one)
            return np.fmod(args[0], args[1])
        if func in ("MIN", "MAX"):
            out = args[0]
            for other in args[1:]:
                out = np.minimum(out, other) if func == "MIN" else np.maximum(out, other)
            return out
        if func == "SAFEDIV":
            return _rt.safediv_v(*args)
        time = env.get("time")
        if func in ("STEP", "PULSE", "RAMP"):
            if time is None:
                raise NotEvaluableError(f"`{func}` needs the time")
            if func == "STEP":
                return np.where(time >= args[1] - _rt.time_eps(self.dt), args[0], 0.0)
            if func == "PULSE":
                return _rt.pulse_v(time, self.dt, args[0], *(args[1:] or [self.start]))
            return _rt.ramp_v(time, args[0], *(args[1:] or [self.start]))
        raise NotEvaluableError(f"cannot evaluate `{node.func}` here")
