"""Executors for a batch: the local process pool, or a Dask cluster.

An executor is any callable shaped like ``pool.run_pool``:
``executor(func, tasks, *, jobs, timeout, memory_mb)`` yielding ``Outcome``s in
completion order.  ``run_batch`` does not care which one it gets, so the ledger,
the manifest and resume behave the same on one laptop or on forty machines.

Why Dask (and not Ray, Celery, Spark): pure Python, no broker, a ``LocalCluster``
for one machine and ``tcp://host:8786`` for many, per-worker memory limits
enforced by the nanny (see docs: archive-and-peers.md §4).  It is an optional
extra (``pip install 'govdoc[dask]'``), imported only when asked for.

Time bound on Dask: a Dask worker cannot stop one running task, so the bound is
kept by this client.  At most one task per worker thread is in flight, so a task
starts (about) when it is submitted; one past ``timeout`` is reported failed, its
future cancelled and the worker that holds it restarted through its nanny (a
worker started without a nanny keeps running the task until it ends).
"""
from __future__ import annotations

import functools
import logging
import os
import re
import socket
import time
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from .pool import MEMORY_ERROR, Outcome, one_line, run_pool

EXECUTORS = ("local", "dask")
#: Seconds to wait for a remote scheduler to answer / for its first worker
#: (GOVDOC_DASK_CONNECT_TIMEOUT overrides it).
CONNECT_TIMEOUT = 30


def _connect_timeout() -> float:
    try:
        return float(os.environ.get("GOVDOC_DASK_CONNECT_TIMEOUT", CONNECT_TIMEOUT))
    except ValueError:
        return CONNECT_TIMEOUT


class ExecutorUnavailable(Exception):
    """The executor asked for cannot run here (Dask missing, scheduler unreachable).

    ``usage``: the command itself was wrong (an address that is not one), not the
    cluster.
    """

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


_ADDRESS = re.compile(r"(?:(?P<scheme>tcp|tls)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
                      r":(?P<port>\d{1,5})/?")


