"""Letters: every kind opened with python-docx, escaping, isolation between suppliers, identity with docxtpl."""

from __future__ import annotations

import email
import io
import json
import re
from email import policy
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import assess_as_declared, columns, csv_bytes, make_offer, offer_row, type_into
from inhuur import actions, letters, mail, soffice
from inhuur.errors import InvalidWorkbook, NoTie, UnresolvedTie
from inhuur.rules import evaluate

SENT = date(2026, 6, 30)
LOT = letters.LotDrawing(datetime(2026, 7, 3, 10, 0), "Flextender, Hilversum", "mr. J. Smit, notaris")


def text_of(source) -> str:
    """All text a reader sees: body paragraphs, table cells, headers and footers."""
    doc = Document(source)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(parts).replace("\u00a0", " ")  # Babel's non-breaking space reads as a space


@pytest.fixture
def decided(example_workbook):
    """The example after the lot: every offer has a decided status."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    return example_workbook


@pytest.fixture
def made(decided, tmp_path):
    return actions.make_letters(decided, tmp_path / "brieven", sent=SENT, now=datetime(2026, 6, 30, 9, 0))


def test_every_template_uses_only_documented_fields(tender):
    fields = (letters.TEMPLATES / "VELDEN.md").read_text(encoding="utf-8")
    context = letters.letter_context(tender, evaluate(tender, [make_offer("I-001", "G4")])[0],
                                     evaluate(tender, [make_offer("I-001", "G4")]), "voorgedragen", SENT, LOT)
    for kind in letters.KINDS:
        template = DocxTemplate(letters.TEMPLATES / f"{kind}.docx")
        assert template.get_undeclared_template_variables(context=context) == set(), kind
    for key in context:
        assert f"`{key}" in fields, f"{key} is not documented in VELDEN.md"


def test_one_letter_per_offer_with_the_right_kind(made):
    kinds = {m.offer_id: m.kind for m in made.letters}
    assert len(kinds) == 15
    assert [kinds[i] for i in ("I-001", "I-006", "I-005", "I-010", "I-013")] == [
        "voorgedragen", "voorgedragen", "niet_geselecteerd", "knock_out", "niet_conform"]
    manifest = json.loads(made.manifest.read_text(encoding="utf-8"))["letters"]
    assert {(e["candidate"], e["supplier"], e["email"], e["kind"], e["file"]) for e in manifest} >= {
        ("Björn Smit", "Hoekstra Zorg & Welzijn", "p.hoekstra@hzw.example", "knock_out", "I-010-knock_out.docx")}


def test_not_selected_letter_shows_own_points_rank_and_threshold_never_others(made):
    text = text_of(made.folder / "I-005-niet_geselecteerd.docx")
    assert "Geachte mevrouw Meijer," in text and "t.a.v. Saskia Meijer" in text
    assert "Şeyma Yılmaz" in text and "@Home Detachering" in text
    assert "G4: Minimaal 5 jaar aantoonbare werkervaring" in text
    assert "Totaal | 100 | 75" in text
    assert "plaats 6 van de 9 kandidaten" in text
    assert "een vastgelegde loting besliste wie van hen werd voorgedragen" in text   # not the score: the lot
    assert "heeft een loting beslist" in text
    assert "30 juni 2026" in text and "eindigt op maandag 20 juli 2026" in text
    for other in ("Mehmet Öztürk", "Çelik", "€ 77,50", "77,5", "Anaïs"):
        assert other not in text
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("offer_id, kind, words", [
    ("I-010", "knock_out", ["KO3: Uurtarief maximaal € 77,50 exclusief btw", "aangeboden uurtarief € 77,51"]),
    ("I-011", "knock_out", ["KO1: Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau",
                            "oordeel van de beoordelaar: Zo staat het in cv en toelichting."]),
    ("I-013", "niet_conform", ["Inschrijving ontvangen vóór het einde van de reactietermijn",
                               "ontvangen op maandag 29 juni 2026 om 09.14 uur"]),
    ("I-015", "niet_conform", ["Cv opgesteld in het Nederlands", "Minimaal 2 referenties",
                               "aantal referenties: 1"]),
    ("I-006", "voorgedragen", ["met 75 van de 100 punten", "plaats 5", "woensdag 1 juli 2026",
                               "donderdag 9 juli 2026 om 14.00 uur op Sociaal Plein, Hilversum"]),
])
def test_each_kind_gives_the_tenders_reasons(made, offer_id, kind, words):
    text = text_of(made.folder / f"{offer_id}-{kind}.docx")
    for word in words:
        assert word in text
    assert f"kenmerk 30662-{offer_id}-{kind.replace('_', '-')}" in text
    assert not re.search(r"\{[{%]|[}%]\}", text)


def test_letters_are_logged_in_the_brieven_sheet(made, decided):
    rows = list(load_workbook(decided)["Brieven"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Gemaakt op", "Datum brief", "ID")
    assert [r[2] for r in rows[1:]] == [f"I-{n:03d}" for n in range(1, 16)]
    assert rows[1][1] == "30-06-2026"


def test_unresolved_tie_refuses_letters_but_offers_lot_invitations(example_workbook, tmp_path):
    with pytest.raises(UnresolvedTie) as info:
        actions.make_letters(example_workbook, tmp_path / "x", sent=SENT)
    assert [i for i, _, _ in info.value.groups[0]] == ["I-005", "I-006"]
    assert not (tmp_path / "x").exists()
    report = actions.make_letters(example_workbook, tmp_path / "lot", sent=SENT, lot=LOT)
    assert [(m.offer_id, m.kind) for m in report.letters] == [("I-005", "loting"), ("I-006", "loting")]
    text = text_of(tmp_path / "lot" / "I-005-loting.docx")
    assert "vrijdag 3 juli 2026 om 10.00 uur" in text and "mr. J. Smit, notaris" in text
    assert "Mehmet" not in text and "Çelik" not in text


def test_lot_invitations_without_a_tie_are_refused(decided, tmp_path):
    with pytest.raises(NoTie):
        actions.make_letters(decided, tmp_path / "x", sent=SENT, lot=LOT)


def test_letters_refused_while_check_fails(decided, tmp_path):
    score = type_into(decided, "Kandidaten", "Score", 3, 99)
    with pytest.raises(InvalidWorkbook) as info:
        actions.make_letters(decided, tmp_path / "x", sent=SENT)
    assert info.value.problems[0].where == f"Kandidaten!{score}3"


def render_both(template_path: Path, context: dict) -> tuple[bytes, bytes]:
    ours = letters.CompiledTemplate(template_path).render(context)
    theirs = DocxTemplate(template_path)
    theirs.render(context, letters.environment(), autoescape=True)
    buffer = io.BytesIO()
    theirs.save(buffer)
    return ours, buffer.getvalue()


@pytest.mark.parametrize("kind", letters.KINDS)
def test_compiled_templates_give_docxtpls_text(tender, kind):
    offers = [make_offer("I-001", "G4 G7", rate="77.50"), make_offer("I-002", "G5", rate="70.00")]
    results = evaluate(tender, offers)
    context = letters.letter_context(tender, results[1], results, kind, SENT, LOT)
    ours, theirs = render_both(letters.TEMPLATES / f"{kind}.docx", context)
    assert text_of(io.BytesIO(ours)) == text_of(io.BytesIO(theirs))


@pytest.mark.parametrize("name", ["Brouwer & Zonen <B.V.>", 'De "Beste" Mensen', "Smit's & Co", "]]> & <w:p>"])
def test_special_characters_render_literally(tender, name, tmp_path):
    offer = make_offer("I-001", "G4", supplier=name, candidate=f"{name} kandidaat")
    results = evaluate(tender, [offer])
    data = letters.CompiledTemplate(letters.TEMPLATES / "voorgedragen.docx").render(
        letters.letter_context(tender, results[0], results, "voorgedragen", SENT))
    assert name in text_of(io.BytesIO(data))
    (tmp_path / "brief.docx").write_bytes(data)
    if soffice.find_soffice():  # the document must also open in a real word processor
        pdf = soffice.convert([tmp_path / "brief.docx"], tmp_path, "pdf")[0]
        assert pdf.stat().st_size > 1000


supplier_names = st.sampled_from(["Alfa & Zn", "Bèta B.V.", "Gamma", "Delta <Interim>", "Epsilon"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(supplier_names, st.sampled_from(["", "G4", "G4 G5", "G4 G5 G6 G7 G8", "G8"]),
                          st.sampled_from(["60.00", "70.00", "77.50", "80.00"]),
                          st.sampled_from([None, {"cv_pdf": "Nee"}])), min_size=1, max_size=9))
def test_no_letter_contains_another_suppliers_candidate(tender, tmp_path_factory, drawn):
    offers = []
    for i, (supplier, codes, rate, facts) in enumerate(drawn, start=1):
        offers.append(make_offer(f"I-{i:03d}", codes, rate=rate, supplier=supplier,
                                 candidate=f"Kandidaat{i:03d}X", facts=facts or {}, lot=i))
    results = evaluate(tender, offers)
    folder = tmp_path_factory.mktemp("iso")
    made = letters.write_letters(tender, results, folder, SENT)
    assert sorted(m.offer_id for m in made) == sorted(o.id for o in offers)   # exactly one letter each
    entries = [{"reference": m.reference, "email": m.email, "supplier": m.supplier, "contact": m.contact,
                "candidate": m.candidate, "kind": m.kind, "file": m.file, "pdf": None,
                "sha256": m.sha256} for m in made]
    emails = {item.entry["file"]: item.message for item in mail.compose(tender, entries, folder)}
    for m in made:
        message = emails[m.file]
        [attachment] = list(message.iter_attachments())
        seen = "\n".join([text_of(folder / m.file), text_of(io.BytesIO(attachment.get_content())),
                          message["Subject"], message.get_body(("plain",)).get_content()])
        for other in offers:
            if other.supplier != m.supplier:
                assert other.candidate not in seen, (m.file, other.candidate)


@pytest.fixture
def invited(tmp_path, example_workbook):
    """The example through step 3: I-001..I-003 invited, I-004 and I-006 in the waiting room."""
    from test_record import STEP3

    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.rank(example_workbook)
    (tmp_path / "s3.csv").write_text(STEP3, encoding="utf-8")
    actions.record(example_workbook, 3, tmp_path / "s3.csv")
    return example_workbook


@pytest.fixture
def awarded(tmp_path, invited):
    """The example through step 4: I-001 and I-002 pass, I-003 fails (ready for the award decision)."""
    from test_record import step4

    example_workbook = invited
    rows = []
    for offer_id, scores in (("I-001", [4] * 10), ("I-002", [5, 5, 4, 4, 4, 4, 5, 4, 4, 3]),
                             ("I-003", [3, 3, 2, 3, 3, 3, 3, 3, 3, 3])):
        rows += [(offer_id, "J. de Boer", scores), (offer_id, "S. Amrani", scores), (offer_id, "Consensus", scores)]
    (tmp_path / "s4.csv").write_text(step4(rows), encoding="utf-8")
    actions.record(example_workbook, 4, tmp_path / "s4.csv")
    return example_workbook


def test_step3_letters_invite_and_seat_the_waiting_room(invited, tmp_path):
    made = actions.make_letters(invited, tmp_path / "b3", sent=date(2026, 7, 1))
    assert sorted((m.offer_id, m.kind) for m in made.letters) == [
        ("I-001", "uitnodiging_gesprek"), ("I-002", "uitnodiging_gesprek"), ("I-003", "uitnodiging_gesprek"),
        ("I-004", "wachtkamer"), ("I-006", "wachtkamer")]
    invitation = text_of(tmp_path / "b3" / "I-001-uitnodiging_gesprek.docx")
    assert "donderdag 9 juli 2026 om 14.00 uur" in invitation and "Plaats: Sociaal Plein, Hilversum" in invitation
    assert "een geldig identiteitsbewijs" in invitation and "Verklaring Omtrent het Gedrag" in invitation
    assert "Teamleider Inburgering en Participatie" in invitation
    waiting = text_of(tmp_path / "b3" / "I-006-wachtkamer.docx")
    assert "wachtkamer (plaats 2)" in waiting and "alsnog uitnodigen" in waiting


def test_award_letters_need_a_motivation(awarded, tmp_path):
    actions.record_awards(awarded, {"I-002": "", "I-001": "Ruime ervaring"})
    with pytest.raises(InvalidWorkbook) as info:
        actions.make_letters(awarded, tmp_path / "x", sent=date(2026, 7, 10))
    assert "de motivering voor de gunning aan I-002 is leeg" in info.value.problems[0].text
    assert info.value.problems[0].where.startswith("Gunning!V")


def test_award_of_a_failed_candidate_blocks_the_letters(awarded, tmp_path):
    actions.record_awards(awarded, {"I-003": "Toch de beste"})
    with pytest.raises(InvalidWorkbook) as info:
        actions.make_letters(awarded, tmp_path / "x", sent=date(2026, 7, 10))
    assert "I-003 wordt gegund maar scoort niet op elke competentie minimaal voldoende" in info.value.problems[0].text


def test_award_letters_motivate_the_rejection_without_anyones_rate(awarded, tmp_path):
    actions.record_awards(awarded, {"I-002": "Beste gesprek", "I-001": "Ruime ervaring met statushouders"})
    made = actions.make_letters(awarded, tmp_path / "b4", sent=date(2026, 7, 10))
    assert sorted((m.offer_id, m.kind) for m in made.letters if m.kind != "kennisgeving_gunning") == [
        ("I-001", "voornemen_tot_gunning"), ("I-002", "voornemen_tot_gunning"), ("I-003", "afwijzing_na_gesprek"),
        ("I-004", "afwijzing_wachtkamer"), ("I-006", "afwijzing_wachtkamer")]
    # no step 0–2 rejection was ever made in this fixture: every one of those suppliers is told of the award
    assert sorted(m.offer_id for m in made.letters if m.kind == "kennisgeving_gunning") == [
        "I-005", *[f"I-{n:03d}" for n in range(7, 16)]]
    rejection = text_of(tmp_path / "b4" / "I-003-afwijzing_na_gesprek.docx")
    assert "Klantgericht | 2 (onvoldoende)" in rejection and "Totaal | 29" in rejection
    assert "niet op elke competentie minimaal voldoende" in rejection
    assert "De kandidaat van Sociaal Domein Professionals B.V.: totaal 42 punten" in rejection
    assert "Fatima El Amrani" not in rejection and "Anaïs de Vries" not in rejection   # personal data of others
    assert "Motivering: Beste gesprek" in rejection
    assert "eindigt op donderdag 30 juli 2026" in rejection
    for rate in ("€ 72,00", "€ 75,00", "72,00", "75,00"):
        assert rate not in rejection
    standstill = lambda report: [w for w in report.warnings if "opschortende termijn eindigt" in w]  # noqa: E731
    assert standstill(made) == []                   # 10 July + 20 days ends 30 July, before the start on 1 August
    late = actions.make_letters(awarded, tmp_path / "b5", sent=date(2026, 7, 17))
    assert standstill(late) == ["de opschortende termijn eindigt op donderdag 6 augustus 2026, niet vóór de geplande "
                             "start van de opdracht (zaterdag 1 augustus 2026); stem de startdatum af met de "
                             "opdrachtgever"]
    intention = text_of(tmp_path / "b4" / "I-001-voornemen_tot_gunning.docx")
    assert "maximaal 4 weken, bij VOG-P-screening 8 weken" in intention and "Waadi" in intention
    assert "eindigt op donderdag 30 juli 2026" in intention
    assert "De opdracht begint naar verwachting op zaterdag 1 augustus 2026." in intention   # after the standstill
    assert "Fatima" not in intention


def test_no_new_invitation_for_someone_already_interviewed(awarded, tmp_path):
    made = actions.make_letters(awarded, tmp_path / "b", sent=date(2026, 7, 13))
    assert sorted((m.offer_id, m.kind) for m in made.letters) == [("I-004", "wachtkamer"), ("I-006", "wachtkamer")]


def test_waiting_room_letter_says_when_the_waiting_room_is_used(invited, tmp_path):
    made = actions.make_letters(invited, tmp_path / "b3", sent=date(2026, 7, 1))
    text = text_of(made.folder / "I-004-wachtkamer.docx")
    assert "Scoren minder dan 2 van de uitgenodigde kandidaten op alle competenties minimaal voldoende" in text


CODE_WITH_UNDERSCORE = re.compile(r"\b[A-Za-z]+_[A-Za-z_]+\b")


def test_no_letter_or_email_shows_a_code_with_an_underscore(demo_run):
    """Every letter and every e-mail subject and body the demo made, step 0 to the award, reads as Dutch."""
    folders = [p for p in demo_run.folder.iterdir() if p.is_dir()]
    documents = [d for f in folders for d in f.glob("*.docx")]
    assert len(documents) > 25
    for document in documents:
        assert not CODE_WITH_UNDERSCORE.search(text_of(document)), document.name
    emails = [e for f in folders for e in f.glob("*.eml")]
    assert len(emails) >= 20
    for path in emails:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert not CODE_WITH_UNDERSCORE.search(message["Subject"]), message["Subject"]
        assert not CODE_WITH_UNDERSCORE.search(message.get_body(("plain",)).get_content()), path.name
    subjects = {email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"].split(": ", 1)[1]
                for p in emails}
    assert "voornemen tot gunning (Fatima El Amrani)" in subjects


@pytest.mark.soffice
def test_pdf_letters_use_the_templates_font_or_its_metric_twin(demo_run):
    """The templates ask for Calibri; LibreOffice must use it or Carlito (same metrics), never a fallback font
    that reflows the letter. Needs fonts-crosextra-carlito where Calibri is absent (CI installs it)."""
    import shutil
    import subprocess

    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    documents = sorted(demo_run.folder.glob("*/*.docx"))
    pdfs = sorted(demo_run.folder.glob("*/*.pdf"))
    assert len(pdfs) == len(documents) > 25                               # every letter of every step
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]]
        text_fonts = [n for n in names if "Symbol" not in n]     # a list's bullet glyph may come from a symbol font
        assert text_fonts and all(n.startswith(("Carlito", "Calibri")) for n in text_fonts), (pdf.name, names)
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", pages, re.M), pdf.name   # one page, as in Word (I-008 quotes four reasons)


def test_letters_read_as_dutch_running_text(demo_run):
    """The client in running text is 'de gemeente Hilversum'; times are written 'om 09.14 uur'."""
    knock_out = text_of(demo_run.letters.folder / "I-011-knock_out.docx")
    assert "van de gemeente Hilversum" in knock_out
    late = text_of(demo_run.letters.folder / "I-013-niet_conform.docx")
    assert "maandag 29 juni 2026 om 09.14 uur" in late
    invitation = text_of(next(demo_run.folder.glob("brieven-stap3-ronde1/I-001-uitnodiging_gesprek.docx")))
    assert "De gemeente Hilversum heeft de voorgedragen kandidaten" in invitation
    for document in demo_run.folder.glob("*/*.docx"):
        text = text_of(document)
        assert not re.search(r"\b(van|aan|is|dat) Gemeente Hilversum", text), document.name
        assert not re.search(r"\d{1,2}:\d{2} uur", text), document.name
    body = email.message_from_bytes(next(demo_run.folder.glob("e-mails/*.eml")).read_bytes(), policy=policy.default)
    assert "van de gemeente Hilversum" in body.get_body(("plain",)).get_content()


@pytest.mark.parametrize("title, contact, expected", [
    ("heer", "Jeroen Brouwer", "Geachte heer Brouwer,"),
    ("mevrouw", "Marieke van den Berg", "Geachte mevrouw Van den Berg,"),
    ("heer", "R. Çelik", "Geachte heer Çelik,"),
    ("mevrouw", "Anne-Marie de Vries-Jansen", "Geachte mevrouw De Vries-Jansen,"),
    ("", "Ayşe Çelik", "Geachte heer/mevrouw,"),          # no aanhef: never guess from a first name
    ("heer", "", "Geachte heer/mevrouw,"),
])
def test_salutations(title, contact, expected):
    from inhuur import dutch

    assert dutch.salutation(title, contact) == expected


def test_letters_choose_singular_or_plural_and_leave_out_an_empty_tav(demo_run, tender, tmp_path):
    one = text_of(demo_run.letters.folder / "I-011-knock_out.docx")
    assert "voldoet niet aan het volgende knock-outcriterium:" in one
    two = text_of(demo_run.letters.folder / "I-015-niet_conform.docx")      # Engels cv and 1 reference
    assert "voldoet niet aan de volgende eisen:" in two
    lot = text_of(next(demo_run.folder.glob("brieven-loting/I-005-loting.docx")))
    assert "met 1 andere kandidaat exact dezelfde score" in lot
    assert "Geachte heer/mevrouw," in text_of(demo_run.letters.folder / "I-006-voorgedragen.docx")   # no aanhef
    offer = make_offer("I-001", "G4", contact="")
    results = evaluate(tender, [offer])
    context = letters.letter_context(tender, results[0], results, "voorgedragen", SENT)
    assert (context["leverancier"]["tav"], context["aanhef"]) == ("", "Geachte heer/mevrouw,")


REJECTIONS = ("niet_conform", "knock_out", "niet_geselecteerd", "afwijzing_na_gesprek", "afwijzing_wachtkamer")


def test_every_rejection_names_the_kort_geding_route_and_its_end_date(demo_run):
    """A complaint alone suspends nothing: the route that does is a kort geding before the standstill ends."""
    documents = [d for d in demo_run.folder.glob("*/*.docx") if d.stem.split("-", 2)[-1] in REJECTIONS]
    assert {d.stem.split("-", 2)[-1] for d in documents} == set(REJECTIONS)
    for document in documents:
        text = text_of(document)
        assert "een kort geding aanhangig bij de voorzieningenrechter van de rechtbank Midden-Nederland" in text
        assert "dat alleen houdt de gunning niet tegen" in text and "gemotiveerd laten weten" not in text
        assert re.search(r"eindigt op \w+dag \d{1,2} \w+ 2026\. Wilt u de gunning tegenhouden", text), document.name


def test_without_a_court_in_the_spec_the_wording_is_neutral(tender):
    from dataclasses import replace

    results = evaluate(tender, [make_offer("I-001", "G4")])
    court = letters.letter_context(tender, results[0], results, "niet_geselecteerd", SENT)["rechter"]
    neutral = letters.letter_context(replace(tender, court=""), results[0], results, "niet_geselecteerd", SENT)
    assert (court, neutral["rechter"]) == ("bij de voorzieningenrechter van de rechtbank Midden-Nederland",
                                           "bij de voorzieningenrechter van de bevoegde rechtbank")


def test_a_lot_decided_place_is_reported_truthfully(demo_run):
    """I-005 and I-006 tied at place 5 with the same score and rate; the lot drew I-006 first."""
    lost = text_of(demo_run.letters.folder / "I-005-niet_geselecteerd.docx")
    assert "Bij die loting werd uw kandidaat als tweede getrokken; daarom wordt uw kandidaat niet voorgedragen" in lost
    assert "De laagste score waarmee" not in lost                    # not the score: the lot decided
    won = text_of(demo_run.letters.folder / "I-006-voorgedragen.docx")
    assert "Bij die loting werd uw kandidaat als eerste getrokken." in won
    other = text_of(demo_run.letters.folder / "I-007-niet_geselecteerd.docx")
    assert "De laagste score waarmee een kandidaat werd voorgedragen is 75 punten" in other and "loting" not in \
        other.split("Gunningscriterium")[0].split("De 5 best")[-1]


def test_a_spec_may_allow_naming_the_chosen_professional(tender):
    from dataclasses import replace

    from inhuur import award

    results = evaluate(tender, [make_offer("I-001", "G4 G5"), make_offer("I-002", "G4")])
    stage = award.Stage(outcomes={"I-001": award.Outcome("I-001", award.AWARDED, award.InterviewResult(
        "I-001", {}, 2, True, True, __import__("decimal").Decimal(40), (), ()))}, awarded=["I-001"])
    steps = letters.Steps(stage, {}, {"I-001": award.Decision("I-001", True, "Beste gesprek")})
    for allowed, shown in ((False, ""), (True, "Kand I-001")):
        context = letters.letter_context(replace(tender, name_chosen=allowed), results[1], results,
                                         "afwijzing_na_gesprek", SENT, steps=steps)
        assert [(g["kandidaat"], g["leverancier"]) for g in context["gekozen"]] == [(shown, "Lev I-001")]


def test_the_interview_invitation_announces_the_vog_but_asks_no_vog_data(demo_run):
    invitation = text_of(next(demo_run.folder.glob("brieven-stap3-ronde1/I-001-uitnodiging_gesprek.docx")))
    assert "Verklaring Omtrent het Gedrag" in invitation                 # the procedure is announced
    assert "gegevens voor de aanvraag" not in invitation                 # no personal data asked for yet


def test_the_award_intention_separates_conditions_from_contract_terms(demo_run):
    """Conditions that can be met before signing (VOG by a date, Waadi); Wet DBA and pay are contract terms;
    no rights yet; final only after the standstill without a kort geding; the start moved past it."""
    text = text_of(next(demo_run.folder.glob("brieven-gunning/I-002-voornemen_tot_gunning.docx")))
    assert "Voordat de overeenkomst wordt getekend, vragen wij van u:" in text
    assert "een Verklaring Omtrent het Gedrag (VOG) van de kandidaat, uiterlijk vrijdag 11 september 2026" in text
    assert "De overeenkomst legt vast dat de opdracht wordt uitgevoerd zoals u in uw inschrijving hebt onderbouwd" in text
    assert "voldoet aan de inlenersbeloning: functieschaal 9 (" in text
    assert "Aan dit voornemen kunt u nog geen rechten ontlenen." in text
    assert "Is er dan geen kort geding tegen deze beslissing aanhangig gemaakt" in text
    assert ("De geplande start op zaterdag 1 augustus 2026 valt binnen de opschortende termijn; de opdracht kan "
            "daarom op zijn vroegst op vrijdag 7 augustus 2026 beginnen.") in text
    assert "feitelijke uitvoering past bij" not in text and "Wordt binnen die termijn geen bezwaar gemaakt" not in text


# ---------------------------------------------------------------------------------------------- lot drawing

@pytest.mark.parametrize("sent, days, earliest", [
    (date(2026, 6, 29), 2, date(2026, 7, 1)),     # Monday: Wednesday at the earliest
    (date(2026, 7, 3), 2, date(2026, 7, 7)),      # Friday: over the weekend to Tuesday
    (date(2026, 4, 24), 2, date(2026, 4, 29)),    # Koningsdag (Monday 27 April) does not count
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas and a Sunday do not count
])
def test_lot_notice_counts_working_days(sent, days, earliest):
    from inhuur.rules import working_day_after, working_day_before

    assert working_day_after(sent, days) == earliest
    assert working_day_before(earliest) > sent or days == 1


def test_a_lot_with_too_little_notice_is_refused_and_nothing_is_written(example_workbook, tmp_path, run_cli):
    before = example_workbook.read_bytes()
    result = run_cli("letters", example_workbook, "-o", tmp_path / "lot", "--datum", "30-06-2026", "--loting",
                     "--loting-moment", "01-07-2026 10:00", "--loting-plaats", "Hilversum", "--loting-door", "notaris")
    assert result.code == 1
    assert result.err == (
        "Fout: er is niets geschreven: de loting op woensdag 1 juli 2026 om 10.00 uur is te kort na de uitnodiging "
        "van 30 juni 2026. De aanvraag vraagt 2 werkdagen aankondiging (loting.aankondiging_werkdagen), zodat de "
        "leveranciers erbij kunnen zijn. Kies een moment op of na donderdag 2 juli 2026 (--loting-moment).\n")
    assert example_workbook.read_bytes() == before
    assert not (tmp_path / "lot").exists()


def test_the_lot_invitation_states_basis_method_attendance_and_a_reply_date(example_workbook, tmp_path):
    actions.make_letters(example_workbook, tmp_path / "lot", sent=SENT, lot=LOT)
    text = text_of(tmp_path / "lot" / "I-006-loting.docx")
    assert "Grondslag: de aanvraag: bij een gelijke score is het uurtarief doorslaggevend" in text
    assert "Werkwijze: elke betrokken kandidaat krijgt een genummerd, gesloten lot" in text
    assert "ter plaatse of op afstand via Microsoft Teams" in text
    assert "Laat u ons uiterlijk donderdag 2 juli 2026 weten of u aanwezig bent" in text   # the day before Friday
    assert "de dag ervoor" not in text


def test_the_recorded_lot_is_reported_with_its_proces_verbaal(example_workbook, tmp_path, run_cli):
    result = run_cli("loting", example_workbook, "--volgorde", "I-006,I-005", "--moment", "03-07-2026 10:05",
                     "--plaats", "Flextender, Hilversum", "--door", "mr. J. Smit, notaris",
                     "--getuigen", "A. Jansen (Flextender); S. Meijer (@Home Detachering, op afstand)")
    assert result.code == 0, result.err
    assert "Loting vastgelegd" in result.out and "Loting nodig" not in result.out
    rows = list(load_workbook(example_workbook)["Loting"].iter_rows(values_only=True))
    assert rows[1][1:6] == ("03-07-2026 10:05", "Flextender, Hilversum", "mr. J. Smit, notaris",
                            "A. Jansen (Flextender); S. Meijer (@Home Detachering, op afstand)", "I-006, I-005")
    assert rows[1][6].startswith("eerste getrokken: I-006 (Mehmet Öztürk, Çelik Consultancy); tweede getrokken: I-005")
    report = actions.make_letters(example_workbook, tmp_path / "b", sent=date(2026, 7, 3))
    assert not [w for w in report.warnings if "proces-verbaal" in w]
    lost = text_of(tmp_path / "b" / "I-005-niet_geselecteerd.docx")
    assert "hetzelfde uurtarief als 1 andere kandidaat;" in lost
    assert ("De loting vond plaats op vrijdag 3 juli 2026 om 10.05 uur in Flextender, Hilversum; het lot werd "
            "getrokken door mr. J. Smit, notaris, in aanwezigheid van A. Jansen (Flextender); S. Meijer "
            "(@Home Detachering, op afstand).") in lost
    assert "De loting vond plaats op vrijdag 3 juli 2026" in text_of(tmp_path / "b" / "I-006-voorgedragen.docx")
    assert "De loting vond plaats" not in text_of(tmp_path / "b" / "I-004-voorgedragen.docx")


def test_letters_warn_while_the_proces_verbaal_is_missing(decided, tmp_path):
    report = actions.make_letters(decided, tmp_path / "b", sent=SENT)
    assert [w for w in report.warnings if w.startswith("het proces-verbaal van de loting ontbreekt op het blad "
                                                       "Loting (I-005, I-006)")]
    assert "De loting vond plaats" not in text_of(tmp_path / "b" / "I-005-niet_geselecteerd.docx")


@pytest.mark.parametrize("order", ["I-005", "I-005,I-004", "I-005,I-006,I-005"])
def test_a_lot_result_that_is_not_the_tie_is_refused(example_workbook, run_cli, order):
    before = example_workbook.read_bytes()
    result = run_cli("loting", example_workbook, "--volgorde", order, "--moment", "03-07-2026 10:00",
                     "--plaats", "Hilversum", "--door", "notaris")
    assert result.code == 1
    assert result.err.startswith("Fout: er is niets vastgelegd: de volgorde ")
    assert "(gelijke standen op de grens: I-005, I-006)" in result.err
    assert example_workbook.read_bytes() == before


@pytest.fixture
def told(example_workbook, tmp_path):
    """The example after the lot, with the step 0–2 letters made and sent on 30 June (their standstill ends 20 July)."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.rank(example_workbook)
    actions.make_letters(example_workbook, tmp_path / "b2", sent=date(2026, 6, 30))
    actions.record_sent(example_workbook, tmp_path / "b2", date(2026, 6, 30), "A. Jansen")
    return example_workbook


