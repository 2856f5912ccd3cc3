"""The Dask executor: same outcomes as the local pool, on a LocalCluster on loopback.

Clusters here follow the doc's advice: ``dashboard_address=None`` (no port 8787
clash between parallel test runs) and the client closed before the cluster.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from pipeline.batch.executors import get_executor, run_dask  # noqa: E402
from pipeline.batch.pool import run_pool  # noqa: E402
from tests.conftest import SAMPLES, govdoc  # noqa: E402
from tests.support import tasks  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on 127.0.0.1."""
    from distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None, silence_logs=logging.ERROR)
    yield c
    c.close()


def test_get_executor():
    assert get_executor("local") is run_pool
    assert get_executor("dask").func is run_dask
    assert get_executor("local", "tcp://127.0.0.1:8786").keywords == {
        "scheduler": "tcp://127.0.0.1:8786"}


def test_outcomes_values_and_one_line_errors(cluster):
    work = [("echo", 1), ("raise", 2), ("echo", 3)]
    outs = {o.index: o for o in run_dask(tasks.dispatch, work, jobs=2,
                                         scheduler=cluster.scheduler_address)}
    assert sorted(outs) == [0, 1, 2]
    assert outs[0].value == 1 and outs[0].error is None and outs[2].value == 3
    assert outs[1].error.startswith("ValueError: bad input 2") and "\n" not in outs[1].error


def test_a_task_past_the_timeout_fails_and_the_batch_goes_on(cluster):
    work = [("sleep", 0), ("echo", 1), ("echo", 2), ("echo", 3)]
    start = time.monotonic()
    outs = {o.index: o for o in run_dask(tasks.dispatch, work, jobs=2, timeout=3,
                                         scheduler=cluster.scheduler_address)}
    assert time.monotonic() - start < 25, "the hung task must not hold the batch"
    assert outs[0].error == "timed out after 3 s"
    assert [outs[i].value for i in (1, 2, 3)] == [1, 2, 3]
    # the worker that held it was restarted: the cluster still runs work on both workers
    again = list(run_dask(tasks.echo, [(i,) for i in range(4)], jobs=2,
                          scheduler=cluster.scheduler_address))
    assert sorted(o.value for o in again) == [0, 1, 2, 3]


def _manifest(out: Path) -> list[dict]:
    docs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    for d in docs:  # the XML records its conversion time; the page bytes must match exactly
        d["sha256"] = {"source": d["sha256"].get("source")}
        if d["record"]:  # so does record.json
            d["record"] = {"path": d["record"]["path"]}
        if d.get("origin"):  # and the origin says when it was converted
            d["origin"].pop("converted", None)
    return docs


def test_convert_on_dask_gives_the_same_manifest_as_the_local_pool(cluster, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.html").write_bytes(b"")
    inputs = [str(SAMPLES), str(tmp_path / "in")]
    local, remote, own = tmp_path / "local", tmp_path / "remote", tmp_path / "own"
    r1 = govdoc("convert", *inputs, "-o", str(local), "--formats", "xml", "-q", "-j", "2")
    r2 = govdoc("convert", *inputs, "-o", str(remote), "--formats", "xml", "-q",
                "--scheduler", cluster.scheduler_address)
    r3 = govdoc("convert", *inputs, "-o", str(own), "--formats", "xml", "-q",
                "--executor", "dask", "-j", "2")
    assert r1.returncode == r2.returncode == r3.returncode == 1, r2.stderr + r3.stderr
    assert _manifest(local) == _manifest(remote) == _manifest(own)
    assert sum(d["status"] == "ok" for d in _manifest(remote)) == len(list(SAMPLES.glob("*.html")))
    # the batch files are the executor's business no more than the records are
    assert (remote / "catalogue.csv").read_bytes() == (local / "catalogue.csv").read_bytes()


def test_dask_missing_scheduler_is_one_line(tmp_path, monkeypatch):
    import pipeline.batch.executors as ex

    monkeypatch.setattr(ex, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ex.ExecutorUnavailable, match="cannot use the Dask scheduler"):
        list(run_dask(tasks.echo, [(1,)], jobs=1, scheduler="tcp://127.0.0.1:9"))


@pytest.mark.slow
def test_convert_with_a_real_scheduler_and_workers_on_loopback(tmp_path):
    """`dask scheduler` + `dask worker` processes, as an operator would start them."""
    import shutil
    import subprocess
    import sys

    dask_exe = str(Path(sys.executable).with_name("dask"))
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask_exe, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        # workers in another working folder than the command: paths must travel absolute
        procs.append(subprocess.Popen([dask_exe, "worker", address, "--nworkers", "2",
                                       "--nthreads", "1", "--no-dashboard",
                                       "--memory-limit", "2GiB"], cwd="/",
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        shutil.copytree(SAMPLES, tmp_path / "in")
        local, remote = tmp_path / "local", tmp_path / "remote"
        r1 = govdoc("convert", "in", "-o", "local", "--formats", "xml", "-q", cwd=tmp_path)
        r2 = govdoc("convert", "in", "-o", "remote", "--formats", "xml", "-q",
                    "--scheduler", address, cwd=tmp_path)
        assert r1.returncode == r2.returncode == 0, r2.stderr
        assert _manifest(local) == _manifest(remote)
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.parametrize("address", ["localhost", "garbage", "tcp://", "tcp://host:99999",
                                     "http://10.0.0.5:8786", "tcp://a b:1"])
def test_a_bad_scheduler_address_is_one_line_and_exit_2(tmp_path, address):
    r = govdoc("convert", str(SAMPLES), "-o", str(tmp_path / "out"), "--formats", "xml", "-q",
               "--scheduler", address)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "is not a Dask scheduler address" in r.stderr


def test_an_unknown_scheduler_host_is_one_line_and_exit_2(tmp_path):
    """Run without a network (unshare -n), so the name lookup leaves the machine never."""
    import shutil
    import sys

    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed")
    from tests.conftest import checkout_env
    import subprocess

    exe = str(Path(sys.executable).with_name("govdoc"))
    r = subprocess.run([unshare, "-n", exe, "convert", str(SAMPLES), "-o", str(tmp_path / "o"),
                        "--formats", "xml", "-q", "--scheduler", "tcp://nohost:1"],
                       capture_output=True, text=True, env=checkout_env())
    if "unshare failed" in r.stderr or "Operation not permitted" in r.stderr:
        pytest.skip("cannot make a network namespace here")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "cannot find the host 'nohost'" in r.stderr


def test_an_unreachable_scheduler_is_one_line_and_exit_4(tmp_path):
    from tests.conftest import checkout_env

    r = govdoc("convert", str(SAMPLES), "-o", str(tmp_path / "out"), "--formats", "xml", "-q",
               "--scheduler", "tcp://127.0.0.1:9",
               env={**checkout_env(), "GOVDOC_DASK_CONNECT_TIMEOUT": "2"})
    assert r.returncode == 4 and "Traceback" not in r.stderr, r.stderr
    assert "cannot use the Dask scheduler at tcp://127.0.0.1:9" in r.stderr
