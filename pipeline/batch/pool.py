"""A process pool that survives its tasks: time and memory bounds per task.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one task that hangs, and a
worker killed by the kernel breaks the whole pool.  Here each worker runs one task
at a time over its own pipe, so the parent always knows which task a worker holds:
a task past its time limit has its worker killed and replaced, a worker that dies
(out of memory, a crash in C code) has its task reported failed, and the rest of
the batch goes on.

Workers never outlive the batch: each holds the read end of a *lifeline* pipe
whose only write end the batch process holds, and a thread that waits on it ends
the worker the moment the batch process is gone, whatever signal ended it (the
kernel closes the write end).  The worker's parent is the fork server, not the
batch, and the fork server lives as long as its children do, so a parent-death
signal alone would not do; it is set as well, for the fork start method.  A
worker whose batch has gone exits quietly, without a BrokenPipeError traceback.

What a worker writes on its standard error (C libraries' messages, such as GLib's
"failed to allocate" before it aborts) goes to a log file per worker, never raw to
the person's terminal: its last lines tell a worker that ran out of memory from
one that crashed, and ``log_path`` keeps them after the pool ends.

A worker that returns a result is handed its next task before the caller sees the
outcome: the batch publishes each record (fsyncs, a ledger row) between two outcomes,
and a worker kept waiting for that would sit idle for as long.

A worker is replaced by a fresh one after ``tasks_per_worker`` tasks, so memory a
long batch leaks in C libraries (fonts, layout caches) stays bounded.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import MEMORY_ERROR

#: Tasks a worker runs before it is replaced (memory stays flat over long batches).
TASKS_PER_WORKER = 500
#: What a C library or the runtime writes when an allocation fails under the limit.
_OUT_OF_MEMORY = re.compile(r"failed to allocate|out of memory|MemoryError|cannot allocate "
                            r"memory|bad_alloc|memory exhausted|mmap\(\) failed|error creating thread", re.I)


def one_line(exc: BaseException) -> str:
    """An exception as the one-line reason a batch reports."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]


@dataclass
class Outcome:
    """What became of one task: ``value`` when it returned, else ``error`` (one line)."""

    index: int
    value: Any = None
    error: str | None = None


