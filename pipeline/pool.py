"""A process pool that survives its tasks: time and memory bounds per task.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one task that hangs, and a
worker killed by the kernel breaks the whole pool.  Here each worker runs one task
at a time over its own pipe, so the parent always knows which task a worker holds:
a task past its time limit has its worker killed and replaced, a worker that dies
(out of memory, a crash in C code) has its task reported failed, and the rest of
the batch goes on.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator


#: The one-line reason of a task that ran out of memory (both executors give it).
MEMORY_ERROR = "needs more memory than the per-page limit"


def one_line(exc: BaseException) -> str:
    """An exception as the one-line reason a batch reports."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]


@dataclass
class Outcome:
    """What became of one task: ``value`` when it returned, else ``error`` (one line)."""

    index: int
    value: Any = None
    error: str | None = None


def _worker(conn: Connection, func: Callable[..., Any], memory_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, args = msg
        try:
            conn.send(Outcome(index, value=func(*args)))
        except MemoryError:
            conn.send(Outcome(index, error=MEMORY_ERROR))
        except BaseException as exc:  # report, never die silently
            conn.send(Outcome(index, error=one_line(exc)))


class _Slot:
    def __init__(self, ctx, func, memory_mb) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, func, memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, ValueError):
            pass
        self.proc.join(5)
        self.conn.close()


def run_pool(func: Callable[..., Any], tasks: Iterable[tuple], *, jobs: int,
             timeout: float | None = None, memory_mb: int | None = None,
             start_method: str = "forkserver") -> Iterator[Outcome]:
    """Run ``func(*task)`` for every task on ``jobs`` processes; yield outcomes as they finish.

    ``func`` must be importable by name (it is sent to the workers).  Outcomes come
    in completion order and carry the task's index.  Closing the generator (or an
    exception in the caller, such as KeyboardInterrupt) kills the workers.
    """
    ctx = mp.get_context(start_method)
    if start_method == "forkserver":
        ctx.set_forkserver_preload([func.__module__])
    pending = list(enumerate(tasks))
    pending.reverse()  # pop() from the end keeps input order
    slots = [_Slot(ctx, func, memory_mb) for _ in range(max(1, min(jobs, len(pending))))]
    try:
        while pending or any(s.task is not None for s in slots):
            for s in slots:
                if s.task is None and pending:
                    s.task, args = pending.pop()
                    s.started = time.monotonic()
                    s.conn.send((s.task, args))
            busy = [s for s in slots if s.task is not None]
            wait_for = None
            if timeout:
                wait_for = max(0.0, min(s.started + timeout for s in busy) - time.monotonic())
            ready = wait([s.conn for s in busy], wait_for)
            now = time.monotonic()
            for i, s in enumerate(slots):
                if s.task is None:
                    continue
                if s.conn in ready:
                    try:
                        out: Outcome = s.conn.recv()
                    except (EOFError, OSError):
                        s.proc.join(1)
                        yield Outcome(s.task, error=_death(s.proc.exitcode))
                        s.kill()
                        slots[i] = _Slot(ctx, func, memory_mb)
                        continue
                    s.task = None
                    yield out
                elif timeout and now - s.started >= timeout:
                    task = s.task
                    s.kill()
                    slots[i] = _Slot(ctx, func, memory_mb)
                    yield Outcome(task, error=f"timed out after {timeout:g} s")
    finally:
        for s in slots:
            if s.task is None:
                try:
                    s.conn.send(None)
                except (OSError, ValueError):
                    pass
        for s in slots:
            if s.task is None:
                s.proc.join(0.5)
            if s.proc.is_alive():
                s.kill()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return "worker was killed (SIGKILL; out of memory?)"
        return f"worker crashed ({name})"
    return f"worker exited unexpectedly (status {exitcode})"


def default_jobs() -> int:
    """The machine's cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
