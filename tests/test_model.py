from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ssup_classifier import (
    LEVELS,
    BackendUnavailableError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    SSUPClassifier,
)

AD = ("Inżynier presales. Przygotowujesz demo i PoC dla klientów, projektujesz rozwiązania, "
      "szacujesz koszty i ryzyko wdrożenia oraz współpracujesz z handlowcami przy przetargach.")


def test_prediction_is_consistent(tiny_model: SSUPClassifier) -> None:
    p = tiny_model.predict(AD)
    assert p.level in LEVELS
    assert set(p.probabilities) == set(LEVELS)
    assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert p.confidence == pytest.approx(max(p.probabilities.values()))
    assert p.probabilities[p.level] == p.confidence
    assert 0.0 <= p.in_scope_probability <= 1.0
    assert p.in_scope == (p.in_scope_probability >= tiny_model.config.in_scope_threshold)


def test_reasons_point_into_the_text(tiny_model: SSUPClassifier) -> None:
    p = tiny_model.predict(AD)
    assert p.reasons, "a clear presales ad should have phrases behind its level"
    spans = set()
    for r in p.reasons:
        assert AD[r.start:r.end] == r.phrase
        assert r.weight > 0
        assert not spans & set(range(r.start, r.end))
        spans |= set(range(r.start, r.end))
    assert [r.weight for r in p.reasons] == sorted((r.weight for r in p.reasons), reverse=True)


def test_predict_many_matches_predict(tiny_model: SSUPClassifier) -> None:
    texts = [AD, "Konsultant infolinii – odbieranie połączeń od klientów", "Magazynier, obsługa wózka widłowego"]
    many = tiny_model.predict_many(texts)
    for t, m in zip(texts, many):
        one = tiny_model.predict(t, n_reasons=0)
        assert one == m


def test_save_load_round_trip(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    out = tiny_model.save(tmp_path / "m", card="# card\n")
    again = SSUPClassifier.load(out)
    assert again.predict(AD) == tiny_model.predict(AD)
    assert (out / "MODEL_CARD.md").read_text() == "# card\n"
    assert again.metadata["text_backend"]["backend"] == "morfeusz2"


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("1234 5678 !!! ---", "no words"),
    ("\x00\x01\x02\x03garbage\x04\x05\x06\x07\x08\x0e\x0f" * 50, "binary"),
    ("ogłoszenie " * 100_000, "over the limit"),
    ("Lorem ipsum dolor sit amet, consectetur adipiscing elit", "none of the words"),
])
def test_bad_input_gets_a_clear_error(tiny_model: SSUPClassifier, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        tiny_model.predict(text)


def test_not_a_string(tiny_model: SSUPClassifier) -> None:
    with pytest.raises(InvalidInputError, match="expected text"):
        tiny_model.predict(None)  # type: ignore[arg-type]


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="ssup train"):
        SSUPClassifier.load(tmp_path / "nothing")


def test_corrupt_model_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    data = (d / "model.skops").read_bytes()
    (d / "model.skops").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="corrupt"):
        SSUPClassifier.load(d)


