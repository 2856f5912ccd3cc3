"""govdoc: scraped government portal pages into archival records.

The package is a pipeline of pure stages that meet at the canonical XML:

    bytes --decode--> text --extract--> canonical XML --render--> PDF/A, DOCX

``extract`` (HTML -> canonical XML) never sees a renderer, and the renderers
(``render.pdf``, ``render.docx``) never see the source page.
"""
#: The one place the version is written (pyproject.toml reads it from here); a
#: constant, so starting the command does not scan the installed distributions.
__version__ = "0.2.0"

GENERATOR = "govdoc"
