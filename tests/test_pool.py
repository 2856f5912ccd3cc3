"""The worker pool: a hung or crashing task is reported and the rest goes on."""
from __future__ import annotations

import time

from pipeline.pool import run_pool
from tests.support import tasks


def _collect(tasks_, **kw):
    return {o.index: o for o in run_pool(tasks.dispatch, tasks_, **kw)}


def test_results_come_back_for_every_task():
    out = _collect([("echo", i) for i in range(7)], jobs=2)
    assert sorted(out) == list(range(7))
    assert [out[i].value for i in range(7)] == list(range(7))


def test_hung_task_is_killed_at_its_timeout_and_others_finish():
    start = time.monotonic()
    out = _collect([("echo", 1), ("sleep", 2), ("echo", 3), ("echo", 4)], jobs=2, timeout=2)
    assert out[1].error == "timed out after 2 s"
    assert [out[i].value for i in (0, 2, 3)] == [1, 3, 4]
    assert time.monotonic() - start < 15


def test_crashing_worker_is_reported_and_replaced():
    out = _collect([("crash", 0), ("echo", 1), ("echo", 2)], jobs=1)
    assert "crashed (SIGSEGV)" in out[0].error
    assert out[1].value == 1 and out[2].value == 2


def test_exception_becomes_one_line_error():
    out = _collect([("raise", 5)], jobs=1)
    assert out[0].error == "ValueError: bad input 5 second line"


def test_memory_bound():
    out = _collect([("allocate", 3000), ("allocate", 10)], jobs=1, memory_mb=1500)
    assert "memory" in out[0].error
    assert out[1].value == 10 * 1024 * 1024