def test_an_award_inside_a_step2_standstill_tells_those_suppliers(told, awarded, tmp_path):
    actions.record_awards(awarded, {"I-002": "Beste gesprek", "I-001": "Ruime ervaring met statushouders"})
    inside = actions.make_letters(awarded, tmp_path / "b4", sent=date(2026, 7, 20))   # the last day of theirs
    notices = sorted(m.offer_id for m in inside.letters if m.kind == "kennisgeving_gunning")
    assert notices == ["I-005", *[f"I-{n:03d}" for n in range(7, 16)]]
    text = text_of(tmp_path / "b4" / "I-009-kennisgeving_gunning.docx")
    assert re.search(r"Op 30 juni 2026 lieten wij u weten dat .+ niet verder meedoet in de selectie \(kenmerk "
                     r"30662-I-009-[a-z-]+\)\.", text)
    assert "betrokken inschrijver" in text and "De kandidaat van Sociaal Domein Professionals B.V.: totaal 42" in text
    assert "eindigt op maandag 10 augustus 2026" in text and "kort geding" in text
    assert "Fatima El Amrani" not in text and "€" not in text
    later = actions.make_letters(awarded, tmp_path / "b5", sent=date(2026, 7, 21))   # every standstill has ended
    assert not [m for m in later.letters if m.kind == "kennisgeving_gunning"]


