"""Shared fixtures: the example tender, offer-file builders, workbooks on disk, LibreOffice availability."""

from __future__ import annotations

import email
import io
import os
import re
import shutil
import socket
import subprocess
from email import policy
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from inhuur import actions, cli, soffice
from inhuur.rules import Judgment, Offer
from inhuur.spec import load_spec

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SPEC = REPO / "workbook" / "aanvraag-30662.toml"
EXAMPLE_OFFERS = REPO / "workbook" / "voorbeeld-inschrijvingen-30662.csv"
EXAMPLE_FINDINGS = REPO / "workbook" / "voorbeeld-beoordeling-30662.csv"
HEADER = ["leverancier", "contactpersoon", "email", "kandidaat", "uurtarief", "ingediend", "cv_paginas",
          "cv_taal", "cv_pdf", "referenties", "dba_onderbouwing", "KO1", "KO2", "G4", "G5", "G6", "G7", "G8"]


def pytest_collection_modifyitems(config, items):
    """Skip LibreOffice tests where it is absent, unless INHUUR_REQUIRE_SOFFICE=1 demands they run."""
    if soffice.find_soffice() is not None:
        return
    if os.environ.get("INHUUR_REQUIRE_SOFFICE") == "1":
        for item in items:
            if "soffice" in item.keywords:
                item.add_marker(pytest.mark.xfail(reason="LibreOffice required but missing", strict=True,
                                                  run=False))
        raise pytest.UsageError("INHUUR_REQUIRE_SOFFICE=1 but LibreOffice (soffice) is not installed")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) not installed")
    for item in items:
        if "soffice" in item.keywords:
            item.add_marker(skip)


def uno_python() -> str:
    """The system python3 with LibreOffice's uno module (python3-uno); skips the test where it is missing,
    fails it where LibreOffice is required (CI)."""
    python = shutil.which("python3", path="/usr/bin")
    if python and subprocess.run([python, "-c", "import uno"], capture_output=True).returncode == 0:
        return python
    if os.environ.get("INHUUR_REQUIRE_SOFFICE") == "1":
        pytest.fail("python3-uno is required to drive LibreOffice")
    pytest.skip("python3-uno not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP handler that keeps what it receives; it can be told to fail with 451 after n messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_after: int | None = None
        self.logins: list[tuple[str, str]] = []

    drop_after_data: int | None = None   # take message n (0-based) in, then cut the line before answering

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "451 4.3.0 Tijdelijk niet beschikbaar"
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.drop_after_data is not None and len(self.messages) == self.drop_after_data + 1:
            server.transport.abort()  # delivered here, but the sender never hears so
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: a refusal is answered with 535, as a real server does (True leaves the client waiting)
        return AuthResult(success=auth_data.password == b"geheim", handled=False)


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=box.authenticate,
                            auth_require_tls=False)
    controller.start()
    box.address = f"127.0.0.1:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def tender():
    """The example tender 30662."""
    return load_spec(EXAMPLE_SPEC)


def offer_row(**overrides) -> dict:
    """One valid offer as a CSV row dict: conforming, passing every knock-out, all award criteria met."""
    row = {"leverancier": "Leverancier A", "contactpersoon": "Piet Post", "email": "piet@a.example",
           "kandidaat": "Kandidaat 1", "uurtarief": "70,00", "ingediend": "28-06-2026 10:00", "cv_paginas": "4",
           "cv_taal": "Nederlands", "cv_pdf": "Ja", "referenties": "2", "dba_onderbouwing": "Ja",
           "KO1": "Ja", "KO2": "Ja", "G4": "Ja", "G5": "Ja", "G6": "Ja", "G7": "Ja", "G8": "Ja"}
    if "leverancier" in overrides and "email" not in overrides:  # check refuses one address for two suppliers
        domain = "-".join(re.findall(r"[a-z0-9]+", overrides["leverancier"].lower()))[:40] or "x"
        row["email"] = f"piet@{domain}.example"
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], delimiter: str = ";", encoding: str = "utf-8-sig", header=None) -> bytes:
    """Offers as CSV bytes, the way Excel saves them (CRLF, quoted where needed)."""
    import csv

    header = header or list(dict.fromkeys(k for r in rows for k in r)) or HEADER
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def make_offer(offer_id: str, score_codes: str = "", rate: str = "70.00", **kw) -> Offer:
    """An engine Offer: conforming, KOs met, award criteria met for the codes in `score_codes` (e.g. 'G4 G7')."""
    met = set(score_codes.split())
    judgments = {c: Judgment(declared="Ja") for c in ("KO1", "KO2")}
    judgments.update({c: Judgment(declared="Ja" if c in met else "Nee") for c in ("G4", "G5", "G6", "G7", "G8")})
    judgments.update(kw.pop("judgments", {}))
    facts = {"ingediend": datetime(2026, 6, 28, 10), "cv_paginas": 4, "cv_taal": "Nederlands", "cv_pdf": "Ja",
             "referenties": 2, "dba_onderbouwing": "Ja", "waadi": "n.v.t."}
    facts.update(kw.pop("facts", {}))
    offer = Offer(id=offer_id, supplier=f"Lev {offer_id}", candidate=f"Kand {offer_id}", rate=Decimal(rate),
                  facts=facts, judgments=judgments)
    return replace(offer, **kw)


