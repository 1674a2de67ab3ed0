"""Units: reading unit expressions and checking models for dimensional consistency (sysdyn.units)."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

import sysdyn as sd
from sysdyn import SysdynError
from sysdyn.ir import Flow, ModelDefinition, Stock
from sysdyn.showcase import team_knowledge
from sysdyn.units import (
    DIMENSIONLESS,
    SYNONYMS,
    UnitIssue,
    UnitMismatchError,
    Units,
    UnitSyntaxError,
    check_units,
    parse_units,
    validate_units,
)
from sysdyn.units import parse as units_parse
from sysdyn.xmile import read_xmile

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted((ROOT / "models").glob("*.xmile"))
SUITE = (ROOT / ".." / "shared" / "conformance" / "tests").resolve()
CONFORMANCE = sorted([*SUITE.glob("*/*.xmile"), *SUITE.glob("*/*.stmx")]) if SUITE.is_dir() else []

#: Library models with known unit issues (model -> variables), to be fixed in the files.
#: A fixed file passes (the check is "at most these"); a new issue fails.


def u(text: str) -> Units | None:
    return parse_units(text)


def model(time_units: str = "months") -> sd.Model:
    return sd.Model("m", stop=10, time_units=time_units)


def messages(m) -> list[str]:
    return [issue.message for issue in check_units(m)]


# ----------------------------------------------------------------------------------------- parsing
class TestParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("people/month", "people/month"),
            ("Ideas / Person / Months", "ideas/(month*people)"),
            ("1/month", "1/month"),
            ("widgets/hour/hour", "widgets/hour^2"),
            ("widgets/hour^2", "widgets/hour^2"),
            ("Meters/(Second-Second)", "meters/second^2"),  # Stella: `-` is a product
            ("m^-1", "1/m"),
            ("m^(-2)", "1/m^2"),
            ("m^(1/2)", "m^(1/2)"),
            ("(a*b)^2/c", "(a^2*b^2)/c"),
            ("units/(activity*year)", "unit/(activity*year)"),
            ("Knowledge_Units / Week", "knowledge units/week"),
            ("knowledge   units/week", "knowledge units/week"),
            ("$/unit", "dollar/unit"),
            ("Month [0, 100]", "month"),  # a Vensim range is ignored
            ("1000*widgets", "widgets"),  # numbers have no scale here
        ],
    )
    def test_reads_unit_expressions(self, text, expected):
        assert str(parse_units(text)) == expected

    @pytest.mark.parametrize(
        "text", ["dmnl", "Dmnl", "dimensionless", "unitless", "1", "1/1", "month/months"]
    )
    def test_dimensionless_spellings(self, text):
        assert parse_units(text) == DIMENSIONLESS
        assert str(parse_units(text)) == "dmnl"

    @pytest.mark.parametrize("text", [None, "", "   ", "?"])
    def test_no_units_is_unknown(self, text):
        assert parse_units(text) is None

    @pytest.mark.parametrize(
        "group",
        [
            ("month", "months", "Month", "MONTHS", "mo"),
            ("person", "people", "persons", "People"),
            ("week", "weeks", "wk"),
            ("year", "years", "yr", "yrs"),
            ("day", "days"),
            ("hour", "hours", "hr"),
        ],
    )
    def test_aliases(self, group):
        assert len({parse_units(text) for text in group}) == 1

    def test_unknown_words_are_their_own_units_case_insensitive(self):
        assert u("Widgets") == u("widgets") == Units.base("widgets")
        assert u("widget") != u("widgets")  # plurals outside the table are not merged, as in Vensim

    def test_algebra(self):
        assert u("1/month") * u("month") == DIMENSIONLESS
        assert u("people/month") * u("months") == u("persons")
        assert u("m") ** Fraction(1, 2) * u("m") ** Fraction(1, 2) == u("m")
        assert u("ideas/person/month") == u("ideas") / (u("person") * u("month"))
        assert hash(u("a*b")) == hash(u("b*a"))

    def test_synonyms_argument(self):
        assert parse_units("events", synonyms=[("event", "events")]) == parse_units("event")
        assert parse_units("cases", synonyms={"cases": "case"}) == parse_units("case")
        assert parse_units("folks", synonyms={"folks": "persons"}) == parse_units("people")
        with pytest.raises(TypeError, match="groups must be sequences"):
            parse_units("x", synonyms=["event"])

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("people//month", "a unit name or `\\(` is expected"),
            ("(people", "a `\\)` is missing"),
            ("people)", "`\\)` is not expected"),
            ("m^x", "exponent must be a whole number"),
            ("m^1.5", "exponent must be a whole number"),
            ("m^(1/0)", "cannot divide by zero"),
            ("*", "a unit name"),
            ("people/", "found the end"),
            ("__import__('os').system('x')", "not expected|expected"),
        ],
    )
    def test_rejects_what_is_not_units(self, text, match):
        with pytest.raises(UnitSyntaxError, match=match) as info:
            parse_units(text)
        assert isinstance(info.value, SysdynError)
        assert repr(text) in str(info.value)

    def test_never_evaluates_and_limits_length(self):
        assert str(parse_units("os.system")) == "os.system"  # just a (strange) unit name
        with pytest.raises(UnitSyntaxError, match="characters long"):
            parse_units("a*" * 300 + "a")
        with pytest.raises(UnitSyntaxError, match="nested more than 50 deep"):
            parse_units("(" * 60 + "a" + ")" * 60)
        assert parse_units("(" * 50 + "a" + ")" * 50) == Units.base("a")
        with pytest.raises(TypeError, match="units must be a string"):
            parse_units(3)  # type: ignore[arg-type]

    def test_documented_table_matches_synonyms(self):
        doc = units_parse.__doc__
        for name, aliases in SYNONYMS.items():
            assert f"``{name}``" in doc
            assert ", ".join(aliases) in doc


# ---------------------------------------------------------------------------------- whole models
class TestModels:
    def test_showcase_is_consistent(self):
        m = team_knowledge()
        assert check_units(m) == []
        assert check_units(m.definition) == []
        validate_units(m)

    @pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
    def test_library_models(self, path):
        assert check_units(read_xmile(path)) == []

    def test_singular_and_plural_of_an_unlisted_word_differ_unless_declared_synonyms(self):
        # the slip the checker found in knowledge_accumulation.xmile before it was fixed
        m = sd.Model("reviews", time_units="month")
        m.stock("Knowledge", 0, inflows=["Learning from reviews"], units="knowledge units")
        m.flow("Learning from reviews", "Reviewing * lessons_per_event", units="knowledge units/month")
        m.constant("Reviewing", 2, units="events/month")
        m.constant("lessons per event", 0.5, units="knowledge units/event")
        (issue,) = check_units(m)
        assert issue.variable == "Learning from reviews"
        assert issue.expected == "knowledge units/month"
        assert issue.found == "(events*knowledge units)/(event*month)"
        assert check_units(m, synonyms=[("event", "events")]) == []

    def test_xmile_text_with_units(self):
        m = model("weeks")
        m.stock("Backlog", 10, inflows=["Arrivals"], units="tasks")
        m.flow("Arrivals", "2", units="tasks/week")
        text = sd.xmile.write_xmile(m)
        assert check_units(read_xmile(text)) == []
        broken = text.replace("<units>tasks/week</units>", "<units>tasks/month</units>")
        (issue,) = check_units(read_xmile(broken))
        assert (issue.variable, issue.expected, issue.found) == ("Arrivals", "tasks/week", "tasks/month")


# --------------------------------------------------------------------------- stocks and flows
class TestStocksAndFlows:
    def test_flow_not_in_stock_units_per_time(self):
        m = model()
        m.stock("Staff", 10, inflows=["Hiring"], outflows=["Quitting"], units="people")
        m.flow("Hiring", "3", units="people")
        m.flow("Quitting", "1", units="people/week")
        issues = check_units(m)
        assert [(i.variable, i.expected, i.found) for i in issues] == [
            ("Hiring", "people/month", "people"),
            ("Quitting", "people/month", "people/week"),
        ]
        assert "`Hiring` fills the stock `Staff` (in people)" in issues[0].message
        assert "`Quitting` drains the stock `Staff`" in issues[1].message
        assert "stock units per time unit, month" in issues[0].message
        with pytest.raises(UnitMismatchError, match=r"2 unit mismatches:\n  in `Hiring` \(equation: '3'\)"):
            validate_units(m)

    def test_flow_between_two_stocks_checked_against_both(self):
        m = model()
        m.stock("Novices", 10, outflows=["Promotion"], units="people")
        m.stock("Experts", 1, inflows=["Promotion"], units="ideas")
        m.flow("Promotion", "1", units="people/month")
        (issue,) = check_units(m)
        assert issue.variable == "Promotion" and "`Experts`" in issue.message

    def test_flow_without_units_checked_by_its_equation(self):
        m = model()
        m.stock("Staff", 10, inflows=["Hiring"], units="people")
        m.flow("Hiring", "Staff")  # no units: its equation gives people
        m.constant("k", 1)
        (issue,) = check_units(m)
        assert (issue.variable, issue.expected, issue.found) == ("Hiring", "people/month", "people")

    def test_no_time_units_no_flow_rule(self):
        m = model(time_units="")
        m.stock("Staff", 10, inflows=["Hiring"], units="people")
        m.flow("Hiring", "3", units="people")
        assert check_units(m) == []

    def test_stock_initial_value_in_stock_units(self):
        m = model()
        m.stock("Staff", "initial_staff", inflows=["Hiring"], units="people")
        m.flow("Hiring", "0", units="people/month")
        m.constant("initial staff", 10, units="months")
        (issue,) = check_units(m)
        assert issue.variable == "Staff" and issue.equation == "initial_staff"
        assert "the initial value is in month but the stock `Staff` is in people" in issue.message

    def test_equation_against_declared_units(self):
        m = model()
        m.constant("Staff", 4, units="people")
        m.constant("Capacity", 10, units="ideas")
        m.aux("Load", "Capacity / Staff", units="ideas/month")
        (issue,) = check_units(m)
        assert (issue.expected, issue.found) == ("ideas/month", "ideas/people")
        assert str(issue) == (
            "in `Load` (equation: 'Capacity / Staff'): the equation gives ideas/people "
            "but `Load` is declared in ideas/month"
        )


# ------------------------------------------------------------------------------- expressions
def aux_issues(equation: str, units: str = "", numbers: str = "polymorphic", **consts: str):
    m = model()
    for name, unit in consts.items():
        m.constant(name, 1, units=unit)
    m.aux("out", equation, units=units)
    return check_units(m, numbers=numbers)


class TestExpressions:
    def test_sum_of_different_units(self):
        (issue,) = aux_issues("a + b", a="people", b="months")
        assert issue.message == "`a + b` adds people and month: both sides of `+` must have the same units"
        assert (issue.variable, issue.equation, issue.expected, issue.found) == (
            "out",
            "a + b",
            "people",
            "month",
        )

    @pytest.mark.parametrize("op", ["-", "<", ">=", "=", "<>", "MOD"])
    def test_other_operators_need_the_same_units(self, op):
        (issue,) = aux_issues(f"a {op} b", a="people", b="months")
        assert "people and month" in issue.message

    def test_one_mismatch_one_issue(self):
        # The mismatch makes the sum's units unknown: no second issue against `out`'s units.
        (issue,) = aux_issues("(a + b) * c", units="dollars", a="people", b="months", c="1/month")
        assert "adds" in issue.message

    def test_aliases_in_equations(self):
        assert aux_issues("a + b", units="month", a="months", b="Month") == []
        assert aux_issues("a * b", units="dmnl", a="1/month", b="months") == []
        assert aux_issues("a * b", units="people", a="persons/month", b="mo") == []

    def test_numbers_are_polymorphic(self):
        assert aux_issues("a + 1", units="people", a="people") == []
        assert aux_issues("MAX(0, a)", units="people", a="people") == []
        assert aux_issues("a / 12", units="people/month", a="people") == []  # the 12 is months
        assert aux_issues("2 * 3", units="anything") == []
        assert aux_issues("IF a > 5 THEN a ELSE 0", units="people", a="people") == []

    def test_numbers_dimensionless_option(self):
        (issue,) = aux_issues("a / 12", units="people/month", numbers="dimensionless", a="people")
        assert issue.found == "people"
        assert aux_issues("MAX(0, a) + 1", units="people", numbers="dimensionless", a="people") == []
        with pytest.raises(ValueError, match="`numbers` must be"):
            check_units(model(), numbers="strict")  # type: ignore[arg-type]

    def test_unknown_units_are_unchecked(self):
        assert aux_issues("a + b", units="people", a="people", b="") == []
        assert aux_issues("a * b", units="months", a="people", b="") == []
        assert aux_issues("a + undefined_name", units="people", a="people") == []
        assert aux_issues("a", units="", a="people") == []

    def test_unknown_operand_does_not_hide_the_known_side(self):
        (issue,) = aux_issues("a + b", units="months", a="people", b="")
        assert issue.found == "people"

    def test_min_max_and_branches(self):
        (issue,) = aux_issues("MIN(a, b, 3)", a="people", b="months")
        assert "the arguments of `MIN(a, b, 3)` must have the same units" in issue.message
        (issue,) = aux_issues("IF a > 0 THEN a ELSE b", a="people", b="months")
        assert "THEN and ELSE branches" in issue.message
        (issue,) = aux_issues("IF_THEN_ELSE(a > 0, a, b)", a="people", b="months")
        assert "THEN and ELSE branches" in issue.message

    def test_powers(self):
        assert aux_issues("a ^ 2", units="m^2", a="m") == []
        assert aux_issues("a ^ -1", units="1/m", a="m") == []
        assert aux_issues("a ^ (1/2)", units="m^(1/2)", a="m") == []
        assert aux_issues("SQRT(a)", units="m", a="m^2") == []
        assert aux_issues("(1 + r) ^ n", units="dmnl", r="dmnl", n="dmnl") == []
        for exponent in ("10^400", "0/0 + 1", "1e308 * 10", "n"):  # no overflow: just unknown
            assert aux_issues(f"a ^ ({exponent})", units="m", a="m", n="dmnl") == []
        (issue,) = aux_issues("2 ^ t", units="dmnl", t="months")
        assert "the exponent of `2^t` must be dimensionless (`t` is in month)" in issue.message

    def test_dimensionless_functions(self):
        (issue,) = aux_issues("EXP(rate)", units="dmnl", rate="1/year")
        assert issue.message == "the argument of EXP must be dimensionless (`rate` is in 1/year)"
        assert (issue.expected, issue.found) == ("dmnl", "1/year")
        assert aux_issues("EXP(rate * t)", units="dmnl", rate="1/year", t="years") == []
        assert aux_issues("LN(a / b)", units="dmnl", a="people", b="persons") == []
        (issue,) = aux_issues("SIN(a)", units="dmnl", a="m")
        assert "SIN" in issue.message
        assert aux_issues("LOG(a, b)", units="dmnl", a="dmnl", b="dmnl") == []

    def test_unit_keeping_functions(self):
        for func in ("ABS", "INT", "ROUND", "INIT", "INTEGER"):
            assert aux_issues(f"{func}(a)", units="people", a="people") == []
            assert len(aux_issues(f"{func}(a)", units="months", a="people")) == 1
        assert aux_issues("SIGN(a)", units="dmnl", a="people") == []
        assert aux_issues("SAFEDIV(a, b, 0)", units="people/month", a="people", b="months") == []
        (issue,) = aux_issues("SAFEDIV(a, b, c)", units="people/month", a="people", b="months", c="people")
        assert "third argument of SAFEDIV" in issue.message

    def test_time_names(self):
        assert aux_issues("TIME", units="months") == []
        assert aux_issues("TIME - STARTTIME + DT", units="month") == []
        (issue,) = aux_issues("TIME", units="people")
        assert issue.found == "month"
        assert aux_issues("PI", units="dmnl") == []

    def test_input_functions(self):
        assert aux_issues("STEP(h, t0)", units="people", h="people", t0="months") == []
        (issue,) = aux_issues("STEP(h, t0)", units="people", h="people", t0="people")
        assert "the start time (second argument) of STEP must be in month" in issue.message
        assert aux_issues("RAMP(s, t0)", units="people", s="people/month", t0="month") == []
        assert (
            aux_issues("PULSE(v, t0, dt2)", units="people/month", v="people", t0="months", dt2="months") == []
        )
        (issue,) = aux_issues("PULSE(v, t0)", units="people/month", v="people", t0="people")
        assert "first pulse time" in issue.message

    def test_smooths_and_delays(self):
        assert aux_issues("SMTH1(x, d)", units="people", x="people", d="months") == []
        (issue,) = aux_issues("SMTH1(x, d)", units="people", x="people", d="people")
        assert (
            issue.message == "the delay time (second argument) of SMTH1 must be in month (`d` is in people)"
        )
        assert (issue.expected, issue.found) == ("month", "people")
        (issue,) = aux_issues("SMOOTH(x, d)", units="people", x="people", d="weeks")
        assert "SMOOTH" in issue.message
        (issue,) = aux_issues("SMTH3(x, d)", units="months", x="people", d="months")
        assert issue.found == "people"
        (issue,) = aux_issues("DELAY3(x, d, i)", units="people", x="people", d="months", i="ideas")
        assert "the input and the initial value of" in issue.message
        (issue,) = aux_issues("SMTHN(x, d, n)", units="people", x="people", d="months", n="months")
        assert "the order (third argument) of SMTHN must be dimensionless" in issue.message
        assert aux_issues("DELAY(x, d, 0)", units="people", x="people", d="months") == []
        assert aux_issues("TREND(x, d)", units="1/month", x="people", d="months") == []

    def test_random_functions(self):
        assert aux_issues("NORMAL(m, s, 1)", units="people", m="people", s="people") == []
        (issue,) = aux_issues("RANDOM(a, b)", units="people", a="people", b="months")
        assert "the parameters of" in issue.message

    def test_nested_issues_are_found(self):
        (issue,) = aux_issues("MAX(EXP(a), 0) * b", units="people", a="months", b="people")
        assert "EXP" in issue.message

    def test_unparsable_units_are_an_issue_not_a_crash(self):
        m = model()
        m.constant("a", 1, units="people//month")
        m.aux("b", "a + 1", units="people")
        (issue,) = check_units(m)
        assert issue.variable == "a" and "cannot read the units 'people//month'" in issue.message

    def test_equation_that_does_not_parse_is_left_to_the_compiler(self):
        m = model()
        m.aux("b", "1 +* 2", units="people")
        assert check_units(m) == []


# ------------------------------------------------------------------------- lookups and arrays
class TestLookupsArraysNetworks:
    def test_lookups(self):
        m = model()
        m.lookup("effect", [0, 1], [0, 2], units="dmnl")
        m.constant("x", 1, units="dmnl")
        m.constant("base", 5, units="people")
        m.aux("y", "base * effect(x)", units="people")
        m.aux("z", "LOOKUP(effect, x) * base", units="people")
        assert check_units(m) == []
        m.lookup("effect", [0, 1], [0, 2], units="months")
        assert {i.variable for i in check_units(m)} == {"y", "z"}

    def test_variable_with_a_table_compares_only_its_output(self):
        m = model()
        m.constant("price", 3, units="$/widget")
        m.aux("demand", "price", units="widgets/month", lookup=([0, 10], [5, 0]))
        assert check_units(m) == []

    def test_arrays(self):
        m = model()
        m.dimension("team", ["Ann", "Bo"])
        m.constant("skill[team]", [1, 2], units="ideas")
        m.aux("total", "SUM(skill[*])", units="ideas")
        m.aux("avg", "MEAN(skill[*]) + MAX(skill[*])", units="ideas")
        m.aux("first", "skill[Ann]", units="ideas")
        assert check_units(m) == []
        m.aux("per[team]", {"Ann": "skill[Ann]", "Bo": "skill[Bo] + 2"}, units="months")
        issues = check_units(m)
        assert [i.variable for i in issues] == ["per[Ann]", "per[Bo]"]

    def test_network_operators(self):
        nx = pytest.importorskip("networkx")
        m = model()
        m.network("team", nx.path_graph(3))
        m.stock("Knowledge[team]", 1, inflows=["Sharing[team]"], units="ideas")
        m.flow("Sharing[team]", "rate * DIFFUSION(Knowledge)", units="ideas/month")
        m.constant("rate", 0.1, units="1/month")
        m.aux("Links[team]", "DEGREE(team)", units="dmnl")
        m.aux(
            "Around[team]",
            "NEIGHBOR_SUM(Knowledge) + NEIGHBOUR_MAX(Knowledge - OWN(Knowledge))",
            units="ideas",
        )
        assert check_units(m) == []
        m.aux("Links[team]", "DEGREE(team)", units="people")
        m.aux("Around[team]", "NEIGHBOR_MEAN(Knowledge)", units="ideas/month")
        assert [(i.variable, i.found) for i in check_units(m)] == [("Links", "dmnl"), ("Around", "ideas")]

    def test_python_library_models(self):
        # knowledge_diffusion: People sustaining is SUM of a dmnl indicator; beer_game: case vs cases.
        for name in ("beer_game", "knowledge_diffusion"):
            for issue in check_units(sd.models.load(name)):
                assert issue.variable in {
                    "People sustaining",
                    *(f"Cost rate {s}" for s in ("retailer", "wholesaler", "distributor", "factory")),
                }


# ------------------------------------------------------------------------------- API and errors
class TestApi:
    def test_error_lists_every_issue(self):
        issues = [
            UnitIssue("a", "b + c", "people", "months", "first"),
            UnitIssue("d", "e", "ideas", "people", "second"),
        ]
        err = UnitMismatchError(issues)
        assert isinstance(err, SysdynError)
        assert str(err).splitlines() == [
            "2 unit mismatches:",
            "  in `a` (equation: 'b + c'): first",
            "  in `d` (equation: 'e'): second",
        ]
        assert err.issues == tuple(issues) and err.element == "a"

    def test_vensim_control_variables(self):
        m = model()
        m.constant("TIME STEP", 0.25, units="Minute")
        (issue,) = check_units(m)
        assert "must be in the model's time units (month)" in issue.message

    def test_definition_is_accepted(self):
        definition = ModelDefinition(
            "d",
            variables=(
                Stock("S", "1", inflows=("F",), units="kg"),
                Flow("F", "S", units="kg/day"),
            ),
        )
        definition = replace(definition, sim_specs=replace(definition.sim_specs, time_units="days"))
        (issue,) = check_units(definition)
        assert (issue.variable, issue.found) == ("F", "kg")


# ----------------------------------------------------------------------- the conformance suite
@pytest.mark.skipif(not CONFORMANCE, reason="the conformance suite is not checked out")
def test_conformance_suite_never_crashes():
    checked, with_issues = 0, []
    for path in CONFORMANCE:
        try:
            m = read_xmile(path)
        except SysdynError:
            continue  # unreadable files are test_conformance's business
        checked += 1
        issues = check_units(m)
        if issues:
            with_issues.append(path.parent.name)
        for issue in issues:  # the only issues: Vensim control variables in Minute in a Months model
            assert issue.variable in {"TIME STEP", "INITIAL TIME", "FINAL TIME", "SAVEPER"}, issue
    assert checked >= 100
    assert set(with_issues) <= {"logicals", "lookups", "smooth_and_stock"}


@pytest.mark.skipif(not CONFORMANCE, reason="the conformance suite is not checked out")
def test_conformance_models_with_random_units_never_crash():
    """Every variable of every readable case gets random units: the checker must still not raise."""
    pool = ["people", "months", "1/month", "people/month", "dmnl", "", "widgets^2/week", "?", "a-b/(c*d)^-2"]
    rng = random.Random(20)
    for path in CONFORMANCE:
        try:
            definition = read_xmile(path).definition
        except SysdynError:
            continue
        variables = tuple(replace(v, units=rng.choice(pool)) for v in definition.variables)
        lookups = tuple(replace(g, units=rng.choice(pool)) for g in definition.lookups)
        for numbers in ("polymorphic", "dimensionless"):
            issues = check_units(replace(definition, variables=variables, lookups=lookups), numbers=numbers)
            assert all(isinstance(i, UnitIssue) and i.variable and i.message for i in issues)