@pytest.mark.parametrize("facts, reason", [
    ({"dba_onderbouwing": "Nee"}, "bij de inschrijving is geen onderbouwing van de arbeidsrelatie (Wet DBA) gevoegd"),
    ({"cv_paginas": 7}, "het cv telt 7 pagina's"),
    ({"referenties": 1}, "aantal referenties: 1"),
])
def test_a_formal_rejection_says_what_fell_short(tender, facts, reason):
    results = evaluate(tender, [make_offer("I-001", "G4", facts=facts)])
    context = letters.letter_context(tender, results[0], results, "niet_conform", SENT)
    assert [e["bevinding"] for e in context["eisen"]] == [reason]


def test_the_waiting_room_rejection_quotes_the_clients_step3_comparison(demo_run):
    rows = [line.split(";") for line in (actions.PACKAGE_ROOT / "workbook" / "voorbeeld-stap3-30662.csv")
            .read_text(encoding="utf-8").splitlines()[1:]]
    own = next(r for r in rows if r[0] == "I-006")
    text = text_of(demo_run.folder / "brieven-gunning" / "I-006-afwijzing_wachtkamer.docx")
    assert "In stap 3 vergeleek de opdrachtgever de voorgedragen kandidaten" in text
    assert f"soortgelijke opdrachten: {own[4]}; soortgelijke organisaties: {own[5]}." in text
    for other in (r for r in rows if r[0] != "I-006"):
        assert other[4] not in text and other[5] not in text     # never another candidate's notes


