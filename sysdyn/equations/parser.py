"""The parser of the equation language: text to expression tree.

Binary operators are parsed by operator precedence (shunting yard) inside
one function, so Python recursion only grows with real nesting:
parentheses, function arguments and ``IF`` parts.  That nesting, and the
depth of the resulting tree, are both capped at :data:`MAX_DEPTH`, so neither
the parser nor a recursive walk over its result can hit ``RecursionError``.

Operator precedence, lowest first::

    IF ... THEN ... ELSE ...
    OR  ||
    AND &&
    =  <>  (also == and !=)
    <  <=  >  >=
    +  -
    *  /  MOD  %
    unary  +  -  NOT  !
    ^        (right-associative as XMILE 1.0 section 3.3.1 says: a^b^c is a^(b^c);
             the exponent may carry a sign: 2^-1, 2^-b^c is 2^(-(b^c)))
    f(...)  x[...]

Examples
--------
>>> parse("-2^2")
UnaryOp(op='-', operand=BinaryOp(op='^', left=Number(value=2.0), right=Number(value=2.0)))
"""

from __future__ import annotations

from functools import lru_cache

from sysdyn.equations.lexer import Token, tokenize
from sysdyn.equations.nodes import (
    BinaryOp,
    Call,
    IfThenElse,
    Name,
    Node,
    Number,
    Star,
    Subscript,
    UnaryOp,
)
from sysdyn.errors import EquationSyntaxError, ForbiddenExpressionError
from sysdyn.names import canonical

__all__ = ["parse", "MAX_DEPTH", "MAX_LENGTH", "IF_THEN_ELSE_FUNCTION"]

#: Most levels of nesting (parentheses, calls, IF) and of tree depth an equation may have.
MAX_DEPTH = 200
#: Longest equation accepted, in characters.
MAX_LENGTH = 100_000
#: Canonical function name of the function form of IF (``IF_THEN_ELSE(c, a, b)``).
IF_THEN_ELSE_FUNCTION = "IF THEN ELSE"

