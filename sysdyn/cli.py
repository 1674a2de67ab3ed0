"""The ``sysdyn`` command line: run a model file, describe it, sweep its parameters.

``sysdyn run FILE`` simulates an XMILE or Stella file (``.xmile``, ``.stmx``,
``.itmx``) and writes the results (CSV: a ``time`` column, then one column per
variable; ``.parquet`` or ``.nc`` with the optional extras), ``sysdyn info FILE``
lists its stocks, flows, auxiliaries, constants, dimensions, units and
simulation specs, and ``sysdyn sweep FILE --vary "NAME=6:24:10"`` runs a full
factorial sweep as one vectorised ensemble (:func:`sysdyn.sweep`).
``python -m sysdyn`` is the same program.

Exit status: 0 when it worked, 2 for bad usage or a bad model, with one line
on standard error saying what is wrong (the traceback only with ``--debug``),
1 for an internal error.

Only :mod:`argparse` is imported up front; the model reader, the engine,
pandas (``.parquet``, sweeps) and matplotlib (``--plot``) are imported when a
command needs them, so a run starts fast.

Examples
--------
>>> import contextlib, io, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "growth.xmile"
>>> _ = path.write_text('''<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
...   <header><name>Growth</name></header>
...   <sim_specs method="Euler"><start>0</start><stop>2</stop><dt>1</dt></sim_specs>
...   <model><variables>
...     <stock name="Staff"><eqn>10</eqn><inflow>Hiring</inflow></stock>
...     <flow name="Hiring"><eqn>Staff * rate</eqn></flow>
...     <aux name="rate"><eqn>0.1</eqn></aux>
...   </variables></model>
... </xmile>''')
>>> out = io.StringIO()
>>> with contextlib.redirect_stdout(out):
...     code = main(["run", str(path), "--set", "rate=0.5", "--out", "-"])
>>> code, out.getvalue().splitlines()[:2]
(0, ['time,Staff,Hiring,rate', '0.0,10.0,5.0,0.5'])
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "build_parser", "parse_assignment", "parse_values", "UsageError"]

PROG = "sysdyn"
OUTPUT_FORMATS = (".csv", ".parquet", ".nc")


class UsageError(Exception):
    """Bad command-line usage (exit status 2), reported as one line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage too)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------------------------- parsing
def parse_assignment(text: str, option: str = "--set") -> tuple[str, str]:
    """Split ``"NAME=VALUE"`` into its name and value text (names may hold spaces).

    Examples
    --------
    >>> parse_assignment("room temperature = 20")
    ('room temperature', '20')
    """
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip() or not value.strip():
        raise UsageError(f'{option} {text!r}: expected NAME=VALUE, e.g. {option} "memory time=12"')
    return name.strip(), value.strip()


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UsageError(f"{what}: {text!r} is not a finite number")
    return value


def parse_values(text: str, what: str = "--vary") -> list[float]:
    """The values of a swept parameter: ``start:stop:count`` (evenly spaced, ends included) or ``a,b,c``.

    Examples
    --------
    >>> parse_values("6:24:4")
    [6.0, 12.0, 18.0, 24.0]
    >>> parse_values("2, 4, 8")
    [2.0, 4.0, 8.0]
    """
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise UsageError(f"{what} {text!r}: a range is START:STOP:COUNT, e.g. 6:24:10")
        start, stop = _number(parts[0], what), _number(parts[1], what)
        count = _number(parts[2], what)
        if count != int(count) or count < 1:
            raise UsageError(f"{what} {text!r}: COUNT must be a positive whole number (got {parts[2]!r})")
        n = int(count)
        if n == 1:
            return [start]
        return [start + (stop - start) * i / (n - 1) for i in range(n)]
    return [_number(part.strip(), what) for part in text.split(",") if part.strip()] or [_number(text, what)]


def _check_names(compiled: Any, names: Sequence[str], option: str) -> None:
    """Fail with one line naming an unknown variable and the closest defined name."""
    from .names import canonical, closest

    known = [v.name for v in compiled.variables.values()]
    for name in names:
        if canonical(name) not in compiled.variables:
            hint = closest(name, known)
            raise UsageError(
                f"{option}: the model has no variable `{name}`"
                + (f"; did you mean `{hint}`?" if hint else f" (its variables: {', '.join(known[:12])})")
            )


def _assignments(texts: Sequence[str], option: str = "--set") -> dict[str, float]:
    out: dict[str, float] = {}
    for text in texts:
        name, value = parse_assignment(text, option)
        out[name] = _number(value, f"{option} {name!r}")
    return out


