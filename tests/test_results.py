"""Tests of sysdyn.results: lookup, export to pandas / xarray, plotting, ensembles.

Results objects are built by hand here, so these tests do not depend on the
compiler or the solvers.
"""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sysdyn.errors import DimensionError, SysdynError, UnknownNameError
from sysdyn.results import Results, VariableInfo

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TIME = np.array([0.0, 0.5, 1.0])
PEOPLE = ("Ann", "Bo")
A, B = ("a1", "a2"), ("b1", "b2", "b3")


def _variables() -> dict[str, VariableInfo]:
    return {
        "knowledge": VariableInfo("Knowledge", "stock", "ideas", ("People",), (PEOPLE,), doc="What is known"),
        "staff": VariableInfo("Staff", "stock", "people"),
        "learning": VariableInfo("Learning", "flow", "ideas/month"),
        "learning rate": VariableInfo("Learning rate", "constant", "1/month"),
        "knowledge per person": VariableInfo("Knowledge per person", "aux", "ideas"),
        "x": VariableInfo("x", "aux", "", ("A", "B"), (A, B)),
    }


def _data(lead: tuple[int, ...], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"knowledge": (2,), "x": (2, 3)}
    return {k: rng.normal(size=lead + shapes.get(k, ())) for k in _variables()}


def make_single() -> Results:
    return Results(
        time=TIME.copy(),
        data=_data((3,)),
        variables=_variables(),
        n_runs=None,
        model_name="Team <knowledge>",
        time_units="months",
        method="euler",
        params={"learning rate": 0.3},
        extras={"nfev": 12},
    )


def make_ensemble(runs: int = 4) -> Results:
    return Results(
        time=TIME.copy(),
        data=_data((runs, 3), seed=1),
        variables=_variables(),
        n_runs=runs,
        model_name="Team",
        time_units="months",
        method="rk4",
        params={"learning rate": np.linspace(0.1, 0.9, runs), "staff": 4.0},
    )


@pytest.fixture
def single() -> Results:
    return make_single()


@pytest.fixture
def ens() -> Results:
    return make_ensemble()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- lookup ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["Knowledge per person", "knowledge_per_person", "KNOWLEDGE   per_Person", " knowledge per person "],
)
def test_any_spelling(single, spelling):
    assert spelling in single
    np.testing.assert_array_equal(single[spelling], single["knowledge per person"])
    assert single.units(spelling) == "ideas"
    assert single.info_for(spelling).kind == "aux"


def test_container_protocol(single):
    names = ("Knowledge", "Staff", "Learning", "Learning rate", "Knowledge per person", "x")
    assert single.names == names
    assert list(single) == list(names)
    assert len(single) == 6
    assert (
        single.time_units == "months" and single.method == "euler" and single.model_name == "Team <knowledge>"
    )
    assert single.n_runs is None and not single.is_ensemble
    assert 3 not in single


def test_element_lookup(single):
    full = single["Knowledge"]
    assert full.shape == (3, 2)
    np.testing.assert_array_equal(single["Knowledge[Ann]"], full[:, 0])
    np.testing.assert_array_equal(single["knowledge[ BO ]"], full[:, 1])
    np.testing.assert_array_equal(single["x[a1, b2]"], single["x"][:, 0, 1])
    np.testing.assert_array_equal(single["X[A2,B3]"], single["x"][:, 1, 2])
    assert "Knowledge[Ann]" in single
    assert single.units("Knowledge[Ann]") == "ideas"


def test_element_lookup_ensemble(ens):
    assert ens["Knowledge"].shape == (4, 3, 2)
    np.testing.assert_array_equal(ens["Knowledge[Bo]"], ens["Knowledge"][:, :, 1])
    np.testing.assert_array_equal(ens["x[a2, b1]"], ens["x"][:, :, 1, 0])