_BINARY_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "=": 3,
    "<>": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "mod": 6,
}
_UNARY = frozenset({"+", "-", "not"})
_OPERAND = "a number, a name, a function call, '(', a unary operator or IF"


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the equation"
    if token.kind == "number":
        return f"the number {token.text}"
    if token.kind == "name":
        return f"the name {token.text}"
    if token.kind == "keyword" or (token.kind == "op" and token.text.isalpha()):
        return f"the keyword {token.text.upper()}"
    return f"'{token.text}'"


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers -------------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, position: int | None) -> EquationSyntaxError:
        return EquationSyntaxError(message, position=position, equation=self.text)

    def fail(self, expected: str, token: Token, hint: str = "") -> EquationSyntaxError:
        if token.kind == ":":
            return ForbiddenExpressionError(
                "':' is not part of the equation language except in a subscript wildcard such as x[*:dim]",
                position=token.position,
                equation=self.text,
            )
        return self.error(f"expected {expected}, found {_describe(token)}{hint}", token.position)

    def expect(self, kind: str, expected: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            raise self.fail(expected, token)
        return self.advance()

    def is_op(self, *values: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.value in values

    # -- grammar -------------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty equation", 0)
        node = self.expression(0)
        token = self.peek()
        if token.kind in (")", "]"):
            opening = "(" if token.kind == ")" else "["
            raise self.error(f"found '{token.kind}' without a matching '{opening}'", token.position)
        if token.kind != "end":
            raise self.fail("an operator or the end of the equation", token)
        _check_tree_depth(node, self)
        return node

    def expression(self, depth: int) -> Node:
        """Parse operands joined by binary operators (shunting yard)."""
        if depth > MAX_DEPTH:
            raise self.error(
                f"the equation is nested too deeply (more than {MAX_DEPTH} levels of parentheses, "
                "function calls or IF); split it into auxiliary variables",
                self.peek().position,
            )
        operands = [self.operand(depth)]
        operators: list[str] = []
        while self.is_op(*_BINARY_PRECEDENCE):
            op = self.advance().value
            assert isinstance(op, str)
            while operators and _BINARY_PRECEDENCE[operators[-1]] >= _BINARY_PRECEDENCE[op]:
                right = operands.pop()
                operands.append(BinaryOp(operators.pop(), operands.pop(), right))
            operators.append(op)
            operands.append(self.operand(depth))
        while operators:
            right = operands.pop()
            operands.append(BinaryOp(operators.pop(), operands.pop(), right))
        return operands[0]

    def signs(self) -> list[str]:
        signs: list[str] = []
        while self.is_op(*_UNARY):
            signs.append(str(self.advance().value))
        return signs

    def operand(self, depth: int) -> Node:
        """Parse ``[unary ops] primary [^ [unary ops] primary]...``, ``^`` grouping to the right.

        The chain is read in a loop and folded from its right end, so a long
        chain costs no Python recursion.
        """
        signs = self.signs()
        node = self.primary(depth)
        chain: list[tuple[list[str], Node]] = []
        while self.is_op("^"):
            self.advance()
            exponent_signs = self.signs()
            chain.append((exponent_signs, self.primary(depth)))
        exponent: Node | None = None
        for exponent_signs, base in reversed(chain):
            exponent = base if exponent is None else BinaryOp("^", base, exponent)
            for sign in reversed(exponent_signs):
                exponent = UnaryOp(sign, exponent)
        if exponent is not None:
            node = BinaryOp("^", node, exponent)
        for sign in reversed(signs):
            node = UnaryOp(sign, node)
        return node

    def primary(self, depth: int) -> Node:
        token = self.peek()
        if token.kind == "number":
            self.advance()
            assert isinstance(token.value, float)
            return Number(token.value)
        if token.kind == "(":
            self.advance()
            inner = self.expression(depth + 1)
            closing = self.peek()
            if closing.kind != ")":
                raise self.fail(f"')' to close the '(' at position {token.position}", closing)
            self.advance()
            return inner
        if token.kind == "keyword" and token.value == "if":
            self.advance()
            condition = self.expression(depth + 1)
            self.expect_keyword("then", f"THEN after the condition of the IF at position {token.position}")
            then = self.expression(depth + 1)
            self.expect_keyword("else", f"ELSE after the THEN branch of the IF at position {token.position}")
            return IfThenElse(condition, then, self.expression(depth + 1))
        if token.kind == "name":
            self.advance()
            text = str(token.value)
            if self.peek().kind == "(":
                return self.call(token, depth)
            if self.peek().kind == "[":
                return Subscript(canonical(text), text, self.indices(token))
            return Name(canonical(text), text)
        raise self.fail(_OPERAND, token)

    def expect_keyword(self, keyword: str, expected: str) -> None:
        token = self.peek()
        if token.kind != "keyword" or token.value != keyword:
            raise self.fail(expected, token)
        self.advance()

    def call(self, name: Token, depth: int) -> Node:
        opening = self.advance()
        text = str(name.value)
        func = canonical(text).upper()
        args: list[Node] = []
        if self.peek().kind == ")":
            self.advance()
        else:
            while True:
                if self.peek().kind in (",", ")"):
                    raise self.fail(f"an argument of {text}", self.peek())
                args.append(self.expression(depth + 1))
                token = self.advance()
                if token.kind == ")":
                    break
                if token.kind != ",":
                    where = f"the arguments of {text} (opened at position {opening.position})"
                    raise self.fail(f"',' or ')' in {where}", token)
        if func == IF_THEN_ELSE_FUNCTION:
            if len(args) != 3:
                raise self.error(
                    f"{text} takes 3 arguments (condition, value if true, value if false), got {len(args)}",
                    name.position,
                )
            return IfThenElse(*args)
        return Call(func, tuple(args), text)

    def indices(self, name: Token) -> tuple[Node, ...]:
        opening = self.advance()
        where = f"in the subscript of {name.value} (opened at position {opening.position})"
        indices: list[Node] = []
        while True:
            token = self.advance()
            if token.kind == "name":
                indices.append(Name(canonical(str(token.value)), str(token.value)))
            elif token.kind == "number" and token.text.isdigit():
                indices.append(Number(float(token.text)))
            elif token.kind == "op" and token.value == "*":
                if self.peek().kind == ":":
                    self.advance()
                    dimension = self.expect("name", f"a dimension name after '*:' {where}")
                    indices.append(Star(canonical(str(dimension.value))))
                else:
                    indices.append(Star())
            else:
                raise self.fail(f"a dimension name, an element name, a whole number or '*' {where}", token)
            token = self.advance()
            if token.kind == "]":
                return tuple(indices)
            if token.kind != ",":
                hint = "; subscripts are names, whole numbers or '*' (no arithmetic inside [...])"
                raise self.fail(f"',' or ']' {where}", token, hint)


def _check_tree_depth(root: Node, parser: _Parser) -> None:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise parser.error(
                f"the expression is too deep (more than {MAX_DEPTH} levels of operators and calls); "
                "split it into auxiliary variables",
                0,
            )
        stack.extend((child, depth + 1) for child in node.children())


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise EquationSyntaxError(
            f"the equation is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
            equation=text[:60] + "...",
        )
    return _Parser(text).parse()


def parse(text: str, *, element: str | None = None) -> Node:
    """Parse an equation into an expression tree.

    Parameters
    ----------
    text : str
        The equation, in the XMILE / Stella expression language.
    element : str, optional
        The model element the equation belongs to; it is put on any error
        raised.

    Returns
    -------
    Node
        The (immutable) tree; see :mod:`sysdyn.equations.nodes`.  Results are
        cached by text, so parsing the same equation twice is cheap.

    Raises
    ------
    ForbiddenExpressionError
        If the text contains program-code constructs (attribute access,
        dunder names, ``lambda``, ``import``, ``'strings'``, ``;``...).
    EquationSyntaxError
        For any other text that is not a valid equation.  ``position`` is
        the 0-based offset of the problem and ``equation`` the text.

    Examples
    --------
    >>> parse("IF Go THEN 1 ELSE Memory_Time")
    IfThenElse(condition=Name(name='go', text='Go'), then=Number(value=1.0), \
otherwise=Name(name='memory time', text='Memory_Time'))
    >>> parse('"Effect of X"(x[*:Region])').func
    'EFFECT OF X'
    >>> try:
    ...     parse("a +", element="Stock")
    ... except EquationSyntaxError as err:
    ...     print(err.element, err.position)
    ...     print(err.message)
    Stock 3
    expected a number, a name, a function call, '(', a unary operator or IF, found the end of the equation
    """
    if not isinstance(text, str):
        raise TypeError(f"an equation must be a str, not {type(text).__name__}")
    try:
        return _parse_cached(text)
    except EquationSyntaxError as err:
        if element is None:
            raise
        raise type(err)(err.message, position=err.position, element=element, equation=err.equation) from None