def test_a_rejection_after_the_interview_sets_the_chosen_scores_beside_ones_own(demo_run):
    """The relative advantages: per competency the rejected candidate's score and each chosen one's, from the
    Gesprekken sheet; the chosen are named by supplier only; the grid has one column per column shown."""
    from inhuur import award, workbook

    matrix = workbook.open_workbook(demo_run.workbook)
    recorded = workbook.read_steps34(matrix)
    score = {i: award.interview_result(matrix.tender, i, recorded.interviews).counting for i in ("I-001", "I-002",
                                                                                               "I-004")}
    scale = matrix.tender.interviews.scale
    shown = lambda v: f"{v.normalize():f} ({scale[int(v) - 1]})"  # noqa: E731
    path = demo_run.folder / "brieven-gunning" / "I-001-afwijzing_na_gesprek.docx"
    document = Document(path)
    table = document.tables[1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Competentie", "Anaïs de Vries", "Sociaal Domein Professionals B.V.", "Hoekstra Zorg & Welzijn"]
    assert len(rows) == 2 + len(matrix.tender.competencies)
    for name, own, first, second in rows[1:-1]:
        assert [own, first, second] == [shown(score[i][name]) for i in ("I-001", "I-002", "I-004")]
    grid = table._tbl.tblGrid.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}gridCol")
    assert len(grid) == 4 and sum(int(g.get(grid[0].tag.replace("gridCol", "w"))) for g in grid) == 9071
    higher = sum(1 for c, v in score["I-002"].items() if v > score["I-001"][c])
    text = text_of(path)
    assert f"hoger dan uw kandidaat op {higher} van de {len(score['I-001'])} competenties" in text
    chosen = [o.candidate for o in workbook.read_offers(matrix)[0] if o.id in ("I-002", "I-004")]
    assert len(chosen) == 2 and not any(name in text for name in chosen)   # the spec does not allow naming them


