from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssup_classifier import LEVELS, DataError, load_descriptors
from ssup_classifier.resources import descriptors_path


def test_all_six_levels_with_real_text() -> None:
    d = load_descriptors()
    assert d.code == "SSUP"
    assert [k for k, v in d.levels.items() if v.observed] == list(LEVELS)
    assert not d.levels[7].observed
    assert all(len(d.level(k).description) > 100 for k in LEVELS)
    assert [t for t, _ in d.training_texts()] == [d.level(k).description for k in LEVELS]


def test_descriptors_are_verbatim_from_the_seed() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "ssup_sfia_pl.txt"
    if not seed.is_file():
        pytest.skip("../shared/seeds is not present")
    text = seed.read_text(encoding="utf-8")
    d = load_descriptors()
    assert d.description in text
    for lv in d.levels.values():
        assert lv.description in text and lv.title in text


@pytest.mark.parametrize("mutate, message", [
    (lambda raw: raw["levels"].pop(2), "observed levels"),
    (lambda raw: raw["levels"][0].update(description="krótko"), "no real description"),
    (lambda raw: raw.pop("skill"), "lacks a field"),
    (lambda raw: raw["levels"].append(dict(raw["levels"][0])), "appears twice"),
])
def test_broken_descriptor_files_are_refused(tmp_path: Path, mutate, message: str) -> None:
    raw = json.loads(descriptors_path().read_text(encoding="utf-8"))
    mutate(raw)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_descriptors(bad)


def test_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(DataError, match="not valid UTF-8 JSON"):
        load_descriptors(bad)
