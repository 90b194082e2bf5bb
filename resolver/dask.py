"""Batch resolution on Dask (the `dask` extra: `pip install 'task-resolver[dask]'`).

`import resolver` never imports this module (nor dask). Each Dask worker process keeps one Resolver
(made on its first partition, reused for every later one), and resolves a partition at a time:

    import dask.bag as db
    import resolver.dask

    refs = db.from_sequence(["org/a", "/models/b", "org/c@v1.0"], npartitions=2)
    records = resolver.dask.resolve_bag(refs).compute()  # dicts: to_dict() plus "ref", or {"ref", "error"}

    frame = resolver.dask.resolve_column(ddf, "ref")  # a dask.dataframe of flat columns (needs pandas)

`run_on_dask` is what `task-resolver batch --engine dask [--scheduler ADDRESS]` runs: partitions
submitted as futures, at most a few per worker in flight, gathered in input order, so the output
(the same lines as --workers) streams with bounded memory. docs/batch.md: running on an existing
cluster, and what it costs per worker.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from resolver.batch.requests import Request, as_request
from resolver.batch.run import Backoff, default_workers, freeze, hub_task, thaw
from resolver.batch.worker import Outcome, Settings, run_requests

PARTITION = 256  # requests per partition (one task) in run_on_dask
COLUMNS = ("ref", "task", "library", "framework", "loader", "strategy", "where", "error_type", "error_message")

PROFILER_OFF = {"distributed.worker.profile.enabled": False}
_BACKOFF = Backoff()  # one per worker process: its Hub requests wait out the same 429 pause


def resolve_partition(items: Iterable[Any], settings: Settings | None = None, **options: Any) -> list[Any]:
    """Resolve one partition on a worker: references (strings, mappings, Requests) -> outcome values.

    `settings` (or keyword options of resolver.batch.worker.Settings) choose the rules, the Hub options
    and the shape: "record" (dicts, the default), "json" / "csv" (lines) or "object" (Resolutions).
    """
    settings = settings or Settings(**{"shape": "record", **options})
    return [outcome.value for outcome in _outcomes(map(as_request, items), settings)]


def _outcomes(requests: Iterable[Request], settings: Settings) -> Iterator[Outcome]:
    """The outcomes of `requests` in order: consecutive local ones as a batch's chunk is run (folders
    read ahead), each Hub one in turn with the worker's shared back-off."""
    local: list[Request] = []
    for request in requests:
        if request.error is not None or request.is_local():
            local.append(request)
            continue
        if local:
            yield from run_requests(local, settings)
            local = []
        yield hub_task(request, settings, _BACKOFF)
    if local:
        yield from run_requests(local, settings)


def run_partition(requests: Sequence[Request], settings: Settings) -> list[Outcome]:
    """A run_on_dask task: the outcomes of a partition, errors frozen for the trip back."""
    return [freeze(outcome) for outcome in _outcomes(requests, settings)]


def resolve_bag(bag: Any, *, settings: Settings | None = None, **options: Any) -> Any:
    """A dask.bag of references -> a dask.bag of records (or the shape asked for), partition by partition."""
    settings = settings or Settings(**{"shape": "record", **options})
    return bag.map_partitions(resolve_partition, settings)


def resolve_column(frame: Any, column: str = "ref", *, settings: Settings | None = None, **options: Any) -> Any:
    """A dask.dataframe column of references -> a dask.dataframe with COLUMNS (one row per reference).

    Needs pandas (dask.dataframe does). Errors are rows too, with error_type and error_message set.
    """
    pd = importlib.import_module("pandas")  # dask.dataframe's own dependency; not one of this package's

    settings = replace(settings or Settings(**options), shape="record", trace=False)
    meta = pd.DataFrame({name: pd.Series(dtype="object") for name in COLUMNS})
    return frame[column].map_partitions(_frame_partition, settings, meta=meta)


def _frame_partition(series: Any, settings: Settings) -> Any:
    pd = importlib.import_module("pandas")

    rows = []
    for record in resolve_partition(list(series), settings):
        error = record.get("error") or {}
        row = {name: record.get(name) for name in COLUMNS}
        row["error_type"], row["error_message"] = error.get("type"), error.get("message")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS), index=series.index)


def local_cluster(workers: int | None = None, *, processes: bool = True) -> Any:
    """A LocalCluster on the loopback (127.0.0.1, no dashboard): `workers` processes of one thread each."""
    import dask
    from distributed import LocalCluster

    # distributed's statistical profiler samples every worker thread's stack every 10 ms, holding the GIL:
    # it costs a batch of tiny tasks about a third of its time (docs/batch.md); off for the cluster we start
    with dask.config.set(PROFILER_OFF):
        return LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=processes,
            protocol="tcp",  # threads too (processes=False): over TCP on the loopback, not in-process queues
            host="127.0.0.1",
            dashboard_address=None,
            # the scheduler's HTTP server (health, metrics) on a free loopback port, no dashboard
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=40,
        )


def run_on_dask(
    requests: Iterable[Request],
    settings: Settings,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    partition: int = PARTITION,
    in_flight: int | None = None,
) -> Iterator[tuple[Request, Outcome]]:
    """Every request's outcome, in input order, computed by Dask workers a partition at a time.

    `scheduler`: an existing cluster's address (tcp://host:8786); else `client`; else a LocalCluster on
    the loopback with `workers` processes. At most `in_flight` partitions (default: 2 per worker) are
    submitted at once.
    """
    from distributed import Client

    cluster = None
    own = client is None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = local_cluster(workers)
            client = Client(cluster)
    try:
        slots = in_flight or 2 * max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        pending: deque[tuple[list[Request], Any]] = deque()
        batch: list[Request] = []
        for request in requests:
            batch.append(request)
            if len(batch) >= partition:
                pending.append((batch, client.submit(run_partition, batch, settings, pure=False)))
                batch = []
                while len(pending) >= slots:
                    yield from _gathered(*pending.popleft(), settings)
        if batch:
            pending.append((batch, client.submit(run_partition, batch, settings, pure=False)))
        while pending:
            yield from _gathered(*pending.popleft(), settings)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def _gathered(batch: list[Request], future: Any, settings: Settings) -> Iterator[tuple[Request, Outcome]]:
    from resolver.batch.worker import error_outcome

    try:
        outcomes = [thaw(outcome) for outcome in future.result()]
    except Exception as error:  # the partition's worker died: each of its requests says so
        outcomes = [error_outcome(request, error, settings) for request in batch]
    yield from zip(batch, outcomes, strict=True)
