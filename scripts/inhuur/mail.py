"""E-mails to suppliers: one message per letter, to that supplier's contact only, as .eml or over SMTP."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid
from pathlib import Path
from typing import Any, Sequence

from jinja2 import Environment, StrictUndefined

from inhuur.errors import InhuurError
from inhuur.spec import Tender

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
SUBJECTS = {"niet_conform": "inschrijving niet conform",
            "knock_out": "kandidaat voldoet niet aan de knock-outcriteria",
            "niet_geselecteerd": "kandidaat niet geselecteerd", "voorgedragen": "kandidaat voorgedragen",
            "loting": "uitnodiging loting"}
MIME = {".pdf": ("application", "pdf"),
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}
JOURNAL = "verzonden.jsonl"


class ManifestMissing(InhuurError):
    """The letters folder has no (readable) manifest.json: run `inhuur letters` first."""

    def __init__(self, folder: Path):
        super().__init__(f"{folder}: no manifest.json")
        self.folder = folder


@dataclass
class Outgoing:
    """One composed e-mail: the manifest entry it belongs to and the message."""

    entry: dict[str, Any]
    message: EmailMessage

    @property
    def key(self) -> tuple[str, str]:
        """What makes a sending unique: the letter's kenmerk and the recipient."""
        return (self.entry["reference"], self.entry["email"].lower())


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The letters listed in folder/manifest.json."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["letters"]
    except (OSError, ValueError, KeyError):
        raise ManifestMissing(folder)


def compose(tender: Tender, entries: Sequence[dict[str, Any]], folder: Path) -> list[Outgoing]:
    """One message per letter: Dutch subject and body from templates/mail, the letter (PDF if made) attached."""
    env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    subject = env.from_string((TEMPLATES / "onderwerp.txt").read_text(encoding="utf-8"))
    body = env.from_string((TEMPLATES / "bericht.txt").read_text(encoding="utf-8"))
    sender = tender.sender
    domain = sender.get("email", "inhuur.invalid").rpartition("@")[2]
    outgoing = []
    for entry in entries:
        context = {"aanvraag": {"nummer": tender.number, "titel": tender.title, "opdrachtgever": tender.client},
                   "afzender": {k: sender.get(k, "") for k in ("organisatie", "namens", "naam", "functie", "email",
                                                               "telefoon")},
                   "leverancier": {"naam": entry["supplier"], "contactpersoon": entry.get("contact") or "heer/mevrouw"},
                   "kandidaat": entry["candidate"], "kenmerk": entry["reference"],
                   "onderwerp": SUBJECTS.get(entry["kind"], entry["kind"])}
        message = EmailMessage()
        message["From"] = formataddr((f"{sender.get('naam', '')} ({sender.get('organisatie', '')})",
                                      sender.get("email", "")))
        message["To"] = entry["email"]
        message["Subject"] = subject.render(context).strip()
        message["Message-ID"] = make_msgid(idstring=entry["reference"], domain=domain)
        message["X-Inhuur-Kenmerk"] = entry["reference"]
        message.set_content(body.render(context))
        attachment = folder / entry["pdf"] if entry.get("pdf") and (folder / entry["pdf"]).is_file() \
            else folder / entry["file"]
        maintype, subtype = MIME[attachment.suffix.lower()]
        message.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=attachment.name)
        outgoing.append(Outgoing(entry, message))
    return outgoing


def write_eml(outgoing: Sequence[Outgoing], folder: Path) -> list[Path]:
    """The dry run: every message as an .eml file, nothing sent."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in outgoing:
        path = folder / f"{Path(item.entry['file']).stem}.eml"
        path.write_bytes(bytes(item.message))
        paths.append(path)
    return paths


def journal_entries(folder: Path) -> list[dict[str, Any]]:
    """Messages recorded as sent in the letters folder's journal (written as each message goes out)."""
    path = folder / JOURNAL
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut off by a crash: that message is not known to be sent
    return entries


@dataclass
class SendReport:
    """What one sending run did, per letter."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)


@dataclass(frozen=True)
class Server:
    """Where and how to send."""

    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = None


def send(outgoing: Sequence[Outgoing], server: Server, already: set[tuple[str, str]], folder: Path) -> SendReport:
    """Send every message not sent before; each success is journalled at once, each failure reported."""
    report = SendReport()
    connection = None
    journal = folder / JOURNAL
    try:
        for item in outgoing:
            if item.key in already:
                report.skipped.append(item.entry)
                continue
            try:
                if connection is None:
                    connection = _connect(server)
                item.message["Date"] = format_datetime(datetime.now().astimezone())
                refused = connection.send_message(item.message)
                if refused:
                    raise smtplib.SMTPRecipientsRefused(refused)
            except (smtplib.SMTPException, OSError) as exc:
                report.failed.append((item.entry, _reason(exc)))
                _close(connection)
                connection = None  # reconnect for the next letter: the server may be back
                del item.message["Date"]
                continue
            record = {**item.entry, "to": item.entry["email"], "message_id": item.message["Message-ID"],
                      "sent_at": datetime.now().replace(microsecond=0).isoformat(sep=" ")}
            with journal.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            already.add(item.key)
            report.sent.append(record)
    finally:
        _close(connection)
    return report


def _connect(server: Server) -> smtplib.SMTP:
    connection = smtplib.SMTP(server.host, server.port, timeout=30)
    if server.starttls:
        connection.starttls(context=ssl.create_default_context())
    if server.user:
        connection.login(server.user, server.password or "")
    return connection


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(f"{to}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                          for to, (code, msg) in exc.recipients.items())
        return f"geweigerd door de server ({codes})"
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"de server antwoordde {exc.smtp_code} {message}"
    if isinstance(exc, ConnectionRefusedError):
        return "geen verbinding: de mailserver weigert de verbinding"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "de mailserver verbrak de verbinding"
    return f"{type(exc).__name__}: {exc}"
