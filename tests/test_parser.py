"""Tests of the equation lexer and parser (sysdyn.equations)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sysdyn.equations import (
    MAX_DEPTH,
    MAX_LENGTH,
    BinaryOp,
    Call,
    IfThenElse,
    Name,
    Node,
    Number,
    Star,
    Subscript,
    UnaryOp,
    names_in,
    parse,
)
from sysdyn.equations.lexer import FORBIDDEN_WORDS, tokenize
from sysdyn.errors import EquationSyntaxError, ForbiddenExpressionError
from sysdyn.names import canonical


def N(text: str) -> Name:
    return Name(canonical(text), text)


def num(value: float) -> Number:
    return Number(float(value))


def B(op: str, left: Node, right: Node) -> BinaryOp:
    return BinaryOp(op, left, right)


a, b, c, d, e, f, g, h = (N(x) for x in "abcdefgh")


# ---------------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3.0),
        ("3.5", 3.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e-3", 0.001),
        ("2.5E+4", 25000.0),
        ("1E3", 1000.0),
        ("0", 0.0),
        ("007", 7.0),
        ("1.e2", 100.0),
        (".5e1", 5.0),
        ("  42  ", 42.0),
    ],
)
def test_number_forms(text, value):
    node = parse(text)
    assert node == Number(value)
    assert isinstance(node.value, float)


@pytest.mark.parametrize(
    "text, match",
    [
        ("2x", r"malformed number '2x'"),
        ("1e", r"malformed number '1e'"),
        ("1e+", r"malformed number '1e'"),
        ("1.2.3", r"malformed number '1.2.3'"),
        ("1..5", r"malformed number"),
        ("1e999", r"number '1e999' is too large"),
    ],
)
def test_bad_numbers(text, match):
    with pytest.raises(EquationSyntaxError, match=match) as info:
        parse(text)
    assert info.value.position == 0


# ---------------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, name, written",
    [
        ("x", "x", "x"),
        ("Learning_Rate", "learning rate", "Learning_Rate"),
        ("Learning__rate", "learning rate", "Learning__rate"),
        ("_x", "x", "_x"),
        ("$cost", "$cost", "$cost"),
        ("x1_2", "x1 2", "x1_2"),
        ("TIME", "time", "TIME"),
        ("DT", "dt", "DT"),
        ("Pi", "pi", "Pi"),
        ("Größe", "größe", "Größe"),
        ("人口", "人口", "人口"),
        ('"memory time"', "memory time", "memory time"),
        ('"Memory   Time"', "memory time", "Memory   Time"),
        ('"memory_time"', "memory time", "memory_time"),
        ('"memory\ntime"', "memory time", "memory\ntime"),
        ('"memory\\ntime"', "memory time", "memory\\ntime"),
        ('"say \\"hi\\""', 'say "hi"', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash", "back\\slash"),
        ('"a+b (c) {d} [e]"', "a+b (c) {d} [e]", "a+b (c) {d} [e]"),
        ('"if"', "if", "if"),
        ('"yield"', "yield", "yield"),
        ('"it\'s"', "it's", "it's"),
        ('"a.b"', "a.b", "a.b"),
    ],
)
def test_names(text, name, written):
    assert parse(text) == Name(name, written)


def test_name_spellings_share_canonical_name():
    assert parse("Memory_Time").name == parse('"memory time"').name == parse('"MEMORY  time"').name


@pytest.mark.parametrize(
    "text, match",
    [
        ('"abc', r"unterminated quoted name"),
        ('""', r"not a valid name"),
        ('"  _ "', r"not a valid name"),
        ("_", r"'_' is not a valid name"),
        ('"a\\tb"', r"unknown escape '\\t' in a quoted name"),
    ],
)
def test_bad_names(text, match):
    with pytest.raises(EquationSyntaxError, match=match):
        parse(text)


def test_keywords_are_case_insensitive():
    expected = IfThenElse(B("and", a, UnaryOp("not", b)), num(1), B("mod", c, d))
    for text in [
        "IF a AND NOT b THEN 1 ELSE c MOD d",
        "if a and not b then 1 else c mod d",
        "If a And Not b Then 1 Else c Mod d",
    ]:
        assert parse(text) == expected


# ---------------------------------------------------------------------------------------------------
# operators, precedence and associativity
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, tree",
    [
        ("a + b * c", B("+", a, B("*", b, c))),
        ("a * b + c", B("+", B("*", a, b), c)),
        ("(a + b) * c", B("*", B("+", a, b), c)),
        ("a - b - c", B("-", B("-", a, b), c)),
        ("a / b / c", B("/", B("/", a, b), c)),
        ("a / b * c", B("*", B("/", a, b), c)),
        ("a - b + c", B("+", B("-", a, b), c)),
        ("a ^ b ^ c", B("^", a, B("^", b, c))),  # right to left (XMILE 1.0 section 3.3.1)
        ("(a ^ b) ^ c", B("^", B("^", a, b), c)),
        ("a ^ (b ^ c)", B("^", a, B("^", b, c))),
        ("-a ^ b", UnaryOp("-", B("^", a, b))),
        ("-2^2", UnaryOp("-", B("^", num(2), num(2)))),
        ("(-2)^2", B("^", UnaryOp("-", num(2)), num(2))),
        ("2^-1", B("^", num(2), UnaryOp("-", num(1)))),
        ("2^+1", B("^", num(2), UnaryOp("+", num(1)))),
        ("2^-1^2", B("^", num(2), UnaryOp("-", B("^", num(1), num(2))))),
        ("-a^-b^c", UnaryOp("-", B("^", a, UnaryOp("-", B("^", b, c))))),
        ("a * b ^ c", B("*", a, B("^", b, c))),
        ("-a * b", B("*", UnaryOp("-", a), b)),
        ("a * -b", B("*", a, UnaryOp("-", b))),
        ("a - -b", B("-", a, UnaryOp("-", b))),
        ("--a", UnaryOp("-", UnaryOp("-", a))),
        ("+a", UnaryOp("+", a)),
        ("NOT NOT a", UnaryOp("not", UnaryOp("not", a))),
        ("NOT a = b", B("=", UnaryOp("not", a), b)),
        ("NOT (a = b)", UnaryOp("not", B("=", a, b))),
        ("!a", UnaryOp("not", a)),
        ("a MOD b * c", B("*", B("mod", a, b), c)),
        ("a + b MOD c", B("+", a, B("mod", b, c))),
        ("a % b", B("mod", a, b)),
        ("a + b < c * d", B("<", B("+", a, b), B("*", c, d))),
        ("a < b = c > d", B("=", B("<", a, b), B(">", c, d))),
        ("a = b = c", B("=", B("=", a, b), c)),
        ("a <> b", B("<>", a, b)),
        ("a != b", B("<>", a, b)),
        ("a == b", B("=", a, b)),
        ("a <= b", B("<=", a, b)),
        ("a >= b", B(">=", a, b)),
        ("a < b AND c > d", B("and", B("<", a, b), B(">", c, d))),
        ("a OR b AND c", B("or", a, B("and", b, c))),
        ("a AND b OR c", B("or", B("and", a, b), c)),
        ("a && b || c", B("or", B("and", a, b), c)),
        ("a OR b OR c", B("or", B("or", a, b), c)),
        ("a = b AND c <> d", B("and", B("=", a, b), B("<>", c, d))),
        (
            "a OR b AND c = d < e + f * g ^ h",
            B("or", a, B("and", b, B("=", c, B("<", d, B("+", e, B("*", f, B("^", g, h))))))),
        ),
        (
            "a ^ b * c + d < e = f AND g OR h",
            B("or", B("and", B("=", B("<", B("+", B("*", B("^", a, b), c), d), e), f), g), h),
        ),
        ("((a))", a),
        ("-f(a)^2", UnaryOp("-", B("^", Call("F", (a,), "f"), num(2)))),
        ("x[i]^2", B("^", Subscript("x", "x", (N("i"),)), num(2))),
    ],
)
def test_precedence_and_associativity(text, tree):
    assert parse(text) == tree


# ---------------------------------------------------------------------------------------------------
# IF THEN ELSE
# ---------------------------------------------------------------------------------------------------
def test_if_then_else():
    assert parse("IF a > 1 THEN b ELSE c") == IfThenElse(B(">", a, num(1)), b, c)


def test_if_nesting_in_else():
    assert parse("IF a THEN b ELSE IF c THEN d ELSE e") == IfThenElse(a, b, IfThenElse(c, d, e))


def test_if_nesting_in_condition_and_then():
    tree = parse("IF IF a THEN b ELSE c THEN IF d THEN e ELSE f ELSE g")
    assert tree == IfThenElse(IfThenElse(a, b, c), IfThenElse(d, e, f), g)


def test_if_has_lowest_precedence():
    assert parse("IF a THEN b ELSE c + 1") == IfThenElse(a, b, B("+", c, num(1)))
    assert parse("IF a OR b THEN c * 2 ELSE d") == IfThenElse(B("or", a, b), B("*", c, num(2)), d)


def test_if_as_operand_extends_to_the_right():
    assert parse("1 + IF a THEN b ELSE c + 2") == B("+", num(1), IfThenElse(a, b, B("+", c, num(2))))
    assert parse("(IF a THEN b ELSE c) + 2") == B("+", IfThenElse(a, b, c), num(2))
    assert parse("-IF a THEN b ELSE c") == UnaryOp("-", IfThenElse(a, b, c))


def test_if_inside_call_arguments():
    assert parse("MAX(IF a THEN 1 ELSE 2, 3)") == Call("MAX", (IfThenElse(a, num(1), num(2)), num(3)), "MAX")


@pytest.mark.parametrize("text", ["IF_THEN_ELSE(a, b, c)", "if_then_else(a,b,c)", "If_Then_Else (a, b, c)"])
def test_function_form_of_if(text):
    assert parse(text) == IfThenElse(a, b, c)


@pytest.mark.parametrize(
    "text, count", [("IF_THEN_ELSE(a, b)", 2), ("IF_THEN_ELSE(a, b, c, d)", 4), ("IF_THEN_ELSE()", 0)]
)
def test_function_form_of_if_needs_three_arguments(text, count):
    with pytest.raises(EquationSyntaxError, match=rf"IF_THEN_ELSE takes 3 arguments .*got {count}"):
        parse(text)


# ---------------------------------------------------------------------------------------------------
# calls and subscripts
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, tree",
    [
        ("MAX(a, b)", Call("MAX", (a, b), "MAX")),
        ("max(a, b)", Call("MAX", (a, b), "max")),
        ("RANDOM()", Call("RANDOM", (), "RANDOM")),
        ("RANDOM( )", Call("RANDOM", (), "RANDOM")),
        ("SMTH1 (a, 3)", Call("SMTH1", (a, num(3)), "SMTH1")),
        ("delay_fixed(a, b, 0)", Call("DELAY FIXED", (a, b, num(0)), "delay_fixed")),
        ('"effect of x"(a)', Call("EFFECT OF X", (a,), "effect of x")),
        ("f(g(a), -b)", Call("F", (Call("G", (a,), "g"), UnaryOp("-", b)), "f")),
        ("open(1)", Call("OPEN", (num(1),), "open")),
        ("SUM(x[*])", Call("SUM", (Subscript("x", "x", (Star(),)),), "SUM")),
    ],
)
def test_calls(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    "text, indices",
    [
        ("x[dim]", (N("dim"),)),
        ("x[Dim_1, Elem2]", (N("Dim_1"), N("Elem2"))),
        ("x[1]", (num(1),)),
        ("x[ 12 ]", (num(12),)),
        ("x[*]", (Star(),)),
        ("x[*:Region]", (Star("region"),)),
        ("x[* : Region]", (Star("region"),)),
        ('x[*:"sales region"]', (Star("sales region"),)),
        ('x["north east", 2, *]', (Name("north east", "north east"), num(2), Star())),
    ],
)
def test_subscripts(text, indices):
    assert parse(text) == Subscript("x", "x", indices)


def test_quoted_subscripted_name():
    assert parse('"Sales Force"[Region]') == Subscript("sales force", "Sales Force", (N("Region"),))


@pytest.mark.parametrize(
    "text, match",
    [
        ("x[a+1]", r"expected ',' or ']' in the subscript of x .*found '\+'.*no arithmetic"),
        ("x[]", r"expected a dimension name, an element name, a whole number or '\*'.*found '\]'"),
        ("x[a,]", r"expected a dimension name.*found '\]'"),
        ("x[1.5]", r"expected a dimension name.*found the number 1.5"),
        ("x[-1]", r"expected a dimension name.*found '-'"),
        ("x[f(a)]", r"expected ',' or '\]' in the subscript of x.*found '\('"),
        ("x[a", r"expected ',' or '\]' in the subscript of x \(opened at position 1\), found the end"),
        ("x[*:]", r"expected a dimension name after '\*:'.*found '\]'"),
        ("x[a][b]", r"expected an operator or the end of the equation, found '\['"),
    ],
)
def test_bad_subscripts(text, match):
    with pytest.raises(EquationSyntaxError, match=match):
        parse(text)


def test_names_in_uses_parse_output():
    assert names_in(parse("a * b[d1] + MAX(c, 1) + x[*:Region]")) == {"a", "b", "c", "x"}


# ---------------------------------------------------------------------------------------------------
# whitespace and comments
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "a+b*c",
        "  a  +  b  *  c  ",
        "a\n+\tb\r\n*\n c",
        "{first} a + {second} b * c {last}",
        "a + {multi\nline {not nested} b * c",
        "{ } a{}+{}b{}*{}c",
    ],
)
def test_whitespace_and_comments(text):
    assert parse(text) == B("+", a, B("*", b, c))


def test_multiline_if():
    assert parse("IF a\nTHEN\n  b\nELSE\n  c") == IfThenElse(a, b, c)


# ---------------------------------------------------------------------------------------------------
# syntax errors
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, match, position",
    [
        ("", r"empty equation", 0),
        ("   \n\t", r"empty equation", 0),
        ("{just a comment}", r"empty equation", 0),
        ("(a + b", r"expected '\)' to close the '\(' at position 0, found the end of the equation", 6),
        ("((a)", r"expected '\)' to close the '\(' at position 0", 4),
        ("a + b)", r"found '\)' without a matching '\('", 5),
        ("a]", r"found '\]' without a matching '\['", 1),
        ("()", r"expected a number, a name, .* found '\)'", 1),
        (
            "a +",
            r"expected a number, a name, a function call, '\(', a unary operator or IF, found the end",
            3,
        ),
        ("a * / b", r"expected a number, .*found '/'", 4),
        ("* a", r"expected a number, .*found '\*'", 0),
        ("a b", r"expected an operator or the end of the equation, found the name b", 2),
        ("2 3", r"expected an operator or the end of the equation, found the number 3", 2),
        ("(a) (b)", r"expected an operator or the end of the equation, found '\('", 4),
        ('a "b"', r"found the name \"b\"", 2),
        ("a @ b", r"unexpected character '@'", 2),
        ("a & b", r"unexpected character '&' \(use AND or &&\)", 2),
        ("a | b", r"unexpected character '\|' \(use OR or \|\|\)", 2),
        ("a ~ b", r"unexpected character '~'", 2),
        ("a ? b", r"unexpected character '\?'", 2),
        ("a # b", r"unexpected character '#'", 2),
        ("3 . 4", r"unexpected '\.'", 2),
        ("IF a > 1", r"expected THEN after the condition of the IF at position 0, found the end", 8),
        ("IF a b", r"expected THEN after the condition of the IF at position 0, found the name b", 5),
        ("IF a THEN b", r"expected ELSE after the THEN branch of the IF at position 0, found the end", 11),
        ("IF a THEN b c", r"expected ELSE .*found the name c", 12),
        ("IF THEN a ELSE b", r"expected a number.*found the keyword THEN", 3),
        ("a THEN b", r"expected an operator or the end of the equation, found the keyword THEN", 2),
        ("ELSE", r"found the keyword ELSE", 0),
        ("a AND", r"expected a number.*found the end", 5),
        ("a = = b", r"expected a number.*found '='", 4),
        ("a === b", r"expected a number.*found '='", 4),
        ("f(,)", r"expected an argument of f, found ','", 2),
        ("f(a,)", r"expected an argument of f, found '\)'", 4),
        ("f(a,,b)", r"expected an argument of f, found ','", 4),
        (
            "f(a b)",
            r"expected ',' or '\)' in the arguments of f \(opened at position 1\), found the name b",
            4,
        ),
        ("f(a", r"expected ',' or '\)' in the arguments of f .*found the end", 3),
        ("{ unclosed", r"unterminated comment", 0),
        ("a } b", r"found '\}' without a matching '\{'", 2),
        ("MOD(a, b)", r"expected a number.*found the keyword MOD", 0),
    ],
)
def test_syntax_errors(text, match, position):
    with pytest.raises(EquationSyntaxError, match=match) as info:
        parse(text)
    err = info.value
    assert not isinstance(err, ForbiddenExpressionError)
    assert err.position == position
    assert err.equation == text
    assert err.element is None


def test_errors_carry_element_even_when_cached():
    for _ in range(2):  # second call goes through the cache path
        parse("a + b")
        with pytest.raises(EquationSyntaxError, match=r"found the end of the equation") as info:
            parse("a +", element="Population")
        assert info.value.element == "Population"
        assert info.value.equation == "a +"
        assert "in `Population`" in str(info.value)
    with pytest.raises(EquationSyntaxError, match=r"found the end") as info:
        parse("a +", element="Other")
    assert info.value.element == "Other"
    with pytest.raises(ForbiddenExpressionError, match=r"attribute access") as forbidden:
        parse("a.b", element="X")
    assert forbidden.value.element == "X"


def test_error_message_points_at_position():
    with pytest.raises(EquationSyntaxError, match=r"found the name b") as info:
        parse("a b")
    assert str(info.value).endswith("    a b\n      ^")


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match=r"must be a str"):
        parse(3)  # type: ignore[arg-type]


def test_parse_is_cached_and_returns_equal_trees():
    assert parse("a + b * 2") is parse("a + b * 2")
    assert parse("a + b * 2", element="x") == parse("a+b*2")


# ---------------------------------------------------------------------------------------------------
# hostile input
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, match",
    [
        (
            "__import__('os').system('ls')",
            r"names starting with '__' \(such as '__import__'\) are not allowed",
        ),
        ("open('f').read()", r"single-quoted strings are not part of the equation language"),
        ('open("f").read()', r"attribute access \('\.'\) is not part of the equation language"),
        ("x.__class__", r"attribute access \('\.'\) is not part of the equation language"),
        ("x.y", r"attribute access"),
        ("f().y", r"attribute access"),
        ("x[1].y", r"attribute access"),
        ("(a).b", r"attribute access"),
        ("a + .b", r"attribute access"),
        ("(lambda: 1)()", r"'lambda' is a programming-language keyword"),
        ("lambda x: x", r"'lambda' is a programming-language keyword"),
        ("import os", r"'import' is a programming-language keyword"),
        ("IMPORT os", r"'IMPORT' is a programming-language keyword"),
        ("a + __class__", r"names starting with '__'"),
        ("__builtins__", r"names starting with '__'"),
        ("__x", r"names starting with '__'"),
        ('"__import__"(1)', r"names starting with '__'"),
        ("a: b", r"':' is not part of the equation language except in a subscript wildcard"),
        ("x[a:b]", r"':' is not part of the equation language"),
        ("f(a:1)", r"':' is not part of the equation language"),
        ("a; b", r"';' is not part of the equation language"),
        ("a \\ b", r"a backslash is only allowed inside a double-quoted name"),
        ("'os'", r"single-quoted strings"),
        ("`ls`", r"backquotes are not part of the equation language"),
        ("getattr(x, 'y')", r"single-quoted strings"),
        ("[x for x in y]", r"'for' is a programming-language keyword"),
        ("eval(1)", r"'eval' is a programming-language keyword"),
        ("exec(1)", r"'exec' is a programming-language keyword"),
        ("yield", r"'yield' is a programming-language keyword.*write it in double quotes"),
        ("def f(): return 1", r"'def' is a programming-language keyword"),
        ("class A: pass", r"'class' is a programming-language keyword"),
        ("while 1", r"'while' is a programming-language keyword"),
        ("a from b", r"'from' is a programming-language keyword"),
        ("global x", r"'global' is a programming-language keyword"),
        ("with x", r"'with' is a programming-language keyword"),
        ("return x", r"'return' is a programming-language keyword"),
    ],
)
def test_hostile_input_is_forbidden(text, match):
    with pytest.raises(ForbiddenExpressionError, match=match) as info:
        parse(text, element="hostile")
    assert info.value.element == "hostile"
    assert info.value.equation == text
    assert 0 <= info.value.position < len(text)


@pytest.mark.parametrize(
    "text",
    ["a if b else c", "[1, 2]", "{'a': 1}", "f(x)(y)", "x[0](1)", "1 +* 2", "print 'x'", "os.system", "a, b"],
)
def test_other_python_code_is_a_syntax_error(text):
    with pytest.raises(
        EquationSyntaxError, match=r"expected|not part|found|unexpected|attribute|empty equation"
    ):
        parse(text)


@pytest.mark.parametrize("word", sorted(FORBIDDEN_WORDS))
def test_every_forbidden_word_is_rejected_but_allowed_quoted(word):
    with pytest.raises(ForbiddenExpressionError, match=rf"'{word}' is a programming-language keyword"):
        parse(f"1 + {word}")
    assert parse(f'1 + "{word}"') == B("+", num(1), Name(word, word))
    assert parse(f"{word}_rate") == Name(f"{word} rate", f"{word}_rate")


def test_dunder_like_names_that_are_fine():
    assert parse("a__b") == Name("a b", "a__b")
    assert parse("x__") == Name("x", "x__")
    assert parse("_private") == Name("private", "_private")


# ---------------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------------
def test_nesting_at_the_cap_is_fine():
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == N("x")
    deep_calls = parse("f(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    assert isinstance(deep_calls, Call)
    assert parse("-" * MAX_DEPTH + "x") == parse("-" * MAX_DEPTH + "x ")
    assert isinstance(parse("+".join(["a"] * (MAX_DEPTH + 1))), BinaryOp)


@pytest.mark.parametrize(
    "text, match",
    [
        ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), r"nested too deeply \(more than 200 levels"),
        ("f(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), r"nested too deeply"),
        ("IF " * (MAX_DEPTH + 1) + "x" + " THEN 1 ELSE 2" * (MAX_DEPTH + 1), r"nested too deeply"),
        ("(" * 50_000, r"nested too deeply"),
        ("-" * (MAX_DEPTH + 1) + "x", r"expression is too deep \(more than 200 levels"),
        ("-" * 50_000 + "x", r"expression is too deep"),
        ("+".join(["a"] * (MAX_DEPTH + 2)), r"expression is too deep"),
        ("a^" * 30_000 + "a", r"expression is too deep"),
    ],
)
def test_depth_cap(text, match):
    with pytest.raises(EquationSyntaxError, match=match):
        parse(text)


def test_length_cap():
    text = "+".join(["1"] * (MAX_LENGTH // 2 + 1))
    assert len(text) > MAX_LENGTH
    with pytest.raises(
        EquationSyntaxError, match=rf"too long \({len(text)} characters; the limit is {MAX_LENGTH}\)"
    ) as info:
        parse(text, element="big")
    assert info.value.element == "big"
    assert len(str(info.value)) < 500


# ---------------------------------------------------------------------------------------------------
# lexer
# ---------------------------------------------------------------------------------------------------
def test_tokens_and_positions():
    tokens = tokenize('IF "x y" <= 2.5 THEN f(a) ELSE b[*:d]')
    assert [t.kind for t in tokens] == [
        "keyword", "name", "op", "number", "keyword", "name", "(", "name", ")", "keyword",
        "name", "[", "op", ":", "name", "]", "end",
    ]  # fmt: skip
    assert [t.position for t in tokens[:5]] == [0, 3, 9, 12, 16]
    assert tokens[1].quoted and tokens[1].value == "x y" and tokens[1].text == '"x y"'
    assert tokens[-1].position == len('IF "x y" <= 2.5 THEN f(a) ELSE b[*:d]')


# ---------------------------------------------------------------------------------------------------
# property tests: printed trees re-parse to the same tree
# ---------------------------------------------------------------------------------------------------
_RESERVED = {"if", "then", "else", "and", "or", "not", "mod"} | set(FORBIDDEN_WORDS)
_IDENTIFIER = re.compile(r"[A-Za-z$][A-Za-z0-9_$]*")
_OP_TEXT = {"mod": "MOD", "and": "AND", "or": "OR"}
_BIN_PREC = {
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


def name_text(text: str) -> str:
    if _IDENTIFIER.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def index_text(node: Node) -> str:
    if isinstance(node, Star):
        return "*" if node.dimension is None else "*:" + name_text(node.dimension)
    if isinstance(node, Number):
        return str(int(node.value))
    assert isinstance(node, Name)
    return name_text(node.text)


def atom_text(node: Node, render) -> str | None:
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Name):
        return name_text(node.text)
    if isinstance(node, Subscript):
        return name_text(node.text) + "[" + ", ".join(index_text(i) for i in node.indices) + "]"
    if isinstance(node, Call):
        return name_text(node.text) + "(" + ", ".join(render(arg) for arg in node.args) + ")"
    return None


def unary_text(op: str) -> str:
    return "NOT " if op == "not" else op


def full_text(node: Node) -> str:
    """Fully parenthesised printer."""
    atom = atom_text(node, full_text)
    if atom is not None:
        return atom
    if isinstance(node, UnaryOp):
        return f"({unary_text(node.op)}{full_text(node.operand)})"
    if isinstance(node, BinaryOp):
        return f"({full_text(node.left)} {_OP_TEXT.get(node.op, node.op)} {full_text(node.right)})"
    assert isinstance(node, IfThenElse)
    return f"(IF {full_text(node.condition)} THEN {full_text(node.then)} ELSE {full_text(node.otherwise)})"


def precedence(node: Node) -> int:
    if isinstance(node, IfThenElse):
        return 0
    if isinstance(node, BinaryOp):
        return 8 if node.op == "^" else _BIN_PREC[node.op]
    if isinstance(node, UnaryOp):
        return 7
    return 9


def exponent_safe(node: Node) -> bool:
    """An exponent that needs no parentheses: ``^`` groups to the right and takes signed operands."""
    if isinstance(node, UnaryOp):
        return exponent_safe(node.operand)
    return precedence(node) >= 8


def minimal_text(node: Node) -> str:
    """Printer using as few parentheses as the precedence rules allow."""

    def wrap(child: Node, needed: bool) -> str:
        return f"({minimal_text(child)})" if needed else minimal_text(child)

    atom = atom_text(node, minimal_text)
    if atom is not None:
        return atom
    if isinstance(node, UnaryOp):
        return unary_text(node.op) + wrap(node.operand, precedence(node.operand) < 7)
    if isinstance(node, BinaryOp):
        p = precedence(node)
        left = wrap(node.left, precedence(node.left) < p or (node.op == "^" and precedence(node.left) == p))
        if node.op == "^":
            right = wrap(node.right, not exponent_safe(node.right))
            return f"{left}^{right}"
        return f"{left} {_OP_TEXT.get(node.op, node.op)} {wrap(node.right, precedence(node.right) <= p)}"
    assert isinstance(node, IfThenElse)
    parts = (minimal_text(node.condition), minimal_text(node.then), minimal_text(node.otherwise))
    return "IF {} THEN {} ELSE {}".format(*parts)


identifier_texts = st.from_regex(_IDENTIFIER, fullmatch=True).filter(
    lambda t: len(t) <= 12 and t.lower() not in _RESERVED and bool(canonical(t))
)
quoted_texts = st.text(
    alphabet=st.sampled_from(list("abcXYZ _-+*/()[]{},.:;'\\\"\nüλ人0123456789")), min_size=1, max_size=10
).filter(lambda t: bool(canonical(t)) and not t.replace("\\n", " ").strip().startswith("__"))
name_texts = st.one_of(identifier_texts, quoted_texts)
numbers = st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(Number)
names = name_texts.map(lambda t: Name(canonical(t), t))
stars = st.one_of(
    st.just(Star()),
    name_texts.map(canonical).filter(lambda dim: canonical(dim) == dim).map(Star),
)
indices = st.one_of(names, st.integers(min_value=0, max_value=999).map(lambda i: Number(float(i))), stars)
subscripts = st.builds(
    lambda t, idx: Subscript(canonical(t), t, tuple(idx)),
    name_texts,
    st.lists(indices, min_size=1, max_size=3),
)
call_names = name_texts.filter(lambda t: canonical(t).upper() != "IF THEN ELSE")


def extend(children):
    return st.one_of(
        st.builds(UnaryOp, st.sampled_from(["-", "+", "not"]), children),
        st.builds(BinaryOp, st.sampled_from([*sorted(_BIN_PREC), "^"]), children, children),
        st.builds(IfThenElse, children, children, children),
        st.builds(
            lambda t, args: Call(canonical(t).upper(), tuple(args), t),
            call_names,
            st.lists(children, max_size=3),
        ),
    )


trees = st.recursive(st.one_of(numbers, names, subscripts), extend, max_leaves=25)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_fully_parenthesised_trees_round_trip(tree):
    assert parse(full_text(tree)) == tree


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_minimally_parenthesised_trees_round_trip(tree):
    assert parse(minimal_text(tree)) == tree


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("ab1.e+-*/^()[],:\"'{} <>=!&|%_IFTHENLS$;\\\n")), max_size=30))
def test_arbitrary_text_parses_or_raises_syntax_error(text):
    try:
        tree = parse(text)
    except EquationSyntaxError as err:
        assert err.equation == text
        assume(err.position is not None)
        assert 0 <= err.position <= len(text)
    else:
        assert isinstance(tree, Node)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_any_unicode_text_parses_or_raises_syntax_error(text):
    try:
        parse(text)
    except EquationSyntaxError as err:
        assert err.position is not None and 0 <= err.position <= len(text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_unparse_prints_text_that_parses_back_to_the_same_tree(tree):
    from sysdyn.equations.printer import unparse

    assert parse(unparse(tree)) == tree
