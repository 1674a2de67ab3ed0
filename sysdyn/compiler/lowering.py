"""Lowering: from frozen definitions to the compiler's own list of variables.

This step parses every equation, checks names and structure, expands
functions with memory (``SMTH1``, ``DELAY3``, ``TREND``, ``INIT``...) into
internal stocks, writes stock rates as expressions, and applies uniflow and
non-negative-stock limits.  The result is a list of :class:`CVar` that the
ordering and code-generation steps read.

Non-negative options (XMILE 1.0 sections 3.5.6 and 4.2-4.3):

* a *uniflow* (non-negative flow) is ``MAX(0, equation)``;
* a *non-negative stock* never goes below zero: its outflows, in the order
  they are listed (outflow priority), drain what the stock holds plus what
  flows in during the DT, until that is used up.  What an outflow drains is an
  internal variable; it is what leaves the stock and what reaches the stock
  the flow fills, so material is conserved.  The flow's own value, the one a
  run reports, stays its equation's value, as in the canonical outputs of the
  XMILE conformance suite.  A negative net inflow cannot take the stock below
  zero either.
"""

from __future__ import annotations

import graphlib
import itertools
from dataclasses import dataclass, field

from ..equations import parse
from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Subscript, UnaryOp, walk
from ..errors import (
    DimensionError,
    FunctionArgumentError,
    MissingInitialValueError,
    ModelStructureError,
    UnknownFunctionError,
    UnknownNameError,
)
from ..ir import Dimension, Flow, GraphicalFunction, ModelDefinition, Stock, Variable
from ..names import canonical, closest
from .arrays import ArrayRef, ArrayResolver, Assemble, Reduce
from .functions import ALIASES, BUILTINS
from .network_ops import bind_network_calls

__all__ = ["CVar", "Lowered", "lower"]

#: Prefix of internal variable keys; users cannot type it in a name.
INTERNAL = "\x00"


@dataclass
class CVar:
    """One variable as the compiler sees it.

    Examples
    --------
    >>> from sysdyn import Model
    >>> m = Model("m"); m.stock("S", 1, inflows=["f"]); m.flow("f", "k * S"); m.constant("k", 2)
    >>> stock = lower(m.definition).cvars[0]
    >>> stock.key, stock.kind, stock.equation, stock.rate
    ('s', 'stock', Number(value=1.0), Name(name='f', text='f'))
    """

    key: str
    name: str
    kind: str  # stock, flow, aux, constant
    equation: Node | None  # value (non-stocks) or initial value (stocks)
    text: str = ""
    rate: Node | None = None  # stocks: derivative
    lookup: GraphicalFunction | None = None
    units: str = ""
    doc: str = ""
    public: bool = True
    override_ok: bool = True
    deps: set[str] = field(default_factory=set)
    dims: tuple[str, ...] = ()  # canonical dimension keys, outermost first
    shape: tuple[int, ...] = ()
    #: per-element equations: (element positions, parsed tree, text)
    elements: list[tuple[tuple[int, ...], Node, str]] = field(default_factory=list)


def _sum(nodes: list[Node]) -> Node:
    if not nodes:
        return Number(0.0)
    total = nodes[0]
    for n in nodes[1:]:
        total = BinaryOp("+", total, n)
    return total


def _name(key: str) -> Name:
    return Name(key, key)


def _ref(key: str, dims: tuple[str, ...]) -> Name:
    """A reference to a variable laid out over ``dims`` (an :class:`ArrayRef` when arrayed)."""
    return ArrayRef(key, key, dims) if dims else Name(key, key)


