"""Exceptions that end one document's conversion with a one-line reason."""


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
