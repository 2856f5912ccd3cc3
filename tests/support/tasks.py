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
            "raise": raise_error, "allocate": allocate, "pid": pid,
            "glib_allocate": glib_allocate, "print_then_crash": print_then_crash,
            "touch": touch}[kind](arg)


def touch(path):
    open(path, "x").close()
    return path


def pid(_):
    return os.getpid()


def glib_allocate(mb):
    """Allocate through GLib, as Pango and WeasyPrint do: past the limit GLib prints
    "failed to allocate" and aborts the process (no MemoryError to catch)."""
    import ctypes
    import ctypes.util

    glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0"))
    glib.g_malloc.restype = ctypes.c_void_p
    glib.g_malloc.argtypes = [ctypes.c_size_t]
    block = glib.g_malloc(mb * 1024 * 1024)
    glib.g_free(ctypes.c_void_p(block))
    return mb


def print_then_crash(x):
    import sys
    sys.stderr.write("libfoo: something went badly wrong\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGSEGV)