def test_unknown_name_suggests(single):
    with pytest.raises(
        UnknownNameError, match=r"no variable `learning_rte` in these results; did you mean `Learning rate`\?"
    ):
        single["learning_rte"]
    with pytest.raises(KeyError) as info:
        single["learning_rte"]
    err = info.value
    assert err.name == "learning_rte" and err.suggestion == "Learning rate"
    assert str(err).startswith("no variable")  # not quoted as KeyError would
    assert "learning_rte" not in single


def test_unknown_without_suggestion(single):
    with pytest.raises(UnknownNameError, match=r"no variable `zzzz` in these results$") as info:
        single["zzzz"]
    assert info.value.suggestion is None


def test_unknown_element_and_bad_subscripts(single):
    with pytest.raises(
        UnknownNameError, match=r"no element `Anne` in dimension `People`.*did you mean `Ann`"
    ) as info:
        single["Knowledge[Anne]"]
    assert isinstance(info.value, KeyError) and info.value.element == "Knowledge"
    with pytest.raises(UnknownNameError, match="did you mean `Knowledge`"):
        single["Knowlege[Ann]"]
    with pytest.raises(DimensionError, match="gives 1 subscript"):
        single["x[a1]"]
    with pytest.raises(DimensionError, match="has 0 dimension"):
        single["Staff[a1]"]
    assert "Knowledge[Anne]" not in single and "x[a1]" not in single
    with pytest.raises(TypeError):
        single[0]


# -- read-only and scalars ---------------------------------------------------------------------------


