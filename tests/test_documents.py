"""Documents (PDF, DOCX, ODT, text, HTML) -> text, the language check and `ssup batch-files`.

Every fixture file is built here with the libraries of the test extras (python-docx, odfpy,
reportlab, pypdf); broken ones are truncated or scrambled copies.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import random
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from ssup_classifier import documents, textfiles
from ssup_classifier.cli import main
from ssup_classifier.documents import Document, read_document, read_document_bytes
from ssup_classifier.errors import DocumentError, SSUPError
from ssup_classifier.language import detect_language

ROOT = Path(__file__).resolve().parents[1]

CV_PL = [  # only characters ISO-8859-2 has: a Latin-2 text file must be able to hold it
    "Anna Nowak - Specjalistka ds. wsparcia sprzedaży",
    "Doświadczenie zawodowe: 2019-2024 dystrybutor systemów wentylacji.",
    "Dobór central wentylacyjnych na podstawie projektu i rozmów z klientem, spisywanie wymagań.",
    "Przygotowanie części technicznej ofert i udział w przetargach publicznych razem z kierownikiem.",
    "Szkolenia produktowe dla klientów. Języki: angielski B2. Zażółć gęślą jaźń.",
]
CV_EN = [
    "John Smith - Sales Support Specialist",
    "Work experience: 2019-2024 at a distributor of ventilation systems.",
    "Selected air handling units based on designs and conversations with the customer, wrote down the requirements.",
    "Prepared the technical part of offers and took part in public tenders together with the manager.",
    "Product training for customers. Languages: Polish (native), English (C1).",
]
MARKER = "Zażółć gęślą jaźń"  # a phrase to look for where the text must (not) be


# -- fixture builders ----------------------------------------------------------------------------
def _font() -> str:
    """A TrueType font with Polish letters: DejaVu or Liberation from the system, else matplotlib's copy."""
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                  Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
                  Path("/Library/Fonts/Arial Unicode.ttf"), Path("C:/Windows/Fonts/arial.ttf")]
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    for c in candidates:
        if c.is_file():
            return str(c)
    pytest.skip("no TrueType font with Polish letters found to write a test PDF")