# ------------------------------------------------------------------------------------- the parser
def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="an XMILE or Stella model file (.xmile, .stmx, .itmx)")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a constant (or a stock's initial value); may be repeated",
    )
    p.add_argument(
        "--method",
        help="solver: euler, rk2, rk4, RK45, RK23, DOP853, Radau, BDF, LSODA (default: the file's)",
    )
    for name in ("start", "stop", "dt", "saveper"):
        p.add_argument(f"--{name}", type=float, help=f"override the model's {name}")
    p.add_argument("--rtol", type=float, help="relative tolerance of the adaptive solvers")
    p.add_argument("--atol", type=float, help="absolute tolerance of the adaptive solvers")
    p.add_argument("--seed", type=int, help="seed of the model's random functions (RANDOM, NORMAL...)")
    p.add_argument("--debug", action="store_true", help="show the full traceback of an error")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sysdyn`` program.

    Examples
    --------
    >>> build_parser().parse_args(["run", "m.xmile", "--stop", "60"]).stop
    60.0
    """
    parser = _Parser(prog=PROG, description="Run, describe and sweep system-dynamics models.")
    parser.add_argument("--version", action="store_true", help="print the version of sysdyn and exit")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser("run", help="simulate a model file", description="Simulate a model file.")
    _add_run_options(run)
    run.add_argument(
        "--out",
        metavar="PATH",
        help="write the results: .csv (time, then one column per variable), .parquet or .nc; - for CSV "
        "on standard output (default: print the final values)",
    )
    run.add_argument(
        "--var",
        dest="variables",
        action="append",
        metavar="NAME",
        help="keep only these variables in --out and --plot; may be repeated",
    )
    run.add_argument("--plot", metavar="PNG", help="save a plot (every stock, or the --var variables)")

    info = commands.add_parser("info", help="describe a model file", description="Describe a model file.")
    info.add_argument("file", help="an XMILE or Stella model file")
    info.add_argument("--debug", action="store_true", help="show the full traceback of an error")

    check = commands.add_parser(
        "check",
        help="check the units of a model file",
        description="Check that the equations of a model file are dimensionally consistent.",
    )
    check.add_argument("file", help="an XMILE or Stella model file")
    check.add_argument(
        "--numbers",
        choices=("polymorphic", "dimensionless"),
        default="polymorphic",
        help="a bare number takes whatever units are needed (default), or is dimensionless in * / ^",
    )
    check.add_argument(
        "--synonyms",
        action="append",
        default=[],
        metavar="A,B,...",
        help='unit spellings to treat as one, e.g. --synonyms "event,events"; may be repeated',
    )
    check.add_argument("--debug", action="store_true", help="show the full traceback of an error")

    sweep = commands.add_parser(
        "sweep",
        help="run a full factorial parameter sweep",
        description="Run every combination of the --vary values as one vectorised ensemble.",
    )
    _add_run_options(sweep)
    sweep.add_argument(
        "--vary",
        "--param",
        dest="vary",
        action="append",
        default=[],
        required=True,
        metavar="NAME=VALUES",
        help="a swept parameter: NAME=START:STOP:COUNT or NAME=A,B,C; several give every combination",
    )
    sweep.add_argument(
        "--paired", action="store_true", help="pair the --vary lists run by run instead of combining them"
    )
    sweep.add_argument(
        "--var", dest="variables", action="append", metavar="NAME", help="variables to keep (default: all)"
    )
    sweep.add_argument(
        "--out",
        metavar="PATH",
        help="write every run: .csv or .parquet (run, parameters, time, variables) or .nc "
        "(default: print the final values of each run)",
    )
    sweep.add_argument("--chunk-size", type=int, help="runs per vectorised call (bounds memory)")
    sweep.add_argument("--store", metavar="DIR", help="stream results to a resumable .zarr or .parquet store")
    bar = sweep.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return parser


# ----------------------------------------------------------------------------------- the commands
def _load(path: str):
    from pathlib import Path

    if not Path(path).is_file():
        raise UsageError(f"no such model file: {path}")
    from .xmile import read_xmile

    return read_xmile(path)


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {k: getattr(args, k) for k in ("start", "stop", "dt", "saveper", "rtol", "atol")}
    return {k: v for k, v in options.items() if v is not None}


def _output_kind(path: str | None) -> str | None:
    if path is None or path == "-":
        return path
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in OUTPUT_FORMATS:
        raise UsageError(f"--out {path!r}: the file must end in {', '.join(OUTPUT_FORMATS)} (or be - )")
    if suffix == ".parquet":  # fail before the run, not after it
        _need("pyarrow", "parquet", "writing .parquet")
    elif suffix == ".nc":
        _need("xarray", "xarray", "writing .nc")
    return suffix


def _display(info: Any, name: str) -> str:
    """The display label of a variable, or of the element ``name`` picks (``Knowledge[Ann]``)."""
    if "[" not in name or not info.dimensions:
        return info.name
    from .names import canonical

    wanted = [canonical(e) for e in name[name.index("[") + 1 : name.rindex("]")].split(",")]
    chosen = [
        next((e for e in elements if canonical(e) == w), w)
        for w, elements in zip(wanted, info.elements, strict=False)
    ]
    return f"{info.name}[{', '.join(chosen)}]"


def _columns(res: Any, names: Sequence[str] | None) -> list[tuple[str, Any]]:
    """``(label, values over time)`` of each variable or element, in model order."""
    import itertools

    out = []
    for name in names or res.names:
        values = res[name]
        info = res.info_for(name)
        if values.ndim == 1:
            out.append((_display(info, name), values))
            continue
        flat = values.reshape(len(res.time), -1)
        for j, combo in enumerate(itertools.product(*info.elements)):
            out.append((f"{info.name}[{', '.join(combo)}]", flat[:, j]))
    return out


def _write_csv(res: Any, names: Sequence[str] | None, stream: Any) -> None:
    import csv

    cols = _columns(res, names)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["time", *(label for label, _ in cols)])
    arrays = [res.time.tolist(), *(values.tolist() for _, values in cols)]
    writer.writerows(zip(*arrays, strict=True))


def _need(module: str, extra: str, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{what} needs {module}: pip install 'sysdyn-sim[{extra}]'")


def _write(res: Any, names: Sequence[str] | None, path: str, kind: str) -> None:
    if kind == "-":
        _write_csv(res, names, sys.stdout)
    elif kind == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as f:
            _write_csv(res, names, f)
    elif kind == ".parquet":
        res.to_pandas(names).reset_index().to_parquet(path, index=False)
    else:
        ds = res.to_xarray()
        if names:
            ds = ds[[res.info_for(n).name for n in names]]
        ds.to_netcdf(path)


def _plot(res: Any, names: Sequence[str] | None, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = res.plot(*(names or ()))
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)


def _cmd_run(args: argparse.Namespace) -> int:
    kind = _output_kind(args.out)
    model = _load(args.file)
    compiled = model.compile()
    params = _assignments(args.sets)
    _check_names(compiled, list(params), "--set")
    names = args.variables
    if names:
        _check_names(compiled, [n.split("[")[0] for n in names], "--var")
    res = model.run(method=args.method, params=params or None, seed=args.seed, **_run_options(args))
    if kind is not None:
        _write(res, names, args.out, kind)
    if args.plot:
        _plot(res, names, args.plot)
    if kind != "-":
        width = max(len(label) for label, _ in _columns(res, names))
        print(f"{res.model_name or 'model'}: {res.method}, time {res.time[0]:g} to {res.time[-1]:g}")
        for label, values in _columns(res, names):
            print(f"  {label:<{width}}  {values[-1]:.6g}")
    return 0


def _describe(v: Any, width: int) -> str:
    dims = f"[{', '.join(v.dimensions)}]" if v.dimensions else ""
    units = f" ({v.units})" if v.units else ""
    eq = v.equation or "; ".join(f"[{', '.join(e)}] = {q}" for e, q in v.element_equations)
    extra = ""
    if v.kind == "stock":
        parts = [f"in: {', '.join(v.inflows)}" if v.inflows else "", f"out: {', '.join(v.outflows)}"]
        extra = "  " + "; ".join(p for p in parts if p and p != "out: ") if v.inflows or v.outflows else ""
        extra += "  non-negative" if v.non_negative else ""
    elif getattr(v, "non_negative", False):
        extra = "  uniflow"
    if getattr(v, "lookup", None) is not None:
        extra += f"  graphical function of {len(v.lookup.x)} points"
    label = f"{v.name}{dims}{units}"
    return f"  {label:<{width}}  = {' '.join(eq.split())}{extra}"


def _cmd_info(args: argparse.Namespace) -> int:
    model = _load(args.file)
    d = model.definition
    s = d.sim_specs
    units = f" {s.time_units}" if s.time_units else ""
    print(f"Model: {d.name}")
    if d.doc:
        print(f"  {' '.join(d.doc.split())}")
    print(
        f"Sim specs: start {s.start:g}, stop {s.stop:g}{units}, dt {s.dt:g}, "
        f"saveper {s.saveper if s.saveper is not None else s.dt:g}, method {s.method}"
    )
    if d.dimensions:
        print(f"Dimensions ({len(d.dimensions)}):")
        for dim in d.dimensions:
            print(f"  {dim.name}: {', '.join(dim.elements)}")
    groups = (("stock", "Stocks"), ("flow", "Flows"), ("aux", "Auxiliaries"), ("constant", "Constants"))
    width = max((len(v.name) + len(v.units) + 3 for v in d.variables), default=0)
    width = min(width + 8, 48)
    for kind, title in groups:
        chosen = [v for v in d.variables if v.kind == kind]
        if chosen:
            print(f"{title} ({len(chosen)}):")
            for v in chosen:
                print(_describe(v, width))
    if d.lookups:
        print(f"Graphical functions ({len(d.lookups)}):")
        for t in d.lookups:
            print(f"  {t.name}: {len(t.x)} points, x {min(t.x):g} to {max(t.x):g}, {t.kind}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    kind = _output_kind(args.out)
    model = _load(args.file)
    compiled = model.compile()
    fixed = _assignments(args.sets)
    values = {name: parse_values(text, f"--vary {name!r}") for name, text in map(parse_assignment, args.vary)}
    _check_names(compiled, [*values, *fixed], "--vary/--set")
    if args.variables:
        _check_names(compiled, args.variables, "--var")
    from .scenarios import sweep

    try:
        result = sweep(
            model,
            values,
            grid=not args.paired,
            method=args.method,
            fixed=fixed or None,
            outputs=args.variables,
            chunk_size=args.chunk_size,
            seed=args.seed,
            store=args.store,
            progress=args.progress,
            **_run_options(args),
        )
    except ValueError as err:  # e.g. a repeated value of a sweep axis
        raise UsageError(str(err)) from err
    if kind == ".nc":
        result.to_xarray().to_netcdf(args.out)
    elif kind is not None:
        table = result.to_pandas().reset_index()
        if kind == ".parquet":
            table.to_parquet(args.out, index=False)
        else:
            table.to_csv(sys.stdout if kind == "-" else args.out, index=False)
    if kind != "-":
        from .names import canonical

        set_here = (canonical(n) for n in (*values, *fixed))  # a stock set here still changes: keep it
        varied = {k for k in set_here if compiled.variables[k].kind != "stock"}
        finals = result.statistics([n for n in result.names if canonical(n) not in varied])
        print(f"{result.n_runs} runs of {result.model_name} ({result.method}); final values:")
        print(finals.to_string(max_rows=20))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .units import check_units

    model = _load(args.file)
    groups = [[w.strip() for w in text.split(",") if w.strip()] for text in args.synonyms]
    issues = check_units(model, numbers=args.numbers, synonyms=[g for g in groups if g])
    name = model.definition.name or args.file
    if not issues:
        print(f"{name}: units are consistent")
        return 0
    print(f"{name}: {len(issues)} unit issue{'s' if len(issues) != 1 else ''}")
    for issue in issues:
        print(f"  {issue}")
        print(f"      expected {issue.expected}, found {issue.found}")
    return 2


_COMMANDS = {"run": _cmd_run, "info": _cmd_info, "check": _cmd_check, "sweep": _cmd_sweep}


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sysdyn`` program; return its exit status (0 ok, 2 bad usage or model, 1 internal error).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     code = main(["run", "no-such-file.xmile"])
    >>> code, err.getvalue()
    (2, 'sysdyn: error: no such model file: no-such-file.xmile\\n')
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.version:
            from . import __version__

            print(f"sysdyn {__version__}")
            return 0
        if args.command is None:
            raise UsageError(f"name a command: {', '.join(_COMMANDS)} (see `{PROG} --help`)")
        return _COMMANDS[args.command](args)
    except SystemExit as exit_:  # --help, or argparse's own exits
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if debug:
            raise
        from .errors import SysdynError

        if isinstance(err, UsageError | SysdynError):
            print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
            return 2
        if isinstance(err, OSError):
            print(f"{PROG}: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
            return 2
        print(
            f"{PROG}: internal error: {type(err).__name__}: {_one_line(err)} (run again with --debug "
            "for the traceback, and report it)",
            file=sys.stderr,
        )
        return 1
