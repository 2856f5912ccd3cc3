"""Exceptions that end one document's conversion with a one-line reason, and what kind
of fault a failure is (the page's own, or the machine's)."""
from __future__ import annotations

import errno as _errno


class ConversionError(Exception):
    """A document could not be converted.

    The message is one line, written for the person running the batch: it says what
    is wrong with the input, not where in the code it was found.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(str(reason).split()))


class InputError(ConversionError):
    """The input itself is unusable: missing, empty, binary, not a page."""


class NotAnArticle(ConversionError):
    """The page holds no article: an anti-bot challenge, an empty shell, all chrome."""


class InvalidDocument(ConversionError):
    """The canonical XML built for a page does not validate (a bug, never silenced)."""


class RenderError(ConversionError):
    """A renderer failed, or its output lost characters of the document."""


# ---------------------------------------------------------------- classification
#
# A failure is either the page's own fault (it will fail again, whatever the
# machine: retried only with --retry-failed), or the environment's (a full disk,
# an I/O error, a read-only or unplugged folder, a timeout, a killed worker): the
# page itself may be fine, so a plain re-run tries it again.  A full disk also
# stops the batch: every page after it would fail the same way.

#: The one-line reason of a page that ran out of memory (the executors and convert give it).
MEMORY_ERROR = "needs more memory than the per-page limit (--memory-limit)"

#: The page's own fault: not retried by a plain re-run.
PAGE = "page"
#: The machine's fault (I/O, timeouts, killed workers): retried by a plain re-run.
ENVIRONMENT = "environment"
#: No room left to write (ENOSPC, EDQUOT): retried, and the batch stops.
NO_SPACE = "no space"

FAULTS = (PAGE, ENVIRONMENT, NO_SPACE)

_NO_SPACE_ERRNOS = {_errno.ENOSPC, _errno.EDQUOT}
_ENVIRONMENT_ERRNOS = {_errno.EIO, _errno.EROFS, _errno.EFBIG, _errno.ENOMEM, _errno.ENFILE,
                       _errno.EMFILE, _errno.ESTALE, _errno.ETIMEDOUT, _errno.ENOTCONN,
                       _errno.EAGAIN, _errno.ENXIO, _errno.ENODEV, _errno.ESHUTDOWN,
                       _errno.EHOSTDOWN, _errno.ENOLCK}


def retryable(fault: str | None) -> bool:
    """Whether a plain re-run tries a page with this fault again."""
    return fault in (ENVIRONMENT, NO_SPACE)


def os_fault(exc: OSError) -> str | None:
    """The fault an OSError stands for, or None when it says nothing about the machine."""
    if exc.errno in _NO_SPACE_ERRNOS:
        return NO_SPACE
    if exc.errno in _ENVIRONMENT_ERRNOS:
        return ENVIRONMENT
    return None


def sqlite_fault(exc: Exception) -> str:
    """The fault of a sqlite3 error met while writing the ledger (always the machine's)."""
    text = str(exc).lower()
    return NO_SPACE if "full" in text else ENVIRONMENT


def os_reason(exc: OSError) -> str:
    """An OSError as a one-line reason: what failed, on which file when known."""
    what = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
    name = exc.filename2 or exc.filename
    return f"{what} ({name})" if name else what
