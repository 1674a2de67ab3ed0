"""A store on disk that ensemble chunks stream into, so that a killed run resumes where it stopped.

A store is a folder named ``*.zarr`` (needs ``zarr``) or ``*.parquet``
(needs ``pyarrow``).  Beside the data it holds a manifest,
``_sysdyn.json``, that fingerprints what is being computed: the model
definition, the parameter design, the run options (method, time grid,
seed, saved variables) and the chunking.  Opening a store for a run with a
different fingerprint raises :class:`StoreMismatchError` saying what
differs, instead of mixing results of two different experiments.

A chunk counts as done only once its data is on disk in full:

* Parquet: one file per chunk, ``chunk-000012.parquet``, written under a
  hidden temporary name and renamed into place (an atomic step), so a file
  that exists is complete.  ``pandas.read_parquet(folder)`` reads them all.
  Rows are ``(run, time)``; a scalar variable is one column, an arrayed one
  a column per element named as :meth:`sysdyn.Results.to_pandas` names
  them, ``"Knowledge[alice]"``.
* Zarr: one array per variable, shaped ``(run, time)`` (``(run, time,
  *dims)`` for an arrayed variable, with the element names as coordinate
  arrays) and chunked as the ensemble is; after a chunk's rows are written,
  a marker file ``_sysdyn_done/chunk-000012`` is renamed into place.
  ``xarray.open_zarr`` reads the store.

The manifest records each output's shape, dimensions and element names
(``shapes``, ``dimensions``, ``elements``); for arrayed outputs they are part
of the fingerprint, so a store made for other nodes or elements is refused.

Examples
--------
>>> import tempfile, numpy as np
>>> path = tempfile.mkdtemp() + "/runs.zarr"
>>> manifest = {"fingerprint": {"model": "m1"}, "n_runs": 4, "chunk_size": 2,
...             "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": ["k"]}
>>> store = open_store(path, manifest)
>>> store.write(0, {"k": np.ones((2, 2))}, writer="doc")
>>> sorted(store.done())
[0]
>>> open_store(path, {**manifest, "fingerprint": {"model": "m2"}})
Traceback (most recent call last):
...
sysdyn.scenarios.store.StoreMismatchError: the store ... for a different experiment: the model differs...
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SysdynError

__all__ = [
    "StoreError",
    "StoreMismatchError",
    "StoreCorruptError",
    "open_store",
    "load_store",
    "EnsembleStore",
]

MANIFEST = "_sysdyn.json"
FORMAT = "sysdyn-ensemble-store"
VERSION = 1
_DONE = "_sysdyn_done"
_WHAT = {
    "model": "the model differs (its definition: equations, constants or time specs)",
    "design": "the parameter values of the runs differ",
    "run": "the run options differ (method, time grid, tolerances, seed or saved variables)",
    "chunks": "the chunk size differs",
    "shapes": "the dimensions of the saved variables differ (their shapes or element names, e.g. the nodes "
    "of a network)",
}


class StoreError(SysdynError):
    """A results store on disk cannot be used."""


class StoreMismatchError(StoreError):
    """The store holds (part of) a different experiment than the one being run."""


class StoreCorruptError(StoreError):
    """The store's manifest or one of its chunks cannot be read or does not fit the manifest."""


def _chunk_name(index: int) -> str:
    return f"chunk-{index:06d}"


def _safe_name(name: str, index: int) -> str:
    bad = "/" in name or name.startswith((".", "_")) or not name.strip()
    return f"var{index}" if bad else name