def columns(ws) -> dict[str, str]:
    """Column letters of a sheet by their header title in row 1."""
    return {c.value: c.column_letter for c in ws[1]}


def type_into(path, sheet: str, title: str, row: int, value) -> str:
    """Type a value into the cell under a header title and save, as a user would; return the column letter."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    letter = columns(wb[sheet])[title]
    wb[sheet][f"{letter}{row}"] = value
    wb.save(path)
    return letter


def type_finding(path, offer_id: str, code: str, values: dict) -> dict[str, str]:
    """Type into the Beoordeling row of one offer and criterion, as a user would (values by header title);
    return the cell reference of each title typed."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Beoordeling"]
    col = columns(ws)
    row = next(r[0].row for r in ws.iter_rows(min_row=2)
               if r[0].value == offer_id and ws[f"{col['Code']}{r[0].row}"].value == code)
    refs = {}
    for title, value in values.items():
        refs[title] = f"{col[title]}{row}"
        ws[refs[title]] = value
    wb.save(path)
    return refs


def model_spec_text(price: str = '[prijs]\npunten = 20\nformule = "relatief"\n', minimum: int | None = 15) -> str:
    """The example spec with another award model: no cap, G1 binary (10), G2 graded (geen 0, EU-regels 5, beide 10),
    price (default relatief, 20 points) and a threshold."""
    import re

    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    award = ('[[gunning]]\ncode = "G1"\npunten = 10\nomschrijving = "Ervaring met inkoop"\n\n[[gunning]]\ncode = "G2"\n'
             'punten = 10\nomschrijving = "Actualiteitstraining"\nkort = "Training"\nniveaus = [ { oordeel = "geen", '
             'punten = 0 }, { oordeel = "EU-regels", punten = 5 }, { oordeel = "beide", punten = 10 } ]\n\n' + price + "\n")
    text = re.sub(r"\[\[gunning\]\].*?(?=\[competenties\])", award, text, flags=re.S)
    ko3 = text[text.index('[[knock_out]]\ncode = "KO3"'):text.index("[[gunning]]")]
    total = 20 + int(re.search(r"punten = (\d+)", price).group(1)) if price else 20
    threshold = f"minimale_score = {minimum}\n" if minimum is not None else ""
    return text.replace(ko3, "").replace('max_uurtarief = "77.50"', "").replace(
        "totaal_punten = 100", f"{threshold}totaal_punten = {total}")


MODEL_HEADER = HEADER[:11] + ["KO1", "KO2", "G1", "G2"]


@pytest.fixture
def model_workbook(tmp_path):
    """A workbook for model_spec_text() with four offers imported (rates 60, 70, 80, 90; levels in any case), ranked:
    I-001 10 + 10 + 20 = 40, I-002 0 + 5 + 17,14, I-003 10 + 0 + 15 = 25, I-004 0 + 0 + 13,33 (below 15)."""
    spec = tmp_path / "model.toml"
    spec.write_text(model_spec_text(), encoding="utf-8")
    path = tmp_path / "model.xlsx"
    actions.new(spec, path)
    rows = [offer_row(kandidaat=f"Kandidaat {n}", leverancier=f"Leverancier {n}", uurtarief=rate, G1=g1, G2=g2)
            for n, (rate, g1, g2) in enumerate([("60,00", "Ja", "Beide"), ("70,00", "Nee", " eu-regels "),
                                                 ("80,00", "Ja", "geen"), ("90,00", "Nee", "GEEN")], start=1)]
    actions.import_offers(path, io.BytesIO(csv_bytes(rows, header=MODEL_HEADER)))
    actions.rank(path)
    return path


@pytest.fixture
def workbook_path(tmp_path, tender):
    """A fresh example workbook on disk, without offers."""
    path = tmp_path / "aanvraag.xlsx"
    actions.new(EXAMPLE_SPEC, path)
    return path


@pytest.fixture
def imported_workbook(workbook_path):
    """The example workbook with the 15 sample offers imported, nothing assessed yet (not ranked)."""
    actions.import_offers(workbook_path, EXAMPLE_OFFERS)
    return workbook_path


ASSESSOR = "T. Toets"


def assess_as_declared(path) -> int:
    """Record, through `record --beoordeling`, a finding equal to the declaration for every open judgment."""
    from inhuur import rules, workbook

    matrix = workbook.open_workbook(path)
    results = rules.evaluate(matrix.tender, workbook.require_valid_inputs(matrix))
    rows = [{"id": r.offer.id, "criterium": code, "oordeel": r.offer.judgments[code].declared,
             "motivering": "Zo staat het in cv en toelichting." if r.offer.judgments[code].declared == "Nee" else "",
             "door": ASSESSOR} for r in results for code in r.open]
    if rows:
        actions.record_findings(path, io.BytesIO(csv_bytes(rows)))
    return len(rows)


@pytest.fixture
def example_workbook(imported_workbook):
    """The example workbook with the 15 sample offers imported and every judgment assessed as declared."""
    assess_as_declared(imported_workbook)
    return imported_workbook


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run_cli():
    """Run the CLI in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main([str(a) for a in args], out=out, err=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The whole example, run once for the tests that only read what it made (copy before changing it)."""
    return actions.demo(tmp_path_factory.mktemp("demo"))