def test_arrays_are_read_only(single, ens):
    for arr in (single["Staff"], single["Knowledge[Ann]"], single.time, ens["x"], ens.run(0)["Staff"]):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1.0
    with pytest.raises(TypeError):
        single.info["nfev"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        single.time = TIME  # type: ignore[misc]
    assert not ens.params["learning rate"].flags.writeable


def test_final(single, ens):
    assert single.final("Staff") == single["Staff"][-1]
    assert isinstance(single.final("Staff"), float)
    np.testing.assert_array_equal(single.final("Knowledge"), single["Knowledge"][-1])
    np.testing.assert_array_equal(ens.final("Staff"), ens["Staff"][:, -1])
    assert ens.final("Knowledge").shape == (4, 2)


def test_params_and_info(single, ens):
    assert single.params["Learning_Rate"] == pytest.approx(0.3)
    assert type(single.params["learning rate"]) is float
    big = make_ensemble(1000)
    assert len(repr(big.params)) < 200  # long per-run arrays are abbreviated
    assert list(ens.params) == ["Learning rate", "Staff"]
    np.testing.assert_allclose(ens.params["learning rate"], np.linspace(0.1, 0.9, 4))
    assert single.info["nfev"] == 12
    with pytest.raises(KeyError):
        single.params["nope"]


# -- to_pandas ---------------------------------------------------------------------------------------

COLUMNS = [
    "Knowledge[Ann]",
    "Knowledge[Bo]",
    "Staff",
    "Learning",
    "Learning rate",
    "Knowledge per person",
    "x[a1, b1]",
    "x[a1, b2]",
    "x[a1, b3]",
    "x[a2, b1]",
    "x[a2, b2]",
    "x[a2, b3]",
]


def test_to_pandas_single(single):
    df = single.to_pandas()
    assert df.index.name == "time"
    np.testing.assert_array_equal(df.index.to_numpy(), TIME)
    assert list(df.columns) == COLUMNS
    np.testing.assert_array_equal(df["Staff"].to_numpy(), single["Staff"])
    np.testing.assert_array_equal(df["Knowledge[Bo]"].to_numpy(), single["Knowledge"][:, 1])
    np.testing.assert_array_equal(df["x[a2, b1]"].to_numpy(), single["x"][:, 1, 0])
    assert df.attrs["model"] == "Team <knowledge>"
    assert df.attrs["method"] == "euler" and df.attrs["time_units"] == "months"
    assert df.attrs["units"]["Knowledge[Ann]"] == "ideas" and df.attrs["units"]["Staff"] == "people"
    df.iloc[0, 0] = 99.0  # a copy: writing to it leaves the results alone
    assert single["Knowledge"][0, 0] != 99.0


def test_to_pandas_names_keep_model_order(single):
    df = single.to_pandas(["learning", "staff", "knowledge[bo]"])
    assert list(df.columns) == ["Knowledge[Bo]", "Staff", "Learning"]
    assert list(single.to_pandas("Staff").columns) == ["Staff"]
    assert list(single.to_pandas(["Knowledge", "Knowledge[Ann]"]).columns) == [
        "Knowledge[Ann]",
        "Knowledge[Bo]",
    ]
    assert single.to_pandas([]).shape == (3, 0)
    with pytest.raises(UnknownNameError, match="did you mean `Staff`"):
        single.to_pandas(["stafff"])


def test_to_pandas_ensemble(ens):
    df = ens.to_pandas()
    assert isinstance(df.index, pd.MultiIndex)
    assert list(df.index.names) == ["run", "time"]
    assert len(df) == 4 * 3
    assert list(df.columns) == COLUMNS  # overridden params are not columns of their own
    np.testing.assert_array_equal(df.loc[2, "Staff"].to_numpy(), ens["Staff"][2])
    assert df.loc[(3, 1.0), "x[a1, b3]"] == ens["x"][3, 2, 0, 2]
    np.testing.assert_array_equal(df.xs(0.5, level="time")["Learning"].to_numpy(), ens["Learning"][:, 1])


# -- to_xarray ---------------------------------------------------------------------------------------


def test_to_xarray_single(single):
    pytest.importorskip("xarray")
    ds = single.to_xarray()
    assert set(ds.data_vars) == set(single.names)
    k = ds["Knowledge"]
    assert k.dims == ("time", "People")
    assert list(ds["People"].values) == ["Ann", "Bo"]
    assert ds["x"].dims == ("time", "A", "B") and list(ds["B"].values) == list(B)
    np.testing.assert_array_equal(k.sel(People="Bo").values, single["Knowledge[Bo]"])
    assert k.attrs == {"units": "ideas", "kind": "stock", "doc": "What is known", "long_name": "Knowledge"}
    assert ds.attrs == {"model": "Team <knowledge>", "method": "euler", "time_units": "months"}
    assert ds["time"].attrs["units"] == "months"
    np.testing.assert_array_equal(ds["time"].values, TIME)


def test_to_xarray_ensemble(ens):
    pytest.importorskip("xarray")
    ds = ens.to_xarray()
    assert ds["Staff"].dims == ("run", "time")
    assert ds["x"].dims == ("run", "time", "A", "B")
    np.testing.assert_array_equal(ds["run"].values, np.arange(4))
    np.testing.assert_array_equal(ds["x"].sel(run=1, A="a2", B="b3").values, ens["x[a2, b3]"][1])


def test_to_xarray_missing(single, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match=r"to_xarray needs xarray: pip install"):
        single.to_xarray()


# -- plot --------------------------------------------------------------------------------------------


def test_plot_one_name(single):
    ax = single.plot("knowledge_per_person")
    assert ax.get_ylabel() == "Knowledge per person (ideas)"
    assert ax.get_title() == "Knowledge per person"
    assert ax.get_xlabel() == "Time (months)"
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), single["Knowledge per person"])
    assert ax.get_legend() is None


def test_plot_without_units(single):
    ax = single.plot("x[a1, b2]")
    assert ax.get_ylabel() == "x[a1, b2]" and ax.get_title() == "x[a1, b2]"
    no_time_units = Results(
        time=TIME, data={"k": np.zeros(3)}, variables={"k": VariableInfo("K", "stock")}, n_runs=None
    )
    assert no_time_units.plot("k").get_xlabel() == "Time"


