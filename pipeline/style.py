"""The house style, read from ``stylesheets/layout.toml``.

Both renderers take every size, margin and font name from here, so the PDF and
the Word edition cannot drift apart.
"""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

MM_PER_PT = 25.4 / 72


def stylesheet_path(name: str):
    """A file of the installed ``stylesheets/`` folder."""
    return files("pipeline.stylesheets").joinpath(name)


def read_stylesheet(name: str) -> str:
    return stylesheet_path(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Typeface:
    """A font role: the names offices use, the open fonts installed here, the fallback."""

    official: tuple[str, ...]
    open: tuple[str, ...]
    fallback: tuple[str, ...]
    weight: str = "normal"
    #: PostScript name of the exact open program the role prints with (FandolHei-Regular)
    face: str | None = None

    @property
    def stack(self) -> tuple[str, ...]:
        """Every family to try, in order (official first, so machines that have them use them)."""
        seen: dict[str, None] = {}
        for name in (*self.official, *self.open, *self.fallback):
            seen.setdefault(name, None)
        return tuple(seen)

    @property
    def office_name(self) -> str:
        """The name written into a .docx: what Chinese Word and WPS installs have."""
        return (self.official or self.open or self.fallback)[0]


@dataclass(frozen=True)
class HouseStyle:
    raw: dict[str, Any]

    @property
    def page(self) -> dict[str, Any]:
        return self.raw["page"]

    @property
    def grid(self) -> dict[str, Any]:
        return self.raw["grid"]

    @property
    def folio(self) -> dict[str, Any]:
        return self.raw["folio"]

    def role(self, name: str) -> dict[str, Any]:
        return self.raw["roles"][name]

    def typeface(self, font: str) -> Typeface:
        f = self.raw["fonts"][font]
        return Typeface(tuple(f.get("official", ())), tuple(f.get("open", ())),
                        tuple(f.get("fallback", ())), f.get("weight", "normal"), f.get("face"))

    def role_typeface(self, role: str) -> Typeface:
        return self.typeface(self.role(role)["font"])

    @property
    def block_width_mm(self) -> float:
        p = self.page
        return p["width_mm"] - p["left_mm"] - p["right_mm"]

    @property
    def block_height_mm(self) -> float:
        p = self.page
        return p["height_mm"] - p["top_mm"] - p["bottom_mm"]


@functools.lru_cache(maxsize=1)
def house_style() -> HouseStyle:
    """The layout values, parsed once per process."""
    return HouseStyle(tomllib.loads(read_stylesheet("layout.toml")))