class _Lowerer:
    def __init__(self, definition: ModelDefinition):
        self.definition = definition
        self.vars: dict[str, CVar] = {}
        self.lookups: dict[str, GraphicalFunction] = {t.key: t for t in definition.lookups}
        self.counter = 0
        #: random call sites: (kind "uniform"|"normal", fixed seed or None, shape of the draw)
        self.random_sites: list[tuple[str, int | None, tuple[int, ...]]] = []
        #: fixed delays: (input expression, host variable, dimensions), one per delay line
        self.delay_inputs: list[tuple[Node, CVar, tuple[str, ...]]] = []
        self.dimensions: dict[str, Dimension] = {dim.key: dim for dim in definition.dimensions}
        self._limits: list[tuple[Stock, list[str], list[str]]] = []
        self._uniflows: list[str] = []
        #: every stock's inflow and outflow keys, in listed order
        self._flows_of: dict[str, tuple[list[str], list[str]]] = {}

    # -------------------------------------------------------------- entry
    def run(self) -> list[CVar]:
        d = self.definition
        user = {v.key: v for v in d.variables}
        for v in d.variables:
            self.vars[v.key] = self._cvar(v)
        self._attach_flows(user)
        for cv in list(self.vars.values()):
            self._check_names(cv)
        var_dims = {cv.key: cv.dims for cv in self.vars.values()}
        for cv in list(self.vars.values()):
            self._resolve(cv, var_dims)
        self._apply_limits()
        for cv in list(self.vars.values()):
            if cv.public:
                cv.equation = self._expand(cv.equation, cv, cv.dims)
                if cv.rate is not None:
                    cv.rate = self._expand(cv.rate, cv, cv.dims)
        return list(self.vars.values())

    def _cvar(self, v: Variable) -> CVar:
        """Parse a variable's equation(s) and check its dimensions."""
        dims = self._dimension_keys(v)
        shape = tuple(self.dimensions[k].size for k in dims)
        text = v.equation
        elements = self._element_equations(v, dims)
        if not text.strip() and not elements:
            if isinstance(v, Stock):
                raise MissingInitialValueError(
                    "the stock has no initial value; give `initial=`", element=v.name
                )
        tree = parse(text, element=v.name) if text.strip() or not elements else None
        if dims and elements and tree is None and len(elements) < _count(shape):
            given = {index for index, _tree, _text in elements}
            missing = next(i for i in _positions(shape) if i not in given)
            names = ", ".join(self.dimensions[k].elements[j] for k, j in zip(dims, missing, strict=True))
            what = "initial value" if isinstance(v, Stock) else "equation"
            raise MissingInitialValueError(
                f"element [{names}] has no {what}; give one per element or an equation for all of them",
                element=v.name,
            )
        lookup = getattr(v, "lookup", None)
        return CVar(
            v.key,
            v.name,
            v.kind,
            tree,
            text=text,
            lookup=lookup,
            units=v.units,
            doc=v.doc,
            dims=dims,
            shape=shape,
            elements=elements,
        )

    def _dimension_keys(self, v: Variable) -> tuple[str, ...]:
        keys = []
        for name in v.dimensions:
            key = canonical(name)
            if key not in self.dimensions:
                hint = closest(name, [dim.name for dim in self.dimensions.values()])
                raise DimensionError(
                    f"unknown dimension `{name}`"
                    + (f"; did you mean `{hint}`?" if hint else "")
                    + (" (add it with Model.dimension)" if not hint else ""),
                    element=v.name,
                )
            if key in keys:
                raise DimensionError(f"dimension `{name}` is listed twice", element=v.name)
            keys.append(key)
        if v.element_equations and not keys:
            raise DimensionError("the variable has per-element equations but no dimensions", element=v.name)
        return tuple(keys)

    def _element_equations(
        self, v: Variable, dims: tuple[str, ...]
    ) -> list[tuple[tuple[int, ...], Node, str]]:
        out = []
        seen: set[tuple[int, ...]] = set()
        for elements, text in v.element_equations:
            if len(elements) != len(dims):
                raise DimensionError(
                    f"the equation for element {list(elements)} names {len(elements)} element(s), "
                    f"but the variable has {len(dims)} dimension(s)",
                    element=v.name,
                    equation=text,
                )
            index = []
            for element, key in zip(elements, dims, strict=True):
                dim = self.dimensions[key]
                ekey = canonical(element)
                if ekey not in dim.element_keys:
                    hint = closest(element, dim.elements)
                    raise DimensionError(
                        f"`{element}` is not an element of `{dim.name}` ({', '.join(dim.elements)})"
                        + (f"; did you mean `{hint}`?" if hint else ""),
                        element=v.name,
                        equation=text,
                    )
                index.append(dim.element_keys.index(ekey))
            position = tuple(index)
            if position in seen:
                raise DimensionError(
                    f"element {list(elements)} has two equations", element=v.name, equation=text
                )
            seen.add(position)
            out.append((position, parse(text, element=v.name), text))
        return out

    def _resolve(self, cv: CVar, var_dims: dict[str, tuple[str, ...]]) -> None:
        """Turn subscripts into labelled array operations (see :mod:`sysdyn.compiler.arrays`)."""
        resolver = ArrayResolver(self.dimensions, var_dims, cv.name, cv.text)
        if cv.elements:
            given = {index: (tree, text) for index, tree, text in cv.elements}
            parts = []
            for index in _positions(cv.shape):
                tree, text = given.get(index, (cv.equation, cv.text))
                resolver.text = text
                context = dict(zip(cv.dims, index, strict=True))
                parts.append(resolver.resolve(tree, (), context))
            cv.equation = Assemble(cv.shape, tuple(parts), cv.dims)
            resolver.text = cv.text
        elif cv.equation is not None:
            cv.equation = resolver.resolve(cv.equation, cv.dims)
        if cv.equation is not None:  # network operators: checked, and their axis made explicit
            cv.equation = bind_network_calls(cv.equation, self.dimensions, cv.key, cv.name, cv.text)
        if cv.rate is not None:
            cv.rate = resolver.resolve(cv.rate, cv.dims)

    # ----------------------------------------------------------- structure
    def _attach_flows(self, user) -> None:
        attached: dict[str, str] = {}
        for v in self.definition.variables:
            if not isinstance(v, Stock):
                continue
            terms: list[Node] = []
            outs: list[Node] = []
            for direction, names in (("inflow", v.inflows), ("outflow", v.outflows)):
                for fname in names:
                    key = canonical(fname)
                    flow = user.get(key)
                    if flow is None:
                        hint = closest(fname, [u.name for u in user.values() if isinstance(u, Flow)])
                        raise ModelStructureError(
                            f"`{fname}` is listed as an {direction} but no flow has that name"
                            + (f"; did you mean `{hint}`?" if hint else ""),
                            element=v.name,
                        )
                    if not isinstance(flow, Flow):
                        raise ModelStructureError(
                            f"`{flow.name}` is listed as an {direction} but it is a {flow.kind}, not a flow",
                            element=v.name,
                        )
                    attached[key] = v.name
                    self._check_flow_dims(v, flow, direction)
                    (terms if direction == "inflow" else outs).append(_name(key))
            stock = self.vars[v.key]
            rate: Node = _sum(terms)
            for o in outs:
                rate = BinaryOp("-", rate, o)
            stock.rate = rate
            self._flows_of[v.key] = ([t.name for t in terms], [o.name for o in outs])  # type: ignore[attr-defined]
            if v.non_negative:
                self._limits.append((v, *self._flows_of[v.key]))
        for v in self.definition.variables:
            if isinstance(v, Flow):
                if v.key not in attached:
                    raise ModelStructureError(
                        "the flow is not attached to any stock; list it in a stock's `inflows` or `outflows`",
                        element=v.name,
                        equation=v.equation,
                    )
                if v.non_negative:
                    self._uniflows.append(v.key)

    def _apply_limits(self) -> None:
        """Uniflows never go below zero; non-negative stocks limit what their outflows drain.

        Runs after subscripts are resolved.  See the module docstring for the rules.
        """
        for key in self._uniflows:
            cv = self.vars[key]
            cv.equation = Call("MAX", (Number(0.0), cv.equation))
        if not self._limits:
            return
        drained: dict[str, Node] = {}  # flow key -> what it takes from (the first) non-negative stock
        own: dict[str, dict[str, Node]] = {}  # non-negative stock key -> its outflows' drains
        for stock, inflows, outflows in self._drain_order():
            own[stock.key] = self._limit_outflows(stock, inflows, outflows, drained)
            for key, ref in own[stock.key].items():
                drained.setdefault(key, ref)
        for key, (inflows, outflows) in self._flows_of.items():
            if key in own or any(k in drained for k in inflows):
                self._limited_rate(key, inflows, outflows, drained, own.get(key))

    def _drain_order(self) -> list[tuple[Stock, list[str], list[str]]]:
        """Non-negative stocks, upstream ones first (model order where their flows form a loop).

        A stock's drains may then count on what its upstream non-negative stocks really give.
        """
        by_key = {stock.key: (stock, ins, outs) for stock, ins, outs in self._limits}
        source = {flow: key for key, (_stock, _ins, outs) in by_key.items() for flow in outs}
        graph = {
            key: {source[f] for f in ins if f in source} - {key} for key, (_s, ins, _o) in by_key.items()
        }
        try:
            order = list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError:
            order = list(by_key)
        return [by_key[key] for key in order]

    def _limit_outflows(
        self, stock: Stock, inflows: list[str], outflows: list[str], drained: dict[str, Node]
    ) -> dict[str, Node]:
        """Internal variables for what each outflow drains (first listed, first served)."""
        level = _ref(stock.key, self.vars[stock.key].dims)
        dims = self.vars[stock.key].dims
        ins = [drained.get(k, _ref(k, self.vars[k].dims)) for k in inflows]
        room: Node = BinaryOp("+", BinaryOp("/", level, Name("dt", "DT")), _sum(ins))
        out: dict[str, Node] = {}
        for key in outflows:
            flow = self.vars[key]
            available = Call("MAX", (Number(0.0), room))
            self.counter += 1
            internal = f"{INTERNAL}drain{self.counter}"
            self.vars[internal] = CVar(
                internal,
                f"{flow.name} drained from {stock.name}",
                "flow",
                Call("MIN", (_ref(key, flow.dims), available)),
                text=flow.text,
                public=False,
                override_ok=False,
                dims=dims,
                shape=self.vars[stock.key].shape,
            )
            out[key] = _ref(internal, dims)
            room = BinaryOp("-", room, out[key])
        return out

    def _limited_rate(
        self,
        key: str,
        inflows: list[str],
        outflows: list[str],
        drained: dict[str, Node],
        own: dict[str, Node] | None,
    ) -> None:
        """A stock's rate from what its flows really move; a non-negative one never below -stock/DT."""
        cv = self.vars[key]
        rate = _sum([drained.get(k, _ref(k, self.vars[k].dims)) for k in inflows])
        for k in outflows:
            rate = BinaryOp("-", rate, own[k] if own is not None else _ref(k, self.vars[k].dims))
        if own is not None:  # a negative net inflow cannot empty it below zero either
            floor = UnaryOp("-", BinaryOp("/", _ref(key, cv.dims), Name("dt", "DT")))
            rate = Call("MAX", (rate, floor))
        cv.rate = rate

    def _check_flow_dims(self, stock: Stock, flow: Variable, direction: str) -> None:
        have, want = self.vars[flow.key].dims, self.vars[stock.key].dims
        if set(have) != set(want):

            def show(dims: tuple[str, ...]) -> str:
                return f"[{', '.join(self.dimensions[k].name for k in dims)}]" if dims else "no dimensions"

            raise DimensionError(
                f"the {direction} `{flow.name}` has {show(have)} but the stock has {show(want)}; "
                "a flow must have the same dimensions as the stocks it fills or drains",
                element=stock.name,
            )

    # --------------------------------------------------------------- names
    def _known(self) -> list[str]:
        return [v.name for v in self.vars.values() if v.public]

    def _check_names(self, cv: CVar) -> None:
        trees = [(cv.equation, cv.text), (cv.rate, cv.text)] + [
            (tree, text) for _i, tree, text in cv.elements
        ]
        for tree, text in trees:
            if tree is None:
                continue
            self._check_tree(tree, cv, text)

    def _check_tree(self, node: Node, cv: CVar, text: str | None = None) -> None:
        text = cv.text if text is None else text
        if isinstance(node, (Name, Subscript)):
            known = node.name in self.vars or node.name in {"time", "dt", "starttime", "stoptime", "pi"}
            if isinstance(node, Name) and node.name in self.dimensions and cv.dims:
                known = True  # a dimension name as a value: the position of the element
            if not known:
                if node.name in self.lookups:
                    raise FunctionArgumentError(
                        f"`{node.text}` is a graphical function; call it with an argument: `{node.text}(x)`",
                        element=cv.name,
                        equation=text,
                    )
                hint = closest(node.text, self._known())
                raise UnknownNameError(
                    f"unknown name `{node.text}`" + (f"; did you mean `{hint}`?" if hint else ""),
                    name=node.text,
                    suggestion=hint,
                    element=cv.name,
                    equation=text,
                )
            return
        if isinstance(node, Call):
            func = ALIASES.get(node.func, node.func)
            key = canonical(node.func)
            if (
                func not in BUILTINS
                and key not in self.lookups
                and not (key in self.vars and self.vars[key].lookup is not None)
            ):
                candidates = [*BUILTINS, *(t.name for t in self.lookups.values())]
                hint = closest(node.func, candidates)
                raise UnknownFunctionError(
                    f"unknown function `{node.text or node.func}`"
                    + (f"; did you mean `{hint}`?" if hint else ""),
                    name=node.func,
                    suggestion=hint,
                    element=cv.name,
                    equation=text,
                )
            if func in BUILTINS:
                spec = BUILTINS[func]
                n = len(node.args)
                if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
                    want = (
                        str(spec.min_args)
                        if spec.min_args == spec.max_args
                        else (
                            f"{spec.min_args} to {spec.max_args}"
                            if spec.max_args
                            else f"at least {spec.min_args}"
                        )
                    )
                    raise FunctionArgumentError(
                        f"{func} takes {want} argument(s), got {n}", element=cv.name, equation=text
                    )
                if func == "LOOKUP":
                    table = node.args[0]
                    if not isinstance(table, Name) or not self._is_table(table.name):
                        raise FunctionArgumentError(
                            "the first argument of LOOKUP must be the name of a graphical function",
                            element=cv.name,
                            equation=text,
                        )
                    self._check_tree(node.args[1], cv, text)
                    return
        for child in node.children():
            self._check_tree(child, cv, text)

    def _is_table(self, key: str) -> bool:
        return key in self.lookups or (key in self.vars and self.vars[key].lookup is not None)

    # ----------------------------------------------------------- expansion
    def _new_stock(self, host: CVar, func: str, initial: Node, rate_of, dims: tuple[str, ...] = ()) -> Name:
        self.counter += 1
        key = f"{INTERNAL}{func.lower()}{self.counter}"
        name = f"{func}#{self.counter} in {host.name}"
        ref = _ref(key, dims)
        shape = tuple(self.dimensions[k].size for k in dims)
        cv = CVar(
            key,
            name,
            "stock",
            initial,
            text=host.text,
            public=False,
            override_ok=False,
            dims=dims,
            shape=shape,
        )
        cv.rate = rate_of(ref)
        self.vars[key] = cv
        return ref

    def _order(self, node: Node, host: CVar, func: str) -> int:
        value = self._fold(node, host)
        if value is None or value != int(value) or value < 1:
            raise FunctionArgumentError(
                f"the order of {func} must be a constant positive integer "
                f"(got {value if value is not None else 'an expression'})",
                element=host.name,
                equation=host.text,
            )
        return int(value)

    def _fold(self, node: Node, host: CVar, depth: int = 0) -> float | None:
        """Evaluate a constant expression made of numbers and constants, or None."""
        if depth > 50:
            return None
        if isinstance(node, Number):
            return node.value
        if (
            isinstance(node, Name)
            and node.name in self.vars
            and self.vars[node.name].kind in ("constant", "aux")
        ):
            eq = self.vars[node.name].equation
            return None if eq is None else self._fold(eq, host, depth + 1)
        if isinstance(node, UnaryOp) and node.op == "-":
            v = self._fold(node.operand, host, depth + 1)
            return None if v is None else -v
        if isinstance(node, BinaryOp) and node.op in "+-*/":
            a, b = self._fold(node.left, host, depth + 1), self._fold(node.right, host, depth + 1)
            if a is None or b is None or (node.op == "/" and b == 0):
                return None
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[node.op]
        return None

    def _expand(self, node: Node, host: CVar, dims: tuple[str, ...]) -> Node:
        if isinstance(node, Call):
            args = tuple(self._expand(a, host, dims) for a in node.args)
            func = ALIASES.get(node.func, node.func)
            spec = BUILTINS.get(func)
            if spec is not None and spec.category == "stateful":
                return self._stateful(func, args, host, dims)
            if spec is not None and spec.category == "random":
                return self._random(func, args, host, dims)
            return Call(node.func, args, node.text)
        if isinstance(node, BinaryOp):
            return BinaryOp(
                node.op, self._expand(node.left, host, dims), self._expand(node.right, host, dims)
            )
        if isinstance(node, UnaryOp):
            return UnaryOp(node.op, self._expand(node.operand, host, dims))
        if isinstance(node, IfThenElse):
            return IfThenElse(
                *(self._expand(n, host, dims) for n in (node.condition, node.then, node.otherwise))
            )
        if isinstance(node, Assemble):  # each element is a scalar expression
            return Assemble(node.shape, tuple(self._expand(n, host, ()) for n in node.elements), node.labels)
        if isinstance(node, Reduce):
            inner = Reduce(node.func, self._expand(node.arg, host, (*dims, *node.labels)), node.labels)
            if any(
                isinstance(n, Call) and n.func.startswith(INTERNAL) and n.func.endswith(("DRAW", "DELAYLINE"))
                for n in walk(inner.arg)
            ):
                raise FunctionArgumentError(
                    f"random functions and DELAY cannot be used inside {node.func} over `*`; "
                    "define the arrayed value as its own variable and reduce that",
                    element=host.name,
                    equation=host.text,
                )
            return inner
        return node

    def _stateful(self, func: str, args: tuple[Node, ...], host: CVar, dims: tuple[str, ...]) -> Node:
        div = lambda a, b: BinaryOp("/", a, b)  # noqa: E731
        sub = lambda a, b: BinaryOp("-", a, b)  # noqa: E731
        mul = lambda a, b: BinaryOp("*", a, b)  # noqa: E731

        def new_stock(kind: str, initial: Node, rate_of) -> Name:
            return self._new_stock(host, kind, initial, rate_of, dims)

        if func == "INIT":
            return new_stock("INIT", args[0], lambda s: Number(0.0))
        if func in ("SMTH1", "SMTH3", "SMTHN"):
            n = {"SMTH1": 1, "SMTH3": 3}.get(func) or self._order(args[2], host, func)
            inp, avg = args[0], args[1]
            init = args[2 if func != "SMTHN" else 3] if len(args) > (2 if func != "SMTHN" else 3) else inp
            stage_time = avg if n == 1 else div(avg, Number(float(n)))
            prev = inp
            for _ in range(n):
                source = prev
                prev = new_stock(func, init, lambda s, src=source: div(sub(src, s), stage_time))
            return prev
        if func in ("DELAY1", "DELAY3", "DELAYN"):
            n = {"DELAY1": 1, "DELAY3": 3}.get(func) or self._order(args[2], host, func)
            inp, delay = args[0], args[1]
            k = 2 if func != "DELAYN" else 3
            init = args[k] if len(args) > k else inp
            stage_time = delay if n == 1 else div(delay, Number(float(n)))
            inflow = inp
            for _ in range(n):
                source = inflow
                stock = new_stock(
                    func, mul(init, stage_time), lambda s, src=source: sub(src, div(s, stage_time))
                )
                inflow = div(stock, stage_time)
            return inflow
        if func == "TREND":
            inp, avg = args[0], args[1]
            initial_trend = args[2] if len(args) > 2 else Number(0.0)
            average = new_stock(
                "TREND",
                div(inp, BinaryOp("+", Number(1.0), mul(initial_trend, avg))),
                lambda s: div(sub(inp, s), avg),
            )
            return Call("SAFEDIV", (sub(inp, average), mul(average, avg)))
        if func == "DELAY":
            inp, delay = args[0], args[1]
            initial = args[2] if len(args) > 2 else new_stock("INIT", inp, lambda s: Number(0.0))
            index = len(self.delay_inputs)
            self.delay_inputs.append((inp, host, dims))
            return Call(f"{INTERNAL}DELAYLINE", (Number(float(index)), delay, initial))
        raise FunctionArgumentError(
            f"{func} is not supported by this version of the compiler yet",
            element=host.name,
            equation=host.text,
        )

    def _draw(self, kind: str, seed: Node | None, host: CVar, func: str, dims: tuple[str, ...] = ()) -> Node:
        fixed = None
        if seed is not None:
            value = self._fold(seed, host)
            if value is None or value != int(value):
                raise FunctionArgumentError(
                    f"the seed argument of {func} must be a constant integer",
                    element=host.name,
                    equation=host.text,
                )
            fixed = int(value)
        shape = tuple(self.dimensions[k].size for k in dims)
        self.random_sites.append((kind, fixed, shape))
        return Call(f"{INTERNAL}DRAW", (Number(float(len(self.random_sites) - 1)),))

    def _random(self, func: str, args: tuple[Node, ...], host: CVar, dims: tuple[str, ...]) -> Node:
        """Turn a random function into a transform of a standard draw held for one DT."""
        add = lambda a, b: BinaryOp("+", a, b)  # noqa: E731
        sub = lambda a, b: BinaryOp("-", a, b)  # noqa: E731
        mul = lambda a, b: BinaryOp("*", a, b)  # noqa: E731
        div = lambda a, b: BinaryOp("/", a, b)  # noqa: E731
        call = lambda f, *a: Call(f, tuple(a))  # noqa: E731
        n_params = {
            "RANDOM": 2,
            "UNIFORM": 2,
            "NORMAL": 2,
            "LOGNORMAL": 2,
            "EXPRND": 1,
            "POISSON": 1,
            "TRIANGULAR": 3,
        }
        k = n_params[func]
        seed = args[k] if len(args) > k else None
        if func in ("RANDOM", "UNIFORM"):
            u = self._draw("uniform", seed, host, func, dims)
            return add(args[0], mul(sub(args[1], args[0]), u))
        if func == "NORMAL":
            return add(args[0], mul(args[1], self._draw("normal", seed, host, func, dims)))
        if func == "LOGNORMAL":
            mean, sd = args
            sigma2 = call("LN", add(Number(1.0), BinaryOp("^", div(sd, mean), Number(2.0))))
            mu = sub(call("LN", mean), div(sigma2, Number(2.0)))
            return call(
                "EXP", add(mu, mul(call("SQRT", sigma2), self._draw("normal", seed, host, func, dims)))
            )
        if func == "EXPRND":
            u = self._draw("uniform", seed, host, func, dims)
            return mul(UnaryOp("-", args[0]), call("LN", sub(Number(1.0), u)))
        if func == "POISSON":
            return Call(f"{INTERNAL}POISSON", (args[0], self._draw("uniform", seed, host, func, dims)))
        lo, mode, hi = args  # TRIANGULAR, by its inverse distribution function
        u = self._draw("uniform", seed, host, func, dims)
        cut = div(sub(mode, lo), sub(hi, lo))
        left = add(lo, call("SQRT", mul(u, mul(sub(hi, lo), sub(mode, lo)))))
        right = sub(hi, call("SQRT", mul(sub(Number(1.0), u), mul(sub(hi, lo), sub(hi, mode)))))
        return IfThenElse(BinaryOp("<", u, cut), left, right)