def _die_with_batch(lifeline: Connection) -> None:
    """End this worker as soon as the batch process is gone, whatever signal ended it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the lifeline below is enough
        pass

    def watch() -> None:
        try:
            lifeline.recv()  # nobody ever sends: this returns when the write end closes
        except (EOFError, OSError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="govdoc-lifeline", daemon=True).start()


def _worker(conn: Connection, func: Callable[..., Any], memory_mb: int | None,
            lifeline: Connection, log: str | None) -> None:
    _die_with_batch(lifeline)
    # the parent decides what Ctrl-C, SIGTERM or SIGHUP stops (it stops the workers itself,
    # and the lifeline ends them should it die): a page in flight is then simply not
    # recorded, rather than recorded as "worker crashed (SIGTERM)"
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    if log:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
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
            out = Outcome(index, value=func(*args))
        except MemoryError:
            out = Outcome(index, error=MEMORY_ERROR)
        except BaseException as exc:  # report, never die silently
            out = Outcome(index, error=one_line(exc))
        try:
            conn.send(out)
        except (BrokenPipeError, ConnectionError, EOFError):
            os._exit(0)  # the batch has gone: nobody to tell, nothing to print
        except Exception as exc:  # the value could not be sent (pickling): say so
            try:
                conn.send(Outcome(index, error=one_line(exc)))
            except Exception:
                os._exit(0)


class _Slot:
    def __init__(self, ctx, func, memory_mb, lifeline: Connection, log: Path | None) -> None:
        self.conn, child = ctx.Pipe()
        self.log = log
        self.proc = ctx.Process(target=_worker, daemon=True,
                                args=(child, func, memory_mb, lifeline,
                                      str(log) if log else None))
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.done = 0
        self.log_at = 0  # size of the log when the current task started

    def start(self, task: int, args: tuple) -> None:
        self.task = task
        self.started = time.monotonic()
        self.log_at = _size(self.log)
        self.conn.send((task, args))

    def tail(self) -> str:
        """What the worker wrote on stderr since its current task started (at most 8 KB)."""
        if self.log is None:
            return ""
        try:
            with open(self.log, "rb") as fh:
                fh.seek(max(self.log_at, _size(self.log) - 8192))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, ValueError):
            pass
        self.proc.join(5)
        self.conn.close()

    def retire(self) -> None:
        """Let an idle worker finish on its own (it exits when told), else kill it."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def run_pool(func: Callable[..., Any], tasks: Iterable[tuple], *, jobs: int,
             timeout: float | None = None, memory_mb: int | None = None,
             start_method: str = "forkserver", tasks_per_worker: int | None = TASKS_PER_WORKER,
             log_path: Path | None = None, log_dir: Path | None = None) -> Iterator[Outcome]:
    """Run ``func(*task)`` for every task on ``jobs`` processes; yield outcomes as they finish.

    ``func`` must be importable by name (it is sent to the workers).  Outcomes come
    in completion order and carry the task's index.  Closing the generator (or an
    exception in the caller, such as KeyboardInterrupt) kills the workers.
    ``log_path``: where the workers' standard error is kept (appended, and only if
    they wrote anything); without it, it is thrown away when the pool ends.
    ``log_dir``: where the per-worker logs are written meanwhile (a temporary
    folder by default; a batch gives its staging folder, cleaned on its next run
    should this process be killed).
    """
    ctx = mp.get_context(start_method)
    if start_method == "forkserver":
        ctx.set_forkserver_preload([func.__module__])
    pending = list(enumerate(tasks))
    pending.reverse()  # pop() from the end keeps input order
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="govdoc-workers-", dir=log_dir))
    serial = 0
    # the workers' lifeline: only this process holds the write end (see the module doc)
    lifeline, lifeline_w = ctx.Pipe(duplex=False)

    def slot() -> _Slot:
        nonlocal serial
        serial += 1
        return _Slot(ctx, func, memory_mb, lifeline, logs / f"worker-{serial}.log")

    slots: list[_Slot] = []
    try:
        slots = [slot() for _ in range(max(1, min(jobs, len(pending))))]
        while pending or any(s.task is not None for s in slots):
            for s in slots:
                if s.task is None and pending:
                    s.start(*pending.pop())
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
                        task = s.task
                        reason = death_reason(s.proc.exitcode, s.tail(), memory_mb)
                        s.kill()
                        slots[i] = slot()
                        yield Outcome(task, error=reason)
                        continue
                    s.task = None
                    s.done += 1
                    if tasks_per_worker and s.done >= tasks_per_worker and pending:
                        s.retire()
                        slots[i] = s = slot()
                    if pending:  # the worker goes on while the caller settles the outcome
                        s.start(*pending.pop())
                    yield out
                elif timeout and now - s.started >= timeout:
                    task = s.task
                    s.kill()
                    slots[i] = slot()
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
        lifeline_w.close()
        lifeline.close()
        _keep_logs(logs, log_path)


def _keep_logs(logs: Path, log_path: Path | None) -> None:
    try:
        if log_path is not None:
            parts = [p.read_bytes() for p in sorted(logs.glob("worker-*.log"),
                                                    key=lambda p: int(p.stem.split("-")[1]))]
            text = b"".join(parts)
            if text:
                with open(log_path, "ab") as fh:
                    fh.write(text)
    except OSError:
        pass
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def death_reason(exitcode: int | None, stderr_tail: str = "",
                 memory_mb: int | None = None) -> str:
    """The one-line reason of a worker that died with its task (pure).

    A worker at its memory limit often dies in C code, not with a MemoryError:
    GLib prints "failed to allocate N bytes" (or cannot create a thread) and aborts
    (SIGTRAP or SIGABRT), other libraries crash (SIGSEGV).  What it wrote last
    tells the first from a crash; a silent crash under a memory limit is said to
    be possibly that.
    """
    if _OUT_OF_MEMORY.search(stderr_tail):
        return MEMORY_ERROR
    last = next((" ".join(line.split()) for line in reversed(stderr_tail.splitlines())
                 if line.strip()), "")
    said = f": {''.join(c if c.isprintable() else '?' for c in last)[:200]}" if last else ""
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return "worker was killed (SIGKILL; out of memory?)"
        if memory_mb and not said and sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT,
                                              signal.SIGTRAP):
            return (f"worker crashed ({name}), perhaps at the per-page memory limit "
                    f"({memory_mb} MB, --memory-limit)")
        return f"worker crashed ({name}){said}"
    return f"worker exited unexpectedly (status {exitcode}){said}"


def default_jobs() -> int:
    """The machine's cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
