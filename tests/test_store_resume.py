"""Kill a sweep that streams to a store midway, resume it, and check every run was computed exactly once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.scenarios import StoreCorruptError, StoreError, StoreMismatchError, load_store
from sysdyn.showcase import team_knowledge

pytest.importorskip("zarr")

N_VALUES, CHUNK = 400, 10  # 40 chunks
SCRIPT = """
import sys, numpy as np, sysdyn as sd
from sysdyn.showcase import team_knowledge
# a fine dt makes each chunk take a few milliseconds, so the parent can kill us midway
sd.sweep(team_knowledge(), {{"memory time": np.linspace(6, 24, {n})}}, method="euler", dt=0.05,
         chunk_size={chunk}, outputs=["Knowledge"], store=sys.argv[1], progress=False)
"""


def _call(path):
    return sd.sweep(
        team_knowledge(),
        {"memory time": np.linspace(6, 24, N_VALUES)},
        method="euler",
        dt=0.05,
        chunk_size=CHUNK,
        outputs=["Knowledge"],
        store=path,
        progress=False,
    )


@pytest.mark.parametrize("suffix", [".zarr", ".parquet"])
def test_killed_sweep_resumes_with_every_run_once(tmp_path: Path, suffix: str, kill_sweep_midway):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / f"runs{suffix}"
    before = kill_sweep_midway(SCRIPT.format(n=N_VALUES, chunk=CHUNK), path, chunks=5)
    assert 5 <= len(before) < N_VALUES // CHUNK, "the kill must land midway"
    res = _call(path)
    after = load_store(path).writers()
    # the chunks done before the kill were not recomputed (same writer), the rest were computed once now
    assert sorted(res.info["reused"]) == sorted(before)
    assert set(res.info["computed"]) == set(range(N_VALUES // CHUNK)) - set(before)
    assert {i: after[i] for i in before} == before
    assert all(after[i] == res.info["writer"] for i in res.info["computed"])
    assert sorted(after) == list(range(N_VALUES // CHUNK))
    # every run is there, with the values a direct in-memory ensemble gives
    direct = team_knowledge().run(
        method="euler", dt=0.05, params={"memory time": np.linspace(6, 24, N_VALUES)}
    )
    np.testing.assert_array_equal(res["Knowledge"], direct["Knowledge"])
    # a third call computes nothing
    again = _call(path)
    assert again.info["computed"] == [] and len(again.info["reused"]) == N_VALUES // CHUNK


def test_mismatched_store_is_refused(tmp_path: Path):
    path = tmp_path / "r.zarr"
    sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler", store=path, progress=False)
    with pytest.raises(StoreMismatchError, match="parameter values of the runs differ"):
        sd.sweep(team_knowledge(), {"Staff": [2, 5]}, method="euler", store=path, progress=False)
    other = team_knowledge()
    other.constant("Capacity", 120)
    with pytest.raises(StoreMismatchError, match="the model differs"):
        sd.sweep(other, {"Staff": [2, 4]}, method="euler", store=path, progress=False)
    with pytest.raises(StoreMismatchError, match="run options differ"):
        sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="rk4", store=path, progress=False)


def test_corrupt_store_is_refused(tmp_path: Path):
    path = tmp_path / "r.zarr"
    sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler", store=path, progress=False)
    (path / "_sysdyn.json").write_text("{not json")
    with pytest.raises(StoreCorruptError, match="cannot be read"):
        sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler", store=path, progress=False)
    folder = tmp_path / "mine.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    with pytest.raises(StoreError, match="not a sysdyn store"):
        sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler", store=folder, progress=False)
    assert (folder / "notes.txt").read_text() == "precious"


def test_corrupt_parquet_chunk_is_named(tmp_path: Path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "r.parquet"
    sd.sweep(team_knowledge(), {"Staff": [2, 4, 6]}, method="euler", chunk_size=1, store=path, progress=False)
    (path / "chunk-000001.parquet").write_bytes(b"garbage")
    with pytest.raises(StoreCorruptError, match=r"chunk-000001\.parquet"):
        load_store(path).writers()


def test_dask_local_cluster_gives_the_in_process_answer(tmp_path: Path):
    distributed = pytest.importorskip("distributed")
    values = {"memory time": np.linspace(6, 24, 30), "Staff": [2, 4]}
    here = sd.sweep(team_knowledge(), values, method="euler", chunk_size=7, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        there = sd.sweep(
            team_knowledge(),
            values,
            method="euler",
            chunk_size=7,
            progress=False,
            client=client,
            store=tmp_path / "d.zarr",
        )
        assert sorted(there.info["computed"]) == list(range(9))
    np.testing.assert_array_equal(here["Knowledge"], there["Knowledge"])