def pdf_bytes(lines: list[str] | None, image: bool = False) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    if lines:
        pdfmetrics.registerFont(TTFont("TestSans", _font()))
        c.setFont("TestSans", 11)
        for i, line in enumerate(lines):
            c.drawString(60, 780 - 16 * i, line)
    if image:  # a "scan": the page is one picture, no text layer
        from PIL import Image
        from reportlab.lib.utils import ImageReader

        c.drawImage(ImageReader(Image.new("L", (200, 280), 235)), 40, 40, 500, 750)
    if not lines and not image:
        c.rect(100, 100, 200, 200)
    c.showPage()
    c.save()
    return buf.getvalue()


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(lines[0], level=1)
    table = d.add_table(rows=1, cols=2)  # CVs often lay out their sections in tables
    table.cell(0, 0).text = "2019–2024"
    table.cell(0, 1).text = lines[1]
    for line in lines[2:]:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def odt_bytes(lines: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    o = OpenDocumentText()
    o.text.addElement(H(outlinelevel=1, text=lines[0]))
    for line in lines[1:]:
        o.text.addElement(P(text=line))
    buf = io.BytesIO()
    o.write(buf)
    return buf.getvalue()


def encrypted_pdf(data: bytes, user_password: str) -> bytes:
    import pypdf

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    w.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def scrambled(data: bytes, seed: int = 0) -> bytes:
    rnd = random.Random(seed)
    b = bytearray(data)
    start = len(b) // 3
    b[start:start + 400] = bytes(rnd.randrange(256) for _ in range(400))
    return bytes(b)


GOOD = {
    "cv.pdf": lambda: pdf_bytes(CV_PL),
    "cv.docx": lambda: docx_bytes(CV_PL),
    "cv.odt": lambda: odt_bytes(CV_PL),
    "cv_utf8.txt": lambda: "\n".join(CV_PL).encode("utf-8"),
    "cv_bom.txt": lambda: "\n".join(CV_PL).encode("utf-8-sig"),
    "cv_cp1250.txt": lambda: "\n".join(CV_PL).encode("cp1250"),
    "cv_latin2.txt": lambda: "\n".join(CV_PL).encode("iso-8859-2"),
    "cv_utf16.txt": lambda: "\n".join(CV_PL).encode("utf-16"),
    "cv.md": lambda: ("# " + "\n\n".join(CV_PL)).encode("utf-8"),
    "cv.html": lambda: ("<html><head><meta charset='windows-1250'><style>p{color:red}</style></head><body>"
                        + "".join(f"<p>{x}</p>" for x in CV_PL) + "<script>var x=1;</script></body></html>"
                        ).encode("cp1250"),
}


@pytest.mark.parametrize("name", list(GOOD))
def test_reads_every_format(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(GOOD[name]())
    doc = read_document(path)
    assert isinstance(doc, Document) and doc.name == str(path) and doc.chars == len(doc.text)
    assert doc.kind == {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".html": "html"}.get(path.suffix, "text")
    for line in CV_PL:  # every line, in order, with its Polish letters (whatever the encoding)
        assert " ".join(line.split()) in " ".join(doc.text.split()), (line, doc.text)
    assert "color" not in doc.text and "var x" not in doc.text
    assert read_document_bytes(path.read_bytes(), name) == Document(name, doc.kind, doc.text, doc.chars)


def test_text_is_kept_out_of_repr_and_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "cv.docx"
    path.write_bytes(docx_bytes(CV_PL))
    doc = read_document(path)
    assert MARKER in doc.text and MARKER not in repr(doc)
    assert MARKER not in caplog.text


def test_docx_named_pdf_is_read_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(docx_bytes(CV_PL))
    assert read_document(path).kind == "docx"


def test_owner_only_encrypted_pdf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"  # "no copying" PDFs open without a password
    path.write_bytes(encrypted_pdf(pdf_bytes(CV_PL), user_password=""))
    assert MARKER in read_document(path).text


# -- the broken files real folders contain --------------------------------------------------------
BROKEN = {
    "scan.pdf": (lambda: pdf_bytes(None, image=True), ["no text layer", "OCR"]),
    "blank.pdf": (lambda: pdf_bytes(None), ["no text"]),
    "locked.pdf": (lambda: encrypted_pdf(pdf_bytes(CV_PL), "secret"), ["encrypted", "password"]),
    "truncated.pdf": (lambda: truncated(pdf_bytes(CV_PL)), ["damaged or truncated", "PDF"]),
    "truncated.docx": (lambda: truncated(docx_bytes(CV_PL)), ["damaged or truncated", "DOCX"]),
    "truncated.odt": (lambda: truncated(odt_bytes(CV_PL)), ["damaged or truncated", "ODT"]),
    "scrambled.docx": (lambda: scrambled(docx_bytes(CV_PL)), ["damaged or truncated"]),
    "scrambled.odt": (lambda: scrambled(odt_bytes(CV_PL)), ["damaged or truncated"]),
    "renamed.pdf": (lambda: "\n".join(CV_PL).encode(), ["not a PDF", "renamed"]),
    "locked.docx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), ["password-protected", ".docx"]),
    "photo.jpg": (lambda: b"\xff\xd8\xff\xe0" + bytes(500), ["not supported", "OCR"]),
    "old.doc": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ["not supported", "save it as .docx"]),
    "empty.txt": (lambda: b"", ["empty"]),
    "binary.txt": (lambda: b"\x00\x01\x02\x03" * 200, ["binary"]),
    "numbers.txt": (lambda: b"12 34 56\n", ["no text"]),
    "sheet.docx": (lambda: _zip({"xl/workbook.xml": "<x/>"}), ["Excel"]),
    "~$cv.docx": (lambda: b"\x05lock", ["lock file"]),
}


def _zip(members: dict[str, str]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_files_get_clear_errors(name: str, tmp_path: Path) -> None:
    make, words = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(DocumentError) as e:
        read_document(path)
    message = str(e.value)
    assert str(path) in message and "Traceback" not in message and "\n" not in message
    for w in words:
        assert w in message, message
    assert isinstance(e.value, SSUPError) and isinstance(e.value, ValueError)
    with pytest.raises(DocumentError, match=re.escape(name)):  # the bytes version says the same
        read_document_bytes(path.read_bytes(), name)


def test_aes_pdf_without_cryptography(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf
    from pypdf.errors import DependencyError

    def needs_aes(self: object, *args: object, **kwargs: object) -> str:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", needs_aes)
    path = tmp_path / "cv.pdf"
    path.write_bytes(pdf_bytes(CV_PL))
    with pytest.raises(DocumentError, match=r"cv\.pdf is an encrypted PDF \(AES\).*pip install cryptography"):
        read_document(path)


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_bytes(("\n".join(CV_PL) * 10).encode())
    for call in (lambda: read_document(path), lambda: read_document_bytes(path.read_bytes(), "big.txt")):
        with pytest.raises(DocumentError, match=r"big\.txt is 0\.0 MB, over the limit of 0 MB"):
            call()


def test_zip_bomb_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 10_000)
    path = tmp_path / "cv.docx"
    path.write_bytes(docx_bytes(CV_PL))
    with pytest.raises(DocumentError, match="says it unpacks to"):
        read_document(path)


def test_path_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"file not found: .*missing\.pdf"):
        read_document(tmp_path / "missing.pdf")
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(DocumentError, match=r"folder\.pdf is a folder"):
        read_document(tmp_path / "folder.pdf")


def test_cp1250_and_latin2_are_told_apart() -> None:
    text = "Zażółć gęślą jaźń. ŹRÓDŁO ŚWIATŁA. Ąę ćń óś źż."
    assert textfiles.decode_text(text.encode("cp1250")) == text
    assert textfiles.decode_text(text.encode("iso-8859-2")) == text


# -- language check -------------------------------------------------------------------------------
# The first lists tuned the rules in ssup_classifier/language.py; the HELD_OUT ones were written
# after the rules were fixed and measured once (23 of 24 right; the miss, a five-word English
# line with no function word, came out "other": still flagged as not Polish).
POLISH = [
    "Konsultantka infolinii: odbieranie połączeń, udzielanie informacji o produktach, wprowadzanie zamówień do CRM",
    "Kierownik działu ofertowania: odpowiada za merytoryczną zawartość wszystkich ofert i KPI zespołu",
    "Specjalista ds. wsparcia sprzedaży. Zakres obowiązków: przygotowywanie ofert handlowych, kontakt z klientami, "
    "obsługa zapytań ofertowych, współpraca z działem handlowym.",
    "Doświadczenie zawodowe\n2019 – obecnie: Inżynier presales w firmie IT. Prezentacje i demo rozwiązań u klienta, "
    "przygotowanie PoC, wycena wdrożeń, udział w przetargach publicznych.",
    "Poszukujemy osoby na stanowisko Key Account Manager Support. Oferujemy umowę o pracę, pakiet medyczny, "
    "kartę sportową i pracę hybrydową w Warszawie.",
    "Asystentka działu sprzedaży – wystawianie faktur, przygotowanie dokumentów do przetargów, archiwizacja umów.",
    "Dyrektor ds. obsługi klienta: wyznacza strategię wsparcia sprzedaży zgodnie z polityką firmy, "
    "zatwierdza oferty powyżej progu, inicjuje nowe usługi dla klientów kluczowych.",
    "Magazynier z uprawnieniami UDT, praca na dwie zmiany, kompletowanie zamówień i obsługa wózka widłowego.",
    "Notatka z rozmowy: kandydatka ma trzy lata doświadczenia w BOK, zna SAP i Salesforce, chce rozwijać się w "
    "kierunku technicznego wsparcia sprzedaży. Angielski B2, niemiecki podstawowy.",
    "Wymagania: wykształcenie wyższe techniczne, min. 2 lata doświadczenia w dziale ofertowania, "
    "znajomość MS Excel, prawo jazdy kat. B.",
    "Specjalista ds. wsparcia sprzedazy: przygotowanie ofert, kontakt z klientem, obsluga zapytan, "
    "wspolpraca z handlowcami i dzialem technicznym.",  # typed without Polish letters
    "Koordynator zespołu customer support: grafik, coaching, raporty NPS i SLA, eskalacje do product managera.",
    "Odpowiadam na pytania klientów przez telefon i czat, rejestruję reklamacje i przekazuję trudne sprawy dalej.",
    "Przygotowuję specyfikacje techniczne do ofert, dobieram urządzenia do potrzeb klienta i szacuję koszty wdrożenia.",
    "Umiejętności: negocjacje, prezentacje, obsługa klienta B2B, pakiet Office, CRM (Pipedrive, HubSpot).",
    "Zarządzam działem wsparcia sprzedaży liczącym 12 osób, ustalam standardy jakości ofert i mierniki efektywności.",
    "Praca w sklepie: doradztwo przy wyborze sprzętu, obsługa kasy, przyjmowanie dostaw, dbanie o ekspozycję.",
    "Inżynier sprzedaży – wsparcie techniczne handlowców, konfiguracja rozwiązań, szkolenia produktowe dla partnerów.",
    "Wykształcenie\nUniwersytet Ekonomiczny w Krakowie, kierunek zarządzanie, 2015–2020\nJęzyki: angielski C1",
    "Oferta pracy: Młodszy specjalista ds. obsługi zamówień. Zadania: weryfikacja zamówień, kontakt z magazynem, "
    "aktualizacja statusów w systemie ERP, odpowiedzi na maile klientów.",
    "Sales Support Specialist – przygotowywanie raportów sprzedażowych, wsparcie Area Sales Managerów, "
    "aktualizacja cenników, kontakt z dystrybutorami.",
    "Customer Success Manager – onboarding klientów SaaS, prowadzenie QBR, upselling, analiza churnu, "
    "współpraca z zespołem sales i product.",
    "Team leader w call center (outbound i inbound), 15 konsultantów, KPI: AHT, FCR, CSAT. Szkolenia z obsługi "
    "klienta i produktów.",
    "CV\nImię i nazwisko: Anna Kowalska\nDoświadczenie: 2020-2024 Bid Manager, Siemens sp. z o.o. – koordynacja "
    "ofert w przetargach, harmonogram, budżet oferty.\nJęzyki: angielski (C1), niemiecki (B1).",
    "\n".join(CV_PL),
]
ENGLISH = [
    "Sales support specialist: prepared technical offers for tenders, answered customer questions by phone and email, "
    "worked with the sales team on product demos.",
    "Work experience\n2018 - present: Customer Service Representative at an e-commerce company. Handling inbound "
    "calls and chats, processing returns and escalating complex issues to the second line.",
    "Presales engineer with 6 years of experience in delivering proof of concepts, solution design and bid "
    "estimation for enterprise customers in the CEE region.",
    "Head of Bid Management. Responsible for the quality of all proposals, the bid team of 8 people and the "
    "approval process for tenders above 1M EUR.",
    "We are looking for a Sales Assistant to join our team in Warsaw. You will prepare quotes, maintain the CRM "
    "and support account managers in their daily work.",
    "Skills: Salesforce, SAP SD, MS Office, negotiation, presentation skills. "
    "Languages: Polish (native), English (C1).",
    "I am a motivated graduate looking for my first job in customer support. I am fluent in English and I have "
    "completed an internship at a call centre.",
    "Responsibilities include preparing technical documentation for offers, analysing customer requirements and "
    "coordinating with the engineering team.",
    "Director of Customer Operations: sets the support strategy in line with company policy, approves proposals and "
    "launches new services for key accounts.",
    "Education\nWarsaw University of Technology, MSc in Mechanical Engineering, 2012-2017\nCertificates: PRINCE2",
    "Key achievements: reduced response time to tender requests by 30%, built a library of reusable proposal content.",
    "Technical sales support for HVAC products: selecting air handling units based on designs, preparing offers and "
    "training installers.",
    "Bid coordinator. Tender documentation, pricing sheets, compliance matrices. Reporting to the sales director.",
    "Summary: customer-focused sales support professional with strong CRM skills and experience in B2B quoting.",
    "\n".join(CV_EN),
]
OTHER = [
    "Vertriebsinnendienst: Erstellung von Angeboten, Betreuung der Kunden per Telefon und E-Mail, Pflege der "
    "Kundendaten im CRM.",
    "Berufserfahrung\n2017 - heute: Sachbearbeiterin im Kundenservice. Bearbeitung von Reklamationen und "
    "Beantwortung von Kundenanfragen.",
    "Wir suchen einen Presales Consultant (m/w/d) mit Erfahrung in der Präsentation von Softwarelösungen und "
    "der Erstellung von Angeboten für Ausschreibungen.",
    "Leiter des Angebotsmanagements: verantwortlich für die Qualität aller Angebote und die Führung eines Teams "
    "von sechs Mitarbeitern.",
    "Kenntnisse: SAP, MS Office, sehr gute Deutsch- und Englischkenntnisse, Teamfähigkeit und Kundenorientierung.",
    "Ich habe drei Jahre im technischen Vertrieb gearbeitet und dabei Kunden bei der Auswahl der Produkte beraten.",
    "Specialista podpory prodeje: příprava nabídek, komunikace se zákazníky, spolupráce s obchodním týmem.",
    "Менеджер з підтримки продажів: підготовка комерційних пропозицій, робота з клієнтами, участь у тендерах.",
    "Специалист по поддержке продаж: подготовка коммерческих предложений, работа с клиентами и дистрибьюторами.",
    "Assistante commerciale : préparation des offres, suivi des commandes, relation avec les clients et les "
    "fournisseurs.",
    "Especialista en soporte de ventas: preparación de ofertas, atención al cliente por teléfono y correo "
    "electrónico, apoyo al equipo comercial.",
    "Špecialista podpory predaja: príprava ponúk, komunikácia so zákazníkmi, spolupráca s obchodným tímom.",
]
HELD_OUT = [(t, "pl") for t in [
    "Szukamy handlowca wewnętrznego do obsługi klientów hurtowych. Praca od poniedziałku do piątku w godz. 8-16.",
    "Obsługa klienta w salonie operatora komórkowego, zawieranie umów, przedłużanie abonamentów, reklamacje sprzętu.",
    "Specjalistka ds. przetargów: analiza SIWZ, kompletowanie dokumentów, pilnowanie terminów, kontakt z zamawiającym.",
    "Technical Account Manager – opieka nad kluczowymi klientami, eskalacje, roadmapy wdrożeń, "
    "raportowanie do VP Sales.",
    "Praktyki w dziale marketingu: social media, newslettery, pomoc przy organizacji targów branżowych.",
    "Przez pięć lat pracowałam jako doradca techniczny w hurtowni elektrycznej, dobierając osprzęt do projektów.",
    "Kierowniczka zespołu ofertowego; odpowiadam za terminowość i poprawność ofert, wdrożyłam szablony i checklisty.",
    "Zainteresowania: turystyka górska, fotografia, gotowanie.",
    "Junior Inside Sales – kwalifikacja leadów, umawianie spotkań dla handlowców, prowadzenie bazy w CRM.",
    "Wsparcie zespołu serwisowego: przyjmowanie zgłoszeń, planowanie wizyt techników, kontakt z klientem po naprawie.",
]] + [(t, "en") for t in [
    "Inside sales representative responsible for qualifying leads and booking meetings for the field sales team.",
    "Profile: detail-oriented bid writer with a background in engineering and a passion for clear proposals.",
    "Handled warranty claims and spare parts orders for dealers across Poland and the Baltics.",
    "Worked closely with account managers to design network solutions and estimate delivery costs for bids.",
    "Hobbies: mountain hiking, photography, cooking.",
    "Our client, a global FMCG company, is hiring a Customer Service Team Lead for its Krakow shared service centre.",
    "Managed a team of 5 sales support coordinators; introduced proposal templates and KPIs for response times.",
    "Internship in the marketing department: social media, newsletters and trade fair logistics.",
]] + [(t, "other") for t in [
    "Wir bieten eine unbefristete Festanstellung, flexible Arbeitszeiten und ein motiviertes Team.",
    "Aufgaben: Angebotserstellung, Auftragsabwicklung und Reklamationsbearbeitung im Innendienst.",
    "Consulente tecnico-commerciale: preparazione di offerte, supporto ai clienti e gestione delle gare d'appalto.",
    "Responsable du support avant-vente : démonstrations, maquettes et chiffrage des projets clients.",
    "Фахівець з продажу: консультування клієнтів, оформлення замовлень, ведення бази в CRM.",
    "Obchodní asistentka: zpracování objednávek, fakturace, komunikace s dodavateli a zákazníky.",
]]
LABELLED = [(t, "pl") for t in POLISH] + [(t, "en") for t in ENGLISH] + [(t, "other") for t in OTHER]


@pytest.mark.parametrize("texts, min_accuracy", [(LABELLED, 1.0), (HELD_OUT, 0.95)], ids=["tuning", "held-out"])
def test_language_accuracy(texts: list[tuple[str, str]], min_accuracy: float) -> None:
    got = [(detect_language(t), want, t[:50]) for t, want in texts]
    wrong = [g for g in got if g[0] != g[1]]
    assert 1 - len(wrong) / len(got) >= min_accuracy, wrong
    # what matters most: no Polish text is flagged, and every other text is
    assert all((lang == "pl") == (want == "pl") for lang, want, _ in got), wrong


@pytest.mark.parametrize("text", ["", "CRM", "Ala ma kota", "12345", "Sales Manager"])
def test_short_texts_are_not_flagged(text: str) -> None:
    assert detect_language(text) == "pl"


def test_language_check_is_fast() -> None:
    import time

    text = "\n".join(CV_PL * 400)  # ~10k words: only the first few thousand are looked at
    detect_language(text)
    t0 = time.perf_counter()
    for _ in range(10):
        detect_language(text)
    assert (time.perf_counter() - t0) / 10 < 0.05


# -- the command line -----------------------------------------------------------------------------
def test_classify_file_docx(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(docx_bytes(CV_PL))
    assert main(["classify", "--file", str(path), "--json", "--model", str(tiny_model_dir)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["classify", read_document(path).text, "--json", "--model", str(tiny_model_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == from_file
    assert from_file["language"] == "pl" and from_file["level"] in range(1, 7)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250", "iso-8859-2"])
def test_classify_text_file_in_any_encoding(encoding: str, tiny_model_dir: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cv.txt"
    path.write_bytes("\n".join(CV_PL).encode(encoding))
    assert main(["classify", "--file", str(path), "--json", "--model", str(tiny_model_dir)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["classify", "\n".join(CV_PL), "--json", "--model", str(tiny_model_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == from_file


def test_classify_flags_english(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cv_en.odt"
    path.write_bytes(odt_bytes(CV_EN))
    assert main(["classify", "--file", str(path), "--json", "--model", str(tiny_model_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "en"
    assert main(["classify", "--file", str(path), "--model", str(tiny_model_dir)]) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert first.startswith("Uwaga: tekst nie wygląda na polski (wykryto angielski)") and second.startswith("Poziom")
    assert main(["classify", "\n".join(CV_PL), "--model", str(tiny_model_dir)]) == 0
    assert "Uwaga" not in capsys.readouterr().out


@pytest.mark.parametrize("name", ["scan.pdf", "locked.pdf", "truncated.docx", "photo.jpg"])
def test_classify_file_broken(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(BROKEN[name][0]())
    assert main(["classify", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ssup: error: {path}") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture()
def cv_folder(tmp_path: Path) -> Path:
    """A recruiter's folder: good CVs in every format, broken files, clutter and a subfolder."""
    folder = tmp_path / "cvs"
    (folder / "2024").mkdir(parents=True)
    for name in ["cv.pdf", "cv.docx", "cv.odt", "cv_cp1250.txt", "cv_latin2.txt"]:
        (folder / name).write_bytes(GOOD[name]())
    (folder / "2024" / "cv_en.docx").write_bytes(docx_bytes(CV_EN))
    for name in ["scan.pdf", "locked.pdf", "truncated.pdf", "scrambled.docx", "truncated.odt", "photo.jpg"]:
        (folder / name).write_bytes(BROKEN[name][0]())
    (folder / "2024" / "too_short.txt").write_text("Ala", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "~$cv.docx").write_bytes(b"lock")
    return folder


def test_batch_files_folder(cv_folder: Path, tmp_path: Path, tiny_model_dir: Path,
                            capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "results.csv"
    assert main(["batch-files", str(cv_folder), "-o", str(out), "--model", str(tiny_model_dir)]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns[:3]) == ["path", "chars", "ssup_language"]
    assert list(df.columns[3:]) == ["ssup_level", "ssup_confidence", "ssup_in_scope", *(f"ssup_p{k}" for k in
                                                                                          range(1, 7)), "ssup_error"]
    names = [Path(p).relative_to(cv_folder).as_posix() for p in df["path"]]
    assert names == sorted(names) and len(names) == 13 and ".DS_Store" not in names and "~$cv.docx" not in names
    rows = df.set_index(pd.Series(names))
    for good in ["cv.pdf", "cv.docx", "cv.odt", "cv_cp1250.txt", "cv_latin2.txt", "2024/cv_en.docx"]:
        r = rows.loc[good]
        assert r.ssup_error == "" and r.ssup_level in list("123456") and int(r.chars) > 200, r.to_dict()
    assert rows.loc["2024/cv_en.docx", "ssup_language"] == "en" and rows.loc["cv.odt", "ssup_language"] == "pl"
    for bad, word in [("scan.pdf", "OCR"), ("locked.pdf", "encrypted"), ("truncated.pdf", "truncated"),
                      ("scrambled.docx", "damaged"), ("truncated.odt", "truncated"), ("photo.jpg", "not supported"),
                      ("2024/too_short.txt", "")]:
        r = rows.loc[bad]
        assert r.ssup_error and word in r.ssup_error and r.ssup_level == "", r.to_dict()
    err = capsys.readouterr().err
    assert "13 files in" in err and "6 classified" in err and "7 with errors" in err and "1 not in Polish" in err
    for bad in ["scan.pdf", "locked.pdf", "photo.jpg", "too_short.txt"]:
        assert bad in err
    # privacy: no extracted text in the output table or the logs
    assert MARKER not in out.read_text(encoding="utf-8-sig") and MARKER not in caplog.text
    assert "Traceback" not in err


def test_batch_files_xlsx_glob_force_and_save_text(cv_folder: Path, tmp_path: Path, tiny_model_dir: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cv_folder)
    out, texts = tmp_path / "results.xlsx", tmp_path / "texts"
    argv = ["batch-files", "*.docx", "cv.pdf", "cv.docx", "-o", str(out), "--model", str(tiny_model_dir)]
    assert main(argv) == 0
    df = pd.read_excel(out, dtype=str, keep_default_na=False)
    assert list(df["path"]) == ["cv.docx", "scrambled.docx", "cv.pdf"]  # each file once, in argument order
    assert not texts.exists()
    assert main(argv) == 2 and "already exists; pass --force" in capsys.readouterr().err
    assert main([*argv, "--force", "--save-text", str(texts)]) == 0
    saved = sorted(p.name for p in texts.iterdir())
    assert saved == ["cv.docx.txt", "cv.pdf.txt"]
    assert MARKER in (texts / "cv.docx.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("argv, message", [
    (["batch-files", "nowhere/", "-o", "{tmp}/o.csv"], "no such file or folder: nowhere/"),
    (["batch-files", "nowhere/*.pdf", "-o", "{tmp}/o.csv"], "no file matches 'nowhere/*.pdf'"),
    (["batch-files", "{tmp}", "-o", "{tmp}/o.json"], "cannot write .json"),
    (["batch-files", "{tmp}/empty", "-o", "{tmp}/o.csv"], "the folder {tmp}/empty has no files"),
])
def test_batch_files_errors(argv: list[str], message: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err and err.count("\n") == 1


def test_batch_files_skips_its_own_output(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "cv.txt").write_text("\n".join(CV_PL), encoding="utf-8")
    out = tmp_path / "results.csv"
    for _ in range(2):
        assert main(["batch-files", str(tmp_path), "-o", str(out), "--force", "--save-text", str(tmp_path / "t"),
                     "--model", str(tiny_model_dir)]) == 0
    assert list(pd.read_csv(out, encoding="utf-8-sig")["path"]) == [str(tmp_path / "cv.txt")]


@pytest.mark.parametrize("module, name", [("docx", "cv.docx"), ("pypdf", "cv.pdf"), ("odf", "cv.odt")])
def test_missing_reader_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> None:
    from ssup_classifier.documents import read_document_bytes

    data = {"cv.docx": (ROOT / "tests/data/cvs/cv_inzynier_presales.docx").read_bytes(),
            "cv.odt": (ROOT / "tests/data/cvs/cv_kierownik_ofertowania.odt").read_bytes(),
            "cv.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"}[name]
    monkeypatch.setitem(sys.modules, module, None)  # the import now fails as if not installed
    with pytest.raises(DocumentError, match=r"ssup-classifier\[documents\]"):
        read_document_bytes(data, name)
