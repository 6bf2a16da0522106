"""The official SFIA descriptors of Sales support (SSUP), loaded and validated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import LEVELS
from .errors import DataError
from .resources import descriptors_path


@dataclass(frozen=True)
class LevelDescriptor:
    level: int
    title: str
    name: str
    description: str
    observed: bool


@dataclass(frozen=True)
class SkillDescriptors:
    code: str
    name: str
    description: str
    levels: dict[int, LevelDescriptor]
    note: str

    def level(self, k: int) -> LevelDescriptor:
        return self.levels[k]

    def training_texts(self) -> list[tuple[str, str]]:
        """(text, label) pairs: one per observed level, used as training rows."""
        return [(d.description, str(d.level)) for d in self.levels.values() if d.observed]


def load_descriptors(path: str | Path | None = None) -> SkillDescriptors:
    """Read and validate the descriptors file (default: the bundled ``ssup_pl.json``)."""
    path = Path(path) if path is not None else descriptors_path()
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> SkillDescriptors:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"descriptors file not found: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"descriptors file {path} is not valid UTF-8 JSON: {e}") from None
    try:
        skill = raw["skill"]
        levels = {}
        for item in raw["levels"]:
            d = LevelDescriptor(
                level=int(item["level"]),
                title=str(item["title"]),
                name=str(item["name"]),
                description=str(item["description"]).strip(),
                observed=bool(item["observed"]),
            )
            if d.level in levels:
                raise DataError(f"descriptors file {path}: level {d.level} appears twice")
            levels[d.level] = d
        out = SkillDescriptors(
            code=str(skill["code"]),
            name=str(skill["name"]),
            description=str(skill["description"]).strip(),
            levels=levels,
            note=str(raw.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, DataError):
            raise
        raise DataError(f"descriptors file {path} lacks a field or has a wrong type: {e!r}") from None
    observed = sorted(k for k, d in out.levels.items() if d.observed)
    if tuple(observed) != LEVELS:
        raise DataError(f"descriptors file {path}: observed levels are {observed}, expected {list(LEVELS)}")
    empty = [k for k, d in out.levels.items() if d.observed and len(d.description) < 40]
    if empty:
        raise DataError(f"descriptors file {path}: levels {empty} have no real description")
    return out