def test_plot_several_names(single):
    ax = single.plot("Knowledge per person", "Knowledge[Ann]")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Knowledge per person", "Knowledge[Ann]"]
    assert ax.get_ylabel() == "ideas"  # the units they share
    ax = single.plot("Staff", "Learning")
    assert ax.get_ylabel() == ""
    assert len(ax.get_lines()) == 2


def test_plot_arrayed(single):
    ax = single.plot("Knowledge", color="k")
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Knowledge[Ann]", "Knowledge[Bo]"]
    assert ax.get_ylabel() == "Knowledge (ideas)" and ax.get_title() == "Knowledge"
    assert all(line.get_color() == "k" for line in ax.get_lines())


def test_plot_default_names_are_stocks(single):
    ax = single.plot()
    assert len(ax.get_lines()) == 3  # Knowledge[Ann], Knowledge[Bo], Staff


def test_plot_into_given_axes(single):
    _, ax = plt.subplots()
    assert single.plot("Staff", ax=ax) is ax


def test_plot_ensemble_all_is_default_for_few_runs(ens):
    ax = ens.plot("Staff")
    lines = ax.get_lines()
    assert len(lines) == 4
    assert len({line.get_color() for line in lines}) == 1
    assert all(line.get_alpha() < 1 for line in lines)
    assert ax.get_ylabel() == "Staff (people)"


def test_plot_ensemble_band(ens):
    big = make_ensemble(60)
    ax = big.plot("Staff")  # more than 50 runs: bands by default
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), np.median(big["Staff"], axis=0))
    assert len(ax.collections) == 2
    ax = ens.plot("Staff", "Knowledge per person", runs="band")
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Staff", "Knowledge per person"]