@pytest.mark.parametrize("kind", letters.KINDS)
def test_the_closing_stays_with_the_last_paragraph(kind):
    """A letter that runs over a page moves its last paragraph with the signature, never the signature alone."""
    paragraphs = Document(letters.TEMPLATES / f"{kind}.docx").paragraphs
    closing = [p.text for p in paragraphs].index("Met vriendelijke groet,")
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[closing - 1:-1])


def test_a_lot_that_a_better_offer_made_idle_is_named_by_check_and_left_out_of_the_letters(example_workbook, tmp_path,
                                                                                           run_cli):
    assert run_cli("loting", example_workbook, "--volgorde", "I-006,I-005", "--moment", "03-07-2026 10:05",
                   "--plaats", "Flextender, Hilversum", "--door", "mr. J. Smit, notaris").code == 0
    better = offer_row(leverancier="Nieuw BV", kandidaat="Nieuwe Kandidaat", uurtarief="60,00",
                       email="info@nieuw.example")
    actions.import_offers(example_workbook, io.BytesIO(csv_bytes([better])))
    assess_as_declared(example_workbook)
    col = columns(load_workbook(example_workbook)["Kandidaten"])["Loting"]
    result = run_cli("check", example_workbook)
    assert result.code == 0, result.err
    for row in (6, 7):   # I-005 and I-006
        assert (f"Let op: Kandidaten!{col}{row}: de loting beslist niets (meer): de gelijke stand van I-005, I-006 "
                f"(rang ") in result.out
    assert "ligt niet (meer) op de grens van de voordracht (top 5); de brieven noemen de loting daarom niet." \
        in result.out
    report = actions.make_letters(example_workbook, tmp_path / "b", sent=date(2026, 7, 6))
    for offer_id in ("I-005", "I-006"):
        text = text_of(tmp_path / "b" / f"{offer_id}-niet_geselecteerd.docx")
        assert "loting" not in text and "getrokken" not in text
    assert [w for w in report.warnings if "de loting beslist niets (meer)" in w]