def scheduler_address(address: str) -> str:
    """A Dask scheduler address, checked: ``tcp://HOST:PORT`` (or ``tls://``), host found.

    Raises ExecutorUnavailable (``usage``) in one line for anything else: Dask's own
    errors for ``localhost`` or a typo are tracebacks, and an unknown host would
    otherwise be tried for the whole connect timeout.
    """
    m = _ADDRESS.fullmatch(address.strip())
    if not m or not 0 < int(m["port"]) < 65536:
        raise ExecutorUnavailable(
            f"{address!r} is not a Dask scheduler address; give tcp://HOST:PORT, "
            "e.g. tcp://10.0.0.5:8786", usage=True)
    host = m["host"].strip("[]")
    try:
        socket.getaddrinfo(host, int(m["port"]), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise ExecutorUnavailable(f"cannot find the host {host!r} of the Dask scheduler "
                                  f"address {address} ({why})", usage=True) from None
    return f"{m['scheme'] or 'tcp'}://{m['host']}:{int(m['port'])}"


def get_executor(name: str = "local", scheduler: str | None = None
                 ) -> Callable[..., Iterator[Outcome]]:
    """The executor for ``--executor``/``--scheduler`` (a scheduler address implies dask)."""
    if scheduler or name == "dask":
        try:
            import distributed  # noqa: F401  (checked here so the error comes before the batch)
        except ImportError:
            raise ExecutorUnavailable(
                "the Dask executor needs Dask: pip install 'govdoc[dask]'") from None
        if scheduler is not None:
            scheduler = scheduler_address(scheduler)
        return functools.partial(run_dask, scheduler=scheduler)
    return run_pool


def run_dask(func: Callable[..., Any], tasks: Iterable[tuple], *, jobs: int,
             timeout: float | None = None, memory_mb: int | None = None,
             scheduler: str | None = None) -> Iterator[Outcome]:
    """Run ``func(*task)`` for every task on a Dask cluster; yield outcomes as they finish.

    Without ``scheduler`` a ``LocalCluster`` of ``jobs`` single-threaded worker
    processes on 127.0.0.1 is started (and stopped at the end), each limited to
    ``memory_mb`` by its nanny.  With ``scheduler`` (``tcp://host:8786``) the
    cluster's own workers are used; their memory limit is their ``--memory-limit``.
    Workers need the govdoc package installed (same version), nothing else.
    """
    import dask
    from distributed import Client, LocalCluster, wait

    pending = deque(enumerate(tasks))
    if not pending:
        return
    cluster = client = None
    in_flight: dict[Any, tuple[int, float]] = {}  # future -> (task index, submitted at)
    try:
        # a page that kills two workers (out of memory, a crash) is failed, not retried forever
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            if scheduler is None:
                cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.CRITICAL,  # outcomes say it
                    memory_limit=f"{memory_mb}MiB" if memory_mb else "auto")
                client = Client(cluster)
            else:
                try:
                    wait_s = CONNECT_TIMEOUT if CONNECT_TIMEOUT != 30 else _connect_timeout()
                    client = Client(scheduler, timeout=wait_s)
                    client.wait_for_workers(1, timeout=wait_s)
                except Exception as exc:  # refused, timed out, not a scheduler: one line
                    raise ExecutorUnavailable(
                        f"cannot use the Dask scheduler at {scheduler}: "
                        f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
        slots, slots_checked = _threads(client, jobs), time.monotonic()

        while pending or in_flight:
            # top up: one task per worker thread, so submission time ~ start time
            free = slots - len(in_flight)
            if free > 0 and pending:
                batch = [pending.popleft() for _ in range(min(free, len(pending)))]
                futures = client.map(func, *zip(*(args for _, args in batch)), pure=False)
                now = time.monotonic()
                for (index, _), fut in zip(batch, futures):
                    in_flight[fut] = (index, now)
            # as_completed cannot wait with a deadline; wait(FIRST_COMPLETED) can
            wait_for = None
            if timeout:
                oldest = min(t for _, t in in_flight.values())
                wait_for = max(0.05, oldest + timeout - time.monotonic())
            try:
                done = wait(list(in_flight), timeout=wait_for, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            for fut in done:
                index, _ = in_flight.pop(fut)
                yield _outcome(index, fut)
            if timeout:
                now = time.monotonic()
                late = [f for f, (_, t) in in_flight.items() if now - t >= timeout]
                if late:
                    _stop(client, late)
                    for fut in late:
                        index, _ = in_flight.pop(fut)
                        yield Outcome(index, error=f"timed out after {timeout:g} s")
            if time.monotonic() - slots_checked > 5:  # workers may join or leave
                slots, slots_checked = _threads(client, jobs), time.monotonic()
    finally:
        if client is not None:
            if in_flight:
                try:
                    client.cancel(list(in_flight))
                except Exception:  # shutting down anyway
                    pass
            client.close()  # the client first, then the cluster (else CommClosedError noise)
        if cluster is not None:
            cluster.close()


def _threads(client, default: int) -> int:
    """Worker threads in the cluster right now (at least 1)."""
    try:
        workers = client.scheduler_info()["workers"]
        return max(1, sum(w.get("nthreads", 1) for w in workers.values()))
    except Exception:
        return max(1, default)


def _stop(client, futures: list) -> None:
    """Cancel timed-out tasks and restart the workers running them.

    Cancelling alone leaves the task running and its worker thread busy, so the
    next task sent there would wait (and time out) behind it.
    """
    keys = {f.key for f in futures}
    try:
        holders = [w for w, ks in client.processing().items() if keys & set(ks)]
    except Exception:
        holders = []
    client.cancel(futures, force=True)
    if holders:
        try:
            client.restart_workers(holders, raise_for_error=False)
        except Exception:  # no nanny (a bare `dask worker --no-nanny`): nothing more to do
            pass


def _outcome(index: int, fut) -> Outcome:
    """A finished future as an Outcome; an exception becomes one line."""
    if fut.status == "finished":
        try:
            return Outcome(index, value=fut.result())
        except Exception as exc:  # result could not be fetched/unpickled
            return Outcome(index, error=one_line(exc))
    if fut.status == "cancelled":
        return Outcome(index, error="cancelled on the Dask cluster")
    exc = fut.exception()
    if type(exc).__name__ == "KilledWorker":
        return Outcome(index, error="worker was killed while converting it (out of memory?)")
    if isinstance(exc, MemoryError):
        return Outcome(index, error=MEMORY_ERROR)
    return Outcome(index, error=one_line(exc))