def test_corrupt_metadata(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    (d / "metadata.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="corrupt"):
        SSUPClassifier.load(d)


def _edit_meta(d: Path, **changes: object) -> None:
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    for k, v in changes.items():
        meta[k] = v
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")


def test_model_from_another_format(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    _edit_meta(d, format=99)
    with pytest.raises(ModelLoadError, match="format 99"):
        SSUPClassifier.load(d)


def test_model_from_incompatible_versions_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    meta["versions"]["scikit-learn"] = "0.20.0"
    meta["self_check"]["probabilities"] = [[1.0] + [0.0] * 6 for _ in meta["self_check"]["texts"]]
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="scikit-learn 0.20.0"):
        SSUPClassifier.load(d)


def test_self_check_covers_the_scope_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    assert len(meta["self_check"]["in_scope"]) == len(meta["self_check"]["texts"])
    meta["versions"]["scikit-learn"] = "0.20.0"
    meta["self_check"]["in_scope"] = [1.0 - p for p in meta["self_check"]["in_scope"]]
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="drift"):
        SSUPClassifier.load(d)


def test_other_versions_with_same_predictions_load(tiny_model_dir: Path, tmp_path: Path, caplog) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    meta["versions"]["scikit-learn"] = "1.0.0"
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    SSUPClassifier.load(d)
    assert "self-check drift" in caplog.text


def test_model_needing_an_absent_backend(tiny_model_dir: Path, tmp_path: Path) -> None:
    from ssup_classifier.text import available_backends

    if "pl_core_news_sm" in available_backends():
        pytest.skip("pl_core_news_sm is installed here")
    d = _copy(tiny_model_dir, tmp_path)
    _edit_meta(d, text_backend={"backend": "pl_core_news_sm"})
    with pytest.raises(BackendUnavailableError, match="pl_core_news_sm"):
        SSUPClassifier.load(d)


def test_untrusted_types_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    d = _copy(tiny_model_dir, tmp_path)
    evil = Pipeline([("f", FunctionTransformer(shutil.rmtree))])
    sio.dump(evil, d / "model.skops")
    with pytest.raises(ModelLoadError, match="does not trust"):
        SSUPClassifier.load(d)


def test_reasons_for_any_label(tiny_model: SSUPClassifier) -> None:
    assert tiny_model.reasons(AD) == tiny_model.predict(AD).reasons
    toward_none = tiny_model.reasons(AD, "none", n=3)
    assert len(toward_none) <= 3 and all(AD[r.start:r.end] == r.phrase for r in toward_none)
    with pytest.raises(InvalidInputError, match="unknown label"):
        tiny_model.reasons(AD, 7)


@pytest.mark.parametrize("damage, message", [
    (None, "vocabulary.json is missing"),
    ("{not json", "vocabulary.json is corrupt"),
    ('{"word": ["a", "b"]}', "does not match"),
    ('{"other": []}', "does not match"),
])
def test_missing_or_damaged_vocabulary(tiny_model_dir: Path, tmp_path: Path, damage: str | None,
                                       message: str) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    if damage is None:
        (d / "vocabulary.json").unlink()
    else:
        (d / "vocabulary.json").write_text(damage, encoding="utf-8")
    with pytest.raises(ModelLoadError, match=message):
        SSUPClassifier.load(d)


def test_saving_leaves_the_live_model_whole(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    before = tiny_model.predict("Konsultantka infolinii: informuje klientów o statusie zamówień.")
    d = tiny_model.save(tmp_path / "again")
    after = tiny_model.predict("Konsultantka infolinii: informuje klientów o statusie zamówień.")
    assert before.probabilities == after.probabilities
    assert SSUPClassifier.load(d).predict("Konsultantka infolinii").probabilities == \
        tiny_model.predict("Konsultantka infolinii").probabilities


def test_saving_never_touches_the_live_pipeline(tiny_model: SSUPClassifier, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Another thread may be predicting with the same object while it is being saved.
    import skops.io as sio

    real_dump = sio.dump
    seen: list[bool] = []

    def dump(obj, file, **kw):  # type: ignore[no-untyped-def]
        seen.append(all(hasattr(v, "vocabulary_")
                        for _, v in tiny_model.pipeline.named_steps["features"].transformer_list))
        assert all(not hasattr(v, "vocabulary_") for _, v in obj.named_steps["features"].transformer_list)
        assert obj.scope_ is tiny_model.pipeline.scope_
        return real_dump(obj, file, **kw)

    monkeypatch.setattr(sio, "dump", dump)
    tiny_model.save(tmp_path / "again")
    assert seen == [True]


def test_lemma_table_holds_what_the_lexicon_says(tiny_model_dir: Path) -> None:
    from ssup_classifier.text import MorfeuszLexicon

    table = json.loads((tiny_model_dir / "lemmas.json").read_text(encoding="utf-8"))
    assert len(table) > 1000
    fresh = MorfeuszLexicon(restore_diacritics=True)  # as the model was trained; its own empty cache
    sample = sorted(table)[::25]
    assert {f: fresh.lemma(f) for f in sample} == {f: table[f] for f in sample}


def test_preloaded_table_gives_the_lemmas_of_a_fresh_lexicon(tiny_model_dir: Path) -> None:
    from ssup_classifier.text import MorfeuszLexicon

    table = json.loads((tiny_model_dir / "lemmas.json").read_text(encoding="utf-8"))
    words = [w for f in sorted(table)[::40] for w in (f, f.capitalize(), f.upper())]
    words += ["Klientów", "OFERT", "xyzzyq", "COVID19", "B2B", "a", "2024"]
    words += ["obslugi", "Klientow", "doswiadczenie"]  # typed without Polish letters
    loaded = MorfeuszLexicon(restore_diacritics=True)
    loaded.preload(table)
    assert "Klientów" in loaded._features or "klientów" not in table  # the written forms are there too
    assert loaded.lemma_string(words) == MorfeuszLexicon(restore_diacritics=True).lemma_string(words)


def test_lemma_table_is_used_only_with_the_same_dictionary(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = _copy(tiny_model_dir, tmp_path)
    assert SSUPClassifier.load(d).lemma_table
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    _edit_meta(d, text_backend=dict(meta["text_backend"], dictionary="sgjp-1999"))
    assert SSUPClassifier.load(d).lemma_table == {}


def test_corrupt_or_missing_lemma_table_only_costs_speed(tiny_model_dir: Path, tmp_path: Path) -> None:
    text = "Specjalistka ds. obsługi klienta: doradza przy wyborze produktów, przygotowuje oferty."
    want = SSUPClassifier.load(tiny_model_dir).predict(text).probabilities
    d = _copy(tiny_model_dir, tmp_path)
    (d / "lemmas.json").write_text("{broken", encoding="utf-8")
    assert SSUPClassifier.load(d).predict(text).probabilities == want
    (d / "lemmas.json").unlink()
    assert SSUPClassifier.load(d).predict(text).probabilities == want


def test_in_scope_probability_comes_from_the_scope_model(tiny_model: SSUPClassifier) -> None:
    from ssup_classifier.pipeline import transform

    texts = ["Przedstawiciel handlowy: realizacja planów sprzedaży, prowizja od obrotu.",
             "Konsultantka infolinii informuje klientów o statusie zamówień i przyjmuje reklamacje."]
    scope = tiny_model.pipeline.scope_
    X = transform(tiny_model.pipeline, tiny_model.features(texts))
    want = scope.predict_proba(X)[:, list(scope.classes_).index(True)]
    got = [p.in_scope_probability for p in tiny_model.predict_many(texts)]
    assert got == pytest.approx(want, abs=1e-6)
    assert got[0] < got[1]


def test_models_without_a_scope_model_use_the_seven_classes(tiny_model_dir: Path, tmp_path: Path) -> None:
    model = SSUPClassifier.load(_copy(tiny_model_dir, tmp_path))
    del model.pipeline.scope_
    model.metadata["config"].pop("scope_head")
    assert model.config.scope_head is False
    p = model.predict("Konsultantka infolinii informuje klientów o statusie zamówień.")
    none = [str(c) for c in model.pipeline.classes_].index("none")
    X = model.pipeline.named_steps["features"].transform(
        model.features(["Konsultantka infolinii informuje klientów o statusie zamówień."]))
    assert p.in_scope_probability == pytest.approx(
        1 - model.pipeline.named_steps["clf"].predict_proba(X)[0, none], abs=1e-6)


def test_level_temperature_sharpens_without_changing_the_level(tiny_model: SSUPClassifier) -> None:
    texts = [AD, "Konsultantka infolinii informuje klientów o statusie zamówień i przyjmuje reklamacje."]
    plain = SSUPClassifier(tiny_model.pipeline, tiny_model.processor,
                           dict(tiny_model.metadata, config=dict(tiny_model.metadata["config"], level_temperature=1.0)))
    sharp = SSUPClassifier(tiny_model.pipeline, tiny_model.processor,
                           dict(tiny_model.metadata, config=dict(tiny_model.metadata["config"], level_temperature=0.5)))
    for a, b in zip(plain.predict_many(texts), sharp.predict_many(texts)):
        assert a.level == b.level and a.in_scope_probability == b.in_scope_probability
        assert b.confidence > a.confidence
        assert sum(b.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        # p ** (1/T), renormalised: the ratio of any two levels is squared at T = 0.5
        assert b.probabilities[1] / b.probabilities[2] == pytest.approx(
            (a.probabilities[1] / a.probabilities[2]) ** 2, rel=1e-3)


def test_old_models_keep_unsharpened_probabilities() -> None:
    from ssup_classifier import TrainConfig

    assert TrainConfig.from_dict({}).level_temperature == 1.0
    with pytest.raises(ValueError, match="level_temperature"):
        TrainConfig(level_temperature=0)


CAREER_CV = """Doświadczenie zawodowe
03.2023 – obecnie: Konsultantka infolinii, bank detaliczny
- odbieranie połączeń od klientów i udzielanie informacji o produktach, opłatach i statusie wniosków
- przekazywanie reklamacji do działu rozpatrywania, wprowadzanie zgłoszeń do systemu CRM
2014 – 2022: Kierowniczka zespołu presales, integrator IT
- zarządzanie zespołem inżynierów presales, odpowiedzialność za merytoryczną zawartość ofert, KPI
Wykształcenie: Politechnika Łódzka"""


def test_a_cv_is_judged_by_its_whole_text_and_its_current_role(tiny_model: SSUPClassifier) -> None:
    from ssup_classifier.model import sharpen
    from ssup_classifier.pipeline import transform

    features = tiny_model.features([CAREER_CV])[0]
    role = " ".join(w[2:] for w in features.split() if w.startswith("r_"))
    assert len(role.split()) >= 10 and "presales" not in role
    whole_level, whole_in = tiny_model._probabilities(transform(tiny_model.pipeline, [features]))
    role_level, role_in = tiny_model._probabilities(transform(tiny_model.pipeline, [role]))
    got = tiny_model.predict(CAREER_CV)
    assert got.in_scope_probability == pytest.approx(min(whole_in[0], role_in[0]), abs=1e-6)
    want = sharpen((whole_level + role_level) / 2, tiny_model.config.level_temperature)[0]
    assert [got.probabilities[k] for k in LEVELS] == pytest.approx(want, abs=1e-5)
    # the batch path applies the same rule
    batch = tiny_model.scores([features])
    assert batch.in_scope_probability[0] == pytest.approx(got.in_scope_probability, abs=1e-6)


def test_short_current_roles_and_old_models_skip_the_cv_rule(tiny_model: SSUPClassifier) -> None:
    from ssup_classifier.pipeline import transform

    bare = "Doświadczenie\n2021 – obecnie: Konsultant infolinii, bank\n2015 – 2020: Kierownik presales, integrator IT"
    f = tiny_model.features([bare])[0]
    assert " r_" in f
    assert tiny_model.scores([f]).in_scope_probability[0] == pytest.approx(
        tiny_model.score_matrix(transform(tiny_model.pipeline, [f])).in_scope_probability[0])
    old = SSUPClassifier(tiny_model.pipeline, tiny_model.processor,
                         {"config": {k: v for k, v in tiny_model.metadata["config"].items() if k != "cv_roles"}})
    assert old.config.cv_roles is False
    assert " r_" not in old.features([CAREER_CV])[0]


def test_config_follows_the_metadata(tiny_model_dir: Path) -> None:
    m = SSUPClassifier.load(tiny_model_dir)
    first = m.config
    assert m.config is first  # built once while the metadata stays the same
    m.metadata["config"]["in_scope_threshold"] = 0.93
    assert m.config.in_scope_threshold == 0.93 and first.in_scope_threshold != 0.93