def test_plot_ensemble_selected_runs(ens):
    ax = ens.plot("Staff", runs=[0, -1])
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[1].get_ydata(), ens["Staff"][3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Staff, run 0", "Staff, run 3"]
    assert len(ens.plot("Staff", runs=2).get_lines()) == 1
    with pytest.raises(IndexError, match="run 9 is out of range"):
        ens.plot("Staff", runs=[9])
    with pytest.raises(ValueError, match="`runs` must be"):
        ens.plot("Staff", runs="some")


def test_plot_runs_on_single_run(single):
    with pytest.raises(SysdynError, match="single run"):
        single.plot("Staff", runs=[0])


# -- ensembles ---------------------------------------------------------------------------------------


def test_summary(ens):
    s = ens.summary("staff")
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    assert list(s.columns) == [*qs, "mean"]
    assert s.index.name == "time"
    np.testing.assert_array_equal(s.index.to_numpy(), TIME)
    for q in qs:
        np.testing.assert_allclose(s[q].to_numpy(), np.quantile(ens["Staff"], q, axis=0))
    np.testing.assert_allclose(s["mean"].to_numpy(), ens["Staff"].mean(axis=0))
    s2 = ens.summary("Knowledge[Bo]", quantiles=[0.1])
    np.testing.assert_allclose(s2[0.1].to_numpy(), np.quantile(ens["Knowledge"][:, :, 1], 0.1, axis=0))


def test_summary_errors(single, ens):
    with pytest.raises(SysdynError, match="needs the results of an ensemble"):
        single.summary("Staff")
    with pytest.raises(DimensionError, match="is arrayed"):
        ens.summary("Knowledge")


def test_run(ens):
    r = ens.run(2)
    assert r.n_runs is None and not r.is_ensemble
    np.testing.assert_array_equal(r["Staff"], ens["Staff"][2])
    np.testing.assert_array_equal(r["x"], ens["x"][2])
    assert r.params["learning rate"] == pytest.approx(np.linspace(0.1, 0.9, 4)[2])
    assert r.params["staff"] == 4.0
    assert r.info["run"] == 2 and r.method == "rk4" and r.names == ens.names
    np.testing.assert_array_equal(ens.run(-1)["Staff"], ens["Staff"][3])
    assert list(r.to_pandas().columns) == COLUMNS


def test_run_errors(single, ens):
    with pytest.raises(IndexError, match=r"run 4 is out of range: these results have 4 runs \(0 to 3\)"):
        ens.run(4)
    with pytest.raises(IndexError):
        ens.run(-5)
    with pytest.raises(TypeError):
        ens.run(1.0)  # type: ignore[arg-type]
    with pytest.raises(SysdynError, match="ensemble"):
        single.run(0)


# -- construction ------------------------------------------------------------------------------------


def test_constructor_takes_ownership():
    values = np.array([1.0, 2.0, 3.0])
    res = Results(time=TIME, data={"k": values}, variables={"k": VariableInfo("K", "stock")}, n_runs=None)
    assert res["k"] is values and not values.flags.writeable


@pytest.mark.parametrize(
    ("data", "n_runs", "match"),
    [
        ({"k": np.zeros(4)}, None, r"the data for `K` has shape \(4,\), but \(times\) is \(3,\)"),
        ({"k": np.zeros(3)}, 2, r"the data for `K` has shape \(3,\), but \(runs, times\) is \(2, 3\)"),
        ({"k": np.zeros(3), "j": np.zeros(3)}, None, r"only in data \['j'\]"),
        ({"k": np.zeros(3)}, 0, "`n_runs` must be None or a positive int"),
    ],
)
def test_constructor_validates_shapes(data, n_runs, match):
    with pytest.raises(ValueError, match=match):
        Results(time=TIME, data=data, variables={"k": VariableInfo("K", "stock")}, n_runs=n_runs)


def test_constructor_validates_dims_and_params():
    info = {"k": VariableInfo("K", "stock", dimensions=("D",), elements=(("a", "b"),))}
    with pytest.raises(ValueError, match=r"`K` has shape \(3, 3\), but \(times, \*dims\) is \(3, 2\)"):
        Results(time=TIME, data={"k": np.zeros((3, 3))}, variables=info, n_runs=None)
    with pytest.raises(ValueError, match=r"params\['k'\] has shape \(3,\)"):
        Results(
            time=TIME,
            data={"k": np.zeros((2, 3, 2))},
            variables=info,
            n_runs=2,
            params={"k": [1.0, 2.0, 3.0]},
        )
    with pytest.raises(ValueError, match="non-empty 1-D"):
        Results(time=np.zeros((0,)), data={}, variables={}, n_runs=None)
    with pytest.raises(ValueError, match="same name"):
        Results(
            time=TIME,
            data={"a": np.zeros(3), "b": np.zeros(3)},
            variables={"a": VariableInfo("Same name", "aux"), "b": VariableInfo("same_name", "aux")},
            n_runs=None,
        )


def test_variable_info_validation():
    with pytest.raises(ValueError, match="kind must be one of"):
        VariableInfo("K", "stocks")
    with pytest.raises(ValueError, match="1 dimension"):
        VariableInfo("K", "stock", dimensions=("D",))
    info = VariableInfo("K", "stock", dimensions=["D"], elements=[["a", "b"]])
    assert info.elements == (("a", "b"),) and info.shape == (2,)


# -- display -----------------------------------------------------------------------------------------


def test_repr(single, ens):
    text = repr(single)
    for part in (
        "Team <knowledge>",
        "euler",
        "single run",
        "time 0 to 1 months",
        "3 save points",
        "6 variables",
    ):
        assert part in text
    assert "Knowledge per person" in text
    assert "ensemble of 4 runs" in repr(ens)


def test_repr_html(single, ens):
    page = single._repr_html_()
    assert "<table>" in page and "Team &lt;knowledge&gt;" in page and "<knowledge>" not in page
    assert f"<td>{single['Staff'][-1]:.6g}</td>" in page
    assert "array (2,)" in page
    assert "(mean)" in ens._repr_html_()


def test_import_is_light():
    code = (
        "import sys, sysdyn.results; print(sorted(m for m in ('matplotlib', 'xarray') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