class EnsembleStore:
    """A results store opened for one experiment (made by :func:`open_store`).

    Attributes
    ----------
    path : pathlib.Path
    manifest : dict
        What the store holds (see :func:`open_store`).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
    ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
    >>> store.n_chunks, store.missing()
    (2, [0, 1])
    >>> store.write(1, {"k": np.full((1, 2), 7.0)}, writer="host-1")
    >>> store
    <_ZarrStore '...runs.zarr': 1/2 chunks done>
    >>> tmp.cleanup()
    """

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.manifest = manifest
        self.n_runs = int(manifest["n_runs"])
        self.chunk_size = int(manifest["chunk_size"])
        self.n_chunks = math.ceil(self.n_runs / self.chunk_size)
        self.n_times = len(manifest["time"])
        self.outputs: dict[str, str] = dict(manifest["outputs"])  # key -> display name
        shapes = manifest.get("shapes") or {}
        self.shapes: dict[str, tuple[int, ...]] = {
            k: tuple(int(n) for n in shapes.get(k, ())) for k in self.outputs
        }
        self.dimensions: dict[str, tuple[str, ...]] = {
            k: tuple((manifest.get("dimensions") or {}).get(k, ())) for k in self.outputs
        }
        self.elements: dict[str, tuple[tuple[str, ...], ...]] = {
            k: tuple(tuple(str(e) for e in els) for els in (manifest.get("elements") or {}).get(k, ()))
            for k in self.outputs
        }
        for k in self.outputs:
            if len(self.dimensions[k]) != len(self.shapes[k]) or (
                self.elements[k] and tuple(len(e) for e in self.elements[k]) != self.shapes[k]
            ):
                raise StoreCorruptError(
                    f"the manifest of {str(path)!r} gives `{self.outputs[k]}` the shape {self.shapes[k]} but "
                    f"dimensions {list(self.dimensions[k])}; the store is damaged: delete it and run again"
                )
        self.columns = {k: _safe_name(n, i) for i, (k, n) in enumerate(self.outputs.items())}

    def bounds(self, index: int) -> tuple[int, int]:
        """First and one-past-last run of chunk ``index``.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
        ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
        >>> store.bounds(0), store.bounds(1)  # the last chunk is shorter
        ((0, 2), (2, 3))
        >>> tmp.cleanup()
        """
        start = index * self.chunk_size
        return start, min(start + self.chunk_size, self.n_runs)

    # the backend-specific part ------------------------------------------------------------
    def done(self) -> set[int]:  # pragma: no cover - overridden
        """Indices of the chunks whose data is on disk in full.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
        ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
        >>> store.write(1, {"k": np.full((1, 2), 7.0)}, writer="host-1")
        >>> store.done()
        {1}
        >>> tmp.cleanup()
        """
        raise NotImplementedError

    def write(self, index: int, data: dict[str, np.ndarray], writer: str) -> None:  # pragma: no cover
        """Write chunk ``index`` (``data``: key -> ``(runs, times, *dims)`` array), then mark it done.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
        ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
        >>> store.write(0, {"k": np.ones((2, 2))}, writer="host-1")
        >>> store.write(1, {"k": np.ones((2, 2))}, writer="host-1")
        Traceback (most recent call last):
        ...
        sysdyn.scenarios.store.StoreError: chunk 1 of `K` should have shape (1, 2) (got (2, 2))
        >>> tmp.cleanup()
        """
        raise NotImplementedError

    def read(self, key: str) -> np.ndarray:  # pragma: no cover
        """All runs of one saved variable, shape ``(n_runs, n_times, *dims)``.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
        ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
        >>> store.write(0, {"k": np.ones((2, 2))}, writer="host-1")
        >>> store.write(1, {"k": np.full((1, 2), 7.0)}, writer="host-1")
        >>> store.read("k")
        array([[1., 1.],
               [1., 1.],
               [7., 7.]])
        >>> tmp.cleanup()
        """
        raise NotImplementedError

    def writers(self) -> dict[int, str]:  # pragma: no cover
        """Chunk index -> the id of the process run that wrote it.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = open_store(tmp.name + "/runs.zarr", {"fingerprint": {}, "n_runs": 3, "chunk_size": 2,
        ...     "time": [0.0, 1.0], "outputs": {"k": "K"}, "params": []})
        >>> store.write(1, {"k": np.full((1, 2), 7.0)}, writer="host-1")
        >>> store.writers()
        {1: 'host-1'}
        >>> tmp.cleanup()
        """
        raise NotImplementedError

    def _check_chunk(self, index: int, data: dict[str, np.ndarray]) -> None:
        start, stop = self.bounds(index)
        for key in self.outputs:
            arr = data.get(key)
            expected = (stop - start, self.n_times, *self.shapes[key])
            if arr is None or arr.shape != expected:
                found = None if arr is None else arr.shape
                raise StoreError(
                    f"chunk {index} of `{self.outputs[key]}` should have shape {expected} (got {found})"
                )

    def missing(self) -> list[int]:
        """Chunks not yet done, in order.

        Examples
        --------
        >>> import tempfile
        >>> s = open_store(tempfile.mkdtemp() + "/r.zarr", {"fingerprint": {}, "n_runs": 5,
        ...     "chunk_size": 2, "time": [0.0], "outputs": {"k": "K"}, "params": []})
        >>> s.missing()
        [0, 1, 2]
        """
        done = self.done()
        return [i for i in range(self.n_chunks) if i not in done]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self.path)!r}: {len(self.done())}/{self.n_chunks} chunks done>"