LOT_ARGS = {"--volgorde": "I-006,I-005", "--moment": "03-07-2026 10:05", "--plaats": "Flextender, Hilversum",
            "--door": "mr. J. Smit, notaris"}


def run_loting(run_cli, book, **changed):
    options = {**LOT_ARGS, **{f"--{k}": v for k, v in changed.items()}}
    return run_cli("loting", book, *[part for pair in options.items() for part in pair])


def refused_lot(book, *lines):
    return (f"Fout: {book}: de loting is niet vastgelegd; het werkboek is ongewijzigd ({len(lines)} "
            f"{'fout' if len(lines) == 1 else 'fouten'}):\n" + "".join(f"  - {line}\n" for line in lines)
            + "Verbeter deze opties en voer inhuur loting opnieuw uit.\n")


CONTROL = ("bevat een stuurteken (zoals een tab, regeleinde of onzichtbaar teken) dat het werkboek en de brieven niet "
           "kunnen bevatten; typ de tekst opnieuw op één regel")


@pytest.mark.parametrize("changed, lines", [
    ({"moment": "29-06-2026 09:00"}, ["--moment: 29-06-2026 om 09.00 uur ligt niet na de sluiting van de inschrijving "
                                      "(29-06-2026 om 09.00 uur); een loting volgt op de ranglijst. Klopt het jaar?"]),
    ({"moment": "03-07-2025 10:05"}, ["--moment: 03-07-2025 om 10.05 uur ligt niet na de sluiting van de inschrijving "
                                      "(29-06-2026 om 09.00 uur); een loting volgt op de ranglijst. Klopt het jaar?"]),
    ({"plaats": "  ", "door": ""}, ["--plaats: is leeg; vul het in", "--door: is leeg; vul het in"]),
    ({"plaats": "Hilversum\x0b"}, [f"--plaats: {CONTROL}"]),
    ({"getuigen": "A. Jansen\nB. de Vries"}, [f"--getuigen: {CONTROL}"]),
    ({"door": "x" * 32768}, ["--door: is langer dan 32767 tekens (de grens van een Excel-cel)"]),
])
def test_a_lot_record_that_cannot_be_true_or_stored_is_refused(example_workbook, run_cli, changed, lines):
    before = example_workbook.read_bytes()
    result = run_loting(run_cli, example_workbook, **changed)
    assert (result.code, result.err) == (1, refused_lot(example_workbook, *lines))
    assert example_workbook.read_bytes() == before


