"""govdoc: scraped government portal pages into archival records.

The package is a pipeline of pure stages that meet at the canonical XML:

    bytes --decode--> text --extract--> canonical XML --render--> PDF/A, DOCX

``extract`` (HTML -> canonical XML) never sees a renderer, and the renderers
(``render.pdf``, ``render.docx``) never see the source page.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("govdoc")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

GENERATOR = "govdoc"