class _ZarrStore(EnsembleStore):
    def __init__(self, path: Path, manifest: dict[str, Any]):
        super().__init__(path, manifest)
        import zarr

        self._group = zarr.open_group(str(path), mode="a")
        (path / _DONE).mkdir(exist_ok=True)

    def _create(self) -> None:
        g = self._group
        time = np.asarray(self.manifest["time"], dtype=float)
        g.create_array("time", shape=time.shape, dtype="f8", dimension_names=("time",), overwrite=True)
        g["time"][:] = time
        g.create_array("run", shape=(self.n_runs,), dtype="i8", dimension_names=("run",), overwrite=True)
        g["run"][:] = np.arange(self.n_runs)
        taken = {"time", "run", *self.columns.values()}
        for key, col in self.columns.items():
            shape = self.shapes[key]
            arr = g.create_array(
                col,
                shape=(self.n_runs, self.n_times, *shape),
                chunks=(self.chunk_size, self.n_times, *shape),
                dtype="f8",
                fill_value=np.nan,
                dimension_names=("run", "time", *self.dimensions[key]),
                overwrite=True,
            )
            arr.attrs["long_name"] = self.outputs[key]
            for dim, elements in zip(self.dimensions[key], self.elements[key], strict=False):
                if dim in taken or "/" in dim or dim.startswith((".", "_")):
                    continue  # a coordinate array cannot be made under that name; the manifest has it
                taken.add(dim)
                coord = g.create_array(dim, shape=(len(elements),), dtype=str, dimension_names=(dim,))
                coord[:] = np.array(elements, dtype=str)

    def done(self) -> set[int]:
        out = set()
        for entry in os.listdir(self.path / _DONE):
            if entry.startswith("chunk-") and entry[6:].isdigit():
                index = int(entry[6:])
                if index >= self.n_chunks:
                    raise StoreCorruptError(
                        f"the store {str(self.path)!r} marks chunk {index} done, but the experiment has only "
                        f"{self.n_chunks} chunks; the store is damaged: delete it and run again"
                    )
                out.add(index)
        return out

    def write(self, index: int, data: dict[str, np.ndarray], writer: str) -> None:
        self._check_chunk(index, data)
        start, stop = self.bounds(index)
        for key, col in self.columns.items():
            self._group[col][start:stop] = data[key]
        marker = self.path / _DONE / _chunk_name(index)
        tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"chunk": index, "runs": [start, stop], "writer": writer}))
        os.replace(tmp, marker)

    def read(self, key: str) -> np.ndarray:
        arr = np.asarray(self._group[self.columns[key]][:], dtype=float)
        return arr

    def writers(self) -> dict[int, str]:
        out = {}
        for index in self.done():
            try:
                out[index] = json.loads((self.path / _DONE / _chunk_name(index)).read_text())["writer"]
            except (OSError, ValueError, KeyError) as err:
                raise StoreCorruptError(
                    f"the done-marker of chunk {index} in {str(self.path)!r} cannot be read ({err})"
                ) from None
        return out