def test_a_lot_in_the_future_is_refused(example_workbook, run_cli):
    before = example_workbook.read_bytes()
    result = run_loting(run_cli, example_workbook, moment="01-07-2099 10:00")
    assert result.code == 1
    assert re.fullmatch(re.escape(refused_lot(example_workbook, "--moment: 01-07-2099 om 10.00 uur ligt in de toekomst "
                                              "(nu: NU); leg een loting vast nadat zij gehouden is"))
                        .replace("NU", r"\d\d-\d\d-\d{4} om \d\d\.\d\d uur"), result.err)
    assert example_workbook.read_bytes() == before


def test_a_lot_before_the_notice_its_invitations_gave_is_refused(example_workbook, run_cli, tmp_path):
    assert run_cli("letters", example_workbook, "-o", tmp_path / "lot", "--datum", "30-06-2026", "--loting",
                   "--loting-moment", "03-07-2026 10:00", "--loting-plaats", "Hilversum", "--loting-door",
                   "notaris").code == 0
    before = example_workbook.read_bytes()
    result = run_loting(run_cli, example_workbook, moment="01-07-2026 10:00")
    assert (result.code, result.err) == (1, refused_lot(
        example_workbook, "--moment: 01-07-2026 om 10.00 uur ligt vóór donderdag 2 juli 2026: de uitnodigingen voor "
                          "de loting zijn gedateerd 30 juni 2026 en de aanvraag vraagt 2 werkdagen aankondiging "
                          "(loting.aankondiging_werkdagen)"))
    assert example_workbook.read_bytes() == before
    assert run_loting(run_cli, example_workbook, moment="03-07-2026 10:00").code == 0