@dataclass
class Lowered:
    """What lowering produces: the variables, random call sites and fixed-delay inputs.

    Examples
    --------
    >>> from sysdyn import Model
    >>> m = Model("m", stop=3); m.stock("S", 1, inflows=["f"])
    >>> m.flow("f", "UNIFORM(0, 1) + DELAY_FIXED(S, 1, 0)")
    >>> lowered = lower(m.definition)
    >>> lowered.random_sites, len(lowered.delay_inputs)
    ([('uniform', None, ())], 1)
    """

    cvars: list[CVar]
    random_sites: list[tuple[str, int | None, tuple[int, ...]]]
    delay_inputs: list[tuple[Node, CVar, tuple[str, ...]]]
    dimensions: dict[str, Dimension] = field(default_factory=dict)


def lower(definition: ModelDefinition) -> Lowered:
    """Lower a model definition to the compiler's variables (see module docstring).

    Examples
    --------
    >>> from sysdyn import Model
    >>> m = Model("m"); m.stock("S", 1, inflows=["f"]); m.flow("f", "SMTH1(S, 2)")
    >>> [v.kind for v in lower(m.definition).cvars]
    ['stock', 'flow', 'stock']
    """
    lowerer = _Lowerer(definition)
    cvars = lowerer.run()
    return Lowered(cvars, lowerer.random_sites, lowerer.delay_inputs, lowerer.dimensions)


def _count(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _positions(shape: tuple[int, ...]):
    """Every element position of ``shape``, row-major."""
    return itertools.product(*(range(n) for n in shape))