class _ParquetStore(EnsembleStore):
    def __init__(self, path: Path, manifest: dict[str, Any]):
        super().__init__(path, manifest)
        import pyarrow  # noqa: F401  (fail early with ImportError if missing)

        self.element_columns = _element_columns(self)

    def _create(self) -> None:
        pass

    def _file(self, index: int) -> Path:
        return self.path / f"{_chunk_name(index)}.parquet"

    def _meta(self, index: int) -> dict[str, Any]:
        import pyarrow.parquet as pq

        file = self._file(index)
        try:
            meta = pq.read_schema(file).metadata or {}
            info = json.loads(meta[b"sysdyn.chunk"])
            rows = pq.read_metadata(file).num_rows
        except Exception as err:  # pyarrow raises several kinds for a damaged file
            raise StoreCorruptError(
                f"chunk file {str(file)!r} cannot be read ({type(err).__name__}: {err}); "
                "delete that file and run again to recompute that chunk"
            ) from None
        start, stop = self.bounds(index)
        if info.get("chunk") != index or rows != (stop - start) * self.n_times:
            raise StoreCorruptError(
                f"chunk file {str(file)!r} holds {rows} rows of chunk {info.get('chunk')}, but chunk {index} "
                f"should have {(stop - start) * self.n_times}; delete that file and run again"
            )
        return info

    def done(self) -> set[int]:
        out = set()
        for entry in os.listdir(self.path):
            if entry.startswith("chunk-") and entry.endswith(".parquet"):
                stem = entry[6:-8]
                if not stem.isdigit() or int(stem) >= self.n_chunks:
                    raise StoreCorruptError(
                        f"{entry!r} in {str(self.path)!r} is not a chunk of this experiment "
                        f"({self.n_chunks} chunks); the store is damaged: delete it and run again"
                    )
                out.add(int(stem))
        return out

    def write(self, index: int, data: dict[str, np.ndarray], writer: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._check_chunk(index, data)
        start, stop = self.bounds(index)
        n = stop - start
        time = np.asarray(self.manifest["time"], dtype=float)
        columns = {
            "run": pa.array(np.repeat(np.arange(start, stop, dtype=np.int64), self.n_times)),
            "time": pa.array(np.tile(time, n)),
        }
        for key, cols in self.element_columns.items():
            block = np.ascontiguousarray(data[key], dtype=float).reshape(n * self.n_times, len(cols))
            for j, col in enumerate(cols):
                columns[col] = pa.array(block[:, j])
        info = {"chunk": index, "runs": [start, stop], "writer": writer}
        table = pa.table(columns).replace_schema_metadata({"sysdyn.chunk": json.dumps(info)})
        file = self._file(index)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, file)

    def read(self, key: str) -> np.ndarray:
        import pyarrow.parquet as pq

        cols = self.element_columns[key]
        parts = []
        for index in range(self.n_chunks):
            start, stop = self.bounds(index)
            self._meta(index)
            table = pq.read_table(self._file(index), columns=cols)
            block = np.column_stack([table.column(c).to_numpy() for c in cols])
            parts.append(block.reshape(stop - start, self.n_times, *self.shapes[key]))
        return np.concatenate(parts, axis=0)

    def writers(self) -> dict[int, str]:
        return {index: self._meta(index)["writer"] for index in self.done()}


def _element_columns(store: EnsembleStore) -> dict[str, list[str]]:
    """Parquet column names: one per scalar variable, one per element (``"K[alice]"``) of an arrayed one."""
    import itertools

    out: dict[str, list[str]] = {}
    seen = {"run", "time"}
    for key, col in store.columns.items():
        if not store.shapes[key]:
            names = [col]
        else:
            elements = store.elements[key] or tuple(tuple(map(str, range(n))) for n in store.shapes[key])
            names = [f"{col}[{', '.join(combo)}]" for combo in itertools.product(*elements)]
        if seen.intersection(names) or len(set(names)) != len(names):  # odd labels: number the columns
            names = [col] if not store.shapes[key] else [f"{col}[{j}]" for j in range(len(names))]
        seen.update(names)
        out[key] = names
    return out


