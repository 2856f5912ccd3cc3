"""The worker pool: a hung or crashing task is reported and the rest goes on."""
from __future__ import annotations

import time

from pipeline.batch.pool import MEMORY_ERROR, run_pool
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


def test_memory_exhausted_in_c_code_is_reported_as_memory_not_a_crash(tmp_path, capfd):
    log = tmp_path / "workers.log"
    out = _collect([("glib_allocate", 3000), ("echo", 1)], jobs=1, memory_mb=1500,
                   log_path=log)
    assert out[0].error == MEMORY_ERROR, out[0].error
    assert "SIGTRAP" not in out[0].error and out[1].value == 1
    # GLib's own line went to the workers' log, not to the person's terminal
    assert "GLib" not in capfd.readouterr().err
    assert "failed to allocate" in log.read_text()


def test_a_crash_names_what_the_worker_said_last_in_one_line():
    out = _collect([("print_then_crash", 0)], jobs=1)
    assert out[0].error == "worker crashed (SIGSEGV): libfoo: something went badly wrong"


def test_workers_are_replaced_after_n_tasks():
    out = _collect([("pid", i) for i in range(6)], jobs=1, tasks_per_worker=2)
    assert sorted(out) == list(range(6))
    assert len({o.value for o in out.values()}) == 3


def test_a_worker_has_its_next_task_while_the_caller_handles_an_outcome(tmp_path):
    """The batch publishes each record (fsyncs, the ledger) between two outcomes: the
    worker that finished must not sit idle meanwhile.  The second task runs while the
    caller still holds the first outcome (the generator is not resumed)."""
    first, second = tmp_path / "1", tmp_path / "2"
    pool = run_pool(tasks.dispatch, [("touch", str(first)), ("touch", str(second))], jobs=1)
    try:
        assert next(pool).value == str(first)
        deadline = time.monotonic() + 60  # a guard against waiting forever, not a speed bound
        while not second.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.exists(), "the worker got its next task only after the caller came back"
        assert next(pool).value == str(second)
    finally:
        pool.close()


def test_a_worker_ends_when_the_process_that_started_it_is_killed(tmp_path):
    """kill -9 of the pool's process alone: its busy worker does not go on running."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import checkout_env
    from tests.test_batch_integrity import wait_group_gone

    script = ("from pipeline.batch.pool import run_pool\nfrom tests.support import tasks\n"
              "for o in run_pool(tasks.dispatch, [('sleep', 1)] * 2, jobs=2):\n    print(o)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                            env=checkout_env(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # both workers started and busy sleeping
            kids = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
            if len(kids) >= 5:  # the parent, resource tracker, fork server, two workers
                break
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_group_gone(proc.pid) == []
        assert "Traceback" not in proc.stderr.read()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
