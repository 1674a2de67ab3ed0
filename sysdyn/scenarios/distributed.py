"""Chunks of an ensemble as Dask tasks (needs the optional ``dask[distributed]``).

``client=`` of :func:`~sysdyn.sweep` and :func:`~sysdyn.monte_carlo` picks
where the chunks run:

* ``None``: in this process, one chunk after another (no Dask needed);
* ``"local"``: a new :class:`dask.distributed.LocalCluster` with one
  single-threaded worker process per core, closed at the end;
* a :class:`dask.distributed.Client` (or a ``LocalCluster``) you made;
* a scheduler address such as ``"tcp://10.0.0.5:8786"``.

The model definition (frozen, picklable) is sent to the workers once;
each worker compiles it once and runs its chunks as vectorised ensembles.
Results come back to this process as the chunks finish, where they are
written to the store, so any cluster works without a shared file system.
At most a few chunks per worker thread are in flight at a time, which
bounds the memory of a run of any length.

Examples
--------
>>> resolve_client(None)
(None, False)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from ..errors import SysdynError
from .ensemble import ChunkTask, RunSpec, run_chunk

__all__ = ["resolve_client", "map_chunks", "IN_FLIGHT_PER_THREAD"]

IN_FLIGHT_PER_THREAD = 2
_HINT = "running chunks on Dask needs dask.distributed: pip install 'sysdyn-sim[distributed]'"


def _distributed():
    try:
        import distributed
    except ImportError as err:
        raise ImportError(_HINT) from err
    return distributed


def resolve_client(client: Any) -> tuple[Any, bool]:
    """Turn the ``client=`` argument into ``(Client or None, whether we own and must close it)``.

    Examples
    --------
    >>> resolve_client(3)
    Traceback (most recent call last):
    ...
    sysdyn.errors.SysdynError: `client` must be None, 'local', a dask.distributed Client ...
    """
    if client is None:
        return None, False
    if isinstance(client, str):
        distributed = _distributed()
        if client == "local":
            cluster = distributed.LocalCluster(
                threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            )
            return distributed.Client(cluster), True
        return distributed.Client(client), True
    if type(client).__name__ == "Client" and hasattr(client, "submit"):
        return client, False
    if hasattr(client, "scheduler_address"):  # a cluster object
        return _distributed().Client(client), True
    raise SysdynError(
        "`client` must be None, 'local', a dask.distributed Client or LocalCluster, or a scheduler address "
        f"(got {client!r} that is a {type(client).__name__})"
    )


def _threads(client: Any) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # an unusual scheduler: assume one thread
        return 1


def map_chunks(client: Any, spec: RunSpec, tasks: list[ChunkTask]) -> Iterator[tuple[ChunkTask, dict]]:
    """Run ``tasks`` on Dask and yield ``(task, data)`` as each finishes (not in order).

    Examples
    --------
    >>> list(map_chunks(None, None, []))
    []
    """
    if not tasks:
        return
    dclient, owned = resolve_client(client)
    distributed = _distributed()
    try:
        spec_future = dclient.scatter(spec, broadcast=True)
        limit = IN_FLIGHT_PER_THREAD * _threads(dclient)
        pending = iter(tasks)
        by_key: dict[str, ChunkTask] = {}
        run_id = uuid.uuid4().hex[:12]  # keys unique to this call: Dask must never reuse another's result

        def submit(task: ChunkTask):
            future = dclient.submit(run_chunk, spec_future, task, key=f"sysdyn-chunk-{run_id}-{task.index}")
            by_key[future.key] = task
            return future

        queue = distributed.as_completed([submit(t) for _, t in zip(range(limit), pending, strict=False)])
        for future in queue:
            task = by_key.pop(future.key)
            data = future.result()
            future.release()
            yield task, data
            following = next(pending, None)
            if following is not None:
                queue.add(submit(following))
    finally:
        if owned:
            cluster = getattr(dclient, "cluster", None)
            dclient.close()
            if cluster is not None:
                cluster.close()