_BACKENDS = {".zarr": _ZarrStore, ".parquet": _ParquetStore}


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / MANIFEST
    try:
        manifest = json.loads(file.read_text())
    except (OSError, ValueError) as err:
        raise StoreCorruptError(
            f"the manifest {str(file)!r} cannot be read ({err}); "
            "the store is damaged: delete it and run again"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StoreCorruptError(f"{str(file)!r} is not the manifest of a sysdyn store")
    if manifest.get("version") != VERSION:
        raise StoreError(
            f"the store {str(path)!r} has format version {manifest.get('version')!r}; "
            f"this sysdyn reads version {VERSION}"
        )
    for field in ("fingerprint", "n_runs", "chunk_size", "time", "outputs"):
        if field not in manifest:
            raise StoreCorruptError(f"the manifest {str(file)!r} has no `{field}`; the store is damaged")
    return manifest


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    for part in sorted(set(old) | set(new)):
        if old.get(part) != new.get(part):
            out.append(_WHAT.get(part, f"`{part}` differs"))
    return out


def _backend(path: Path) -> type[EnsembleStore]:
    cls = _BACKENDS.get(path.suffix.lower())
    if cls is None:
        raise StoreError(
            f"the store path {str(path)!r} must end in .zarr or .parquet (that picks the format)"
        )
    return cls


def open_store(path: str | os.PathLike, manifest: dict[str, Any]) -> EnsembleStore:
    """Open (or create) the store at ``path`` for the experiment that ``manifest`` describes.

    Parameters
    ----------
    path : str or path-like
        A folder ending in ``.zarr`` or ``.parquet``.  It is created if it does
        not exist; an existing folder must be a sysdyn store (anything else is
        left alone and an error raised).
    manifest : dict
        ``fingerprint`` (dict of part -> hash: ``model``, ``design``, ``run``,
        ``chunks``), ``n_runs``, ``chunk_size``, ``time`` (save grid),
        ``outputs`` (key -> display name) and ``params`` (names); anything else
        is kept for information.

    Raises
    ------
    StoreMismatchError
        If the folder is a store of another experiment.
    StoreCorruptError
        If its manifest cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> open_store(tempfile.mkdtemp() + "/out.csv", {})
    Traceback (most recent call last):
    ...
    sysdyn.scenarios.store.StoreError: the store path '...out.csv' must end in .zarr or .parquet ...
    """
    path = Path(path)
    cls = _backend(path)
    manifest = {"format": FORMAT, "version": VERSION, **manifest}
    if path.exists():
        if not path.is_dir():
            raise StoreError(f"{str(path)!r} exists and is not a folder; choose another path for the store")
        if not (path / MANIFEST).exists():
            if any(path.iterdir()):
                raise StoreError(
                    f"{str(path)!r} exists and is not a sysdyn store (it has no {MANIFEST}); "
                    "refusing to write into it: choose another path or empty it"
                )
        else:
            old = _read_manifest(path)
            diffs = _differences(old["fingerprint"], manifest["fingerprint"])
            if diffs:
                raise StoreMismatchError(
                    f"the store {str(path)!r} was made for a different experiment: {'; '.join(diffs)}. "
                    "Use another path, or delete the store to start again"
                )
            store = cls(path, old)
            _clean_temporaries(path)
            return store
    path.mkdir(parents=True, exist_ok=True)
    store = cls(path, manifest)
    store._create()  # type: ignore[attr-defined]
    tmp = path / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, path / MANIFEST)  # the manifest comes last: a half-made store has none
    return store


def load_store(path: str | os.PathLike) -> EnsembleStore:
    """Open an existing store to read it (no experiment to compare with).

    Examples
    --------
    >>> import tempfile
    >>> load_store(tempfile.mkdtemp() + "/none.zarr")
    Traceback (most recent call last):
    ...
    sysdyn.scenarios.store.StoreError: there is no sysdyn store at '...none.zarr'
    """
    path = Path(path)
    cls = _backend(path)
    if not (path / MANIFEST).exists():
        raise StoreError(f"there is no sysdyn store at {str(path)!r}")
    return cls(path, _read_manifest(path))


def _clean_temporaries(path: Path) -> None:
    """Remove files a killed writer left under temporary names."""
    for folder in (path, path / _DONE):
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