def test_a_lot_on_a_provisional_ranking_is_refused(imported_workbook, run_cli):
    before = imported_workbook.read_bytes()
    result = run_loting(run_cli, imported_workbook)
    assert result.code == 1
    assert result.err.startswith("Fout: er is niets vastgelegd: de ranglijst is nog voorlopig, want nog 69 oordelen "
                                 "niet beoordeeld bij ")
    assert result.err.endswith("of met inhuur record --beoordeling, en leg dan de loting vast.\n")
    assert imported_workbook.read_bytes() == before


def test_a_second_draw_for_the_same_tie_is_refused(example_workbook, run_cli):
    assert run_loting(run_cli, example_workbook).code == 0
    before = example_workbook.read_bytes()
    result = run_loting(run_cli, example_workbook, volgorde="I-005,I-006", moment="03-07-2026 11:00")
    assert (result.code, result.err) == (1, (
        "Fout: er is niets vastgelegd: de loting voor I-005, I-006 is al gehouden op vrijdag 3 juli 2026 om 10.05 uur "
        "(Loting!A2). Een gelijke stand wordt één keer beslist; een tweede trekking zou de eerste terzijde schuiven. Is "
        "de eerste uitslag echt verkeerd vastgelegd, zet dan de vorige versie van het werkboek terug (…vorige.xlsx) of "
        "verbeter de kolom Loting zodat die het proces-verbaal volgt, en leg de reden vast.\n"))
    assert example_workbook.read_bytes() == before


def test_a_draw_against_an_order_typed_by_hand_is_refused_and_the_same_order_recorded(example_workbook, run_cli):
    col = type_into(example_workbook, "Kandidaten", "Loting", 7, 1)     # I-006 first, typed by hand
    type_into(example_workbook, "Kandidaten", "Loting", 6, 2)
    before = example_workbook.read_bytes()
    result = run_loting(run_cli, example_workbook, volgorde="I-005,I-006")
    assert (result.code, result.err) == (1, (
        f"Fout: er is niets vastgelegd: voor I-005, I-006 staat al een andere volgorde in de kolom Loting "
        f"(Kandidaten!{col}6, Kandidaten!{col}7). Een gelijke stand wordt één keer beslist; een tweede trekking zou de "
        f"eerste terzijde schuiven. Is de eerste uitslag echt verkeerd vastgelegd, zet dan de vorige versie van het "
        f"werkboek terug (…vorige.xlsx) of verbeter de kolom Loting zodat die het proces-verbaal volgt, en leg de "
        f"reden vast.\n"))
    assert example_workbook.read_bytes() == before
    assert run_loting(run_cli, example_workbook).code == 0              # its proces-verbaal can still be added


def test_a_rejection_counts_as_told_only_once_it_is_sent(demo_run, tender, tmp_path, run_cli):
    """The demo made its step-2 letters on 1 July and only wrote them as .eml: none of the ten rejections went
    out, so an award on 1 September still tells all ten. Once recorded as sent (on 8 July), the standstill runs
    from the day after sending: they are told while it runs, and not after."""
    import shutil

    from inhuur import rules

    book = tmp_path / "aanvraag.xlsx"
    shutil.copy(demo_run.workbook, book)
    rejected = sorted(m.offer_id for m in demo_run.letters.letters if m.kind != "voorgedragen")
    assert len(rejected) == 10
    unsent = actions.make_letters(book, tmp_path / "sep", sent=date(2026, 9, 1))
    assert sorted(m.offer_id for m in unsent.letters if m.kind == letters.NOTICE) == rejected
    assert "lieten wij u weten" not in text_of(unsent.folder / "I-009-kennisgeving_gunning.docx")

    result = run_cli("verzonden", book, "--brieven", demo_run.letters.folder, "--datum", "08-07-2026",
                     "--door", "A. Jansen")
    assert (result.code, result.err) == (0, "")
    assert result.out == ("15 brieven vastgelegd als verzonden buiten inhuur op 08-07-2026 door A. Jansen (blad "
                          "Verzonden); 0 stonden er al als verzonden.\n")
    rows = list(load_workbook(book)["Verzonden"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 15 and {(r[0], r[10], r[11]) for r in rows} == {("2026-07-08", "verzonden buiten inhuur",
                                                                        "A. Jansen")}
    again = run_cli("verzonden", book, "--brieven", demo_run.letters.folder, "--datum", "08-07-2026", "--door", "X")
    assert again.out.startswith("0 brieven vastgelegd") and "15 stonden er al als verzonden" in again.out

    end = rules.standstill_end(date(2026, 7, 8), tender.standstill_days, tender.standstill_working_day)
    inside = actions.make_letters(book, tmp_path / "inside", sent=end)   # the last day to contest what was sent 8 July
    assert sorted(m.offer_id for m in inside.letters if m.kind == letters.NOTICE) == rejected
    assert re.search(r"Op 8 juli 2026 lieten wij u weten .+ \(kenmerk 30662-I-009-niet-geselecteerd\)",
                     text_of(inside.folder / "I-009-kennisgeving_gunning.docx"))
    after = actions.make_letters(book, tmp_path / "after", sent=end + timedelta(days=1))
    assert not [m for m in after.letters if m.kind == letters.NOTICE]
