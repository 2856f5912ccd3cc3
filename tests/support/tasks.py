"""Tasks for the worker-pool tests: they must be importable by name in a worker."""
import os
import signal
import time


def echo(x):
    return x


def sleep_then(x, seconds):
    time.sleep(seconds)
    return x


def crash(x):
    os.kill(os.getpid(), signal.SIGSEGV)


def raise_error(x):
    raise ValueError(f"bad input {x}\nsecond line")


def allocate(mb):
    block = bytearray(mb * 1024 * 1024)
    return len(block)


def dispatch(kind, arg):
    return {"echo": echo, "sleep": lambda a: sleep_then(a, 30), "crash": crash,
            "raise": raise_error, "allocate": allocate}[kind](arg)
