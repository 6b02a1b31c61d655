"""E-mails to suppliers: one message per letter, to that supplier's contact only, as .eml or over SMTP."""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, parseaddr
from pathlib import Path
from typing import Any, Sequence

from inhuur import dutch
from inhuur.errors import ManifestMissing
from inhuur.spec import Tender

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
MIME = {".pdf": ("application", "pdf"),
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}
JOURNAL = "verzonden.jsonl"


SENT, UNCERTAIN, BUSY = "verzonden", "onzeker", "bezig"
ENTRY_FIELDS = ("id", "candidate", "supplier", "email", "kind", "file", "reference", "sha256", "content", "date")


@dataclass
class Outgoing:
    """One composed e-mail: the manifest entry it belongs to and the message."""

    entry: dict[str, Any]
    message: EmailMessage
    sha256: str = ""  # of the attachment as sent

    @property
    def key(self) -> tuple[str, str]:
        """What makes a sending unique: the letter's kenmerk and the recipient."""
        return (self.entry["reference"], self.entry["email"].lower())


def load_manifest(folder: Path) -> dict[str, Any]:
    """folder/manifest.json, checked: a list of letters, each with the fields mail relies on as text."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise ManifestMissing(folder)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestMissing(folder, f"het is geen leesbare JSON ({type(exc).__name__})")
    letters = manifest.get("letters") if isinstance(manifest, dict) else None
    if not isinstance(letters, list):
        raise ManifestMissing(folder, "de lijst 'letters' ontbreekt")
    for n, entry in enumerate(letters, start=1):
        bad = [f for f in ENTRY_FIELDS if not isinstance(entry, dict) or not isinstance(entry.get(f), str)]
        if bad:
            raise ManifestMissing(folder, f"brief {n} mist {', '.join(bad)}")
        if Path(entry["file"]).name != entry["file"] or (entry.get("pdf") and Path(entry["pdf"]).name != entry["pdf"]):
            raise ManifestMissing(folder, f"brief {n} verwijst naar een bestand buiten de map")
    return manifest


def attachment(entry: dict[str, Any], folder: Path) -> Path:
    """The file sent with a letter's e-mail: the PDF where one was made, else the .docx."""
    return folder / entry["pdf"] if entry.get("pdf") else folder / entry["file"]


def file_problems(entries: Sequence[dict[str, Any]], folder: Path) -> list[str]:
    """Letters whose file is missing or differs from what `letters` wrote (its SHA-256 in the manifest)."""
    problems = []
    for entry in entries:
        for name, digest in ((entry["file"], entry["sha256"]), (entry.get("pdf"), entry.get("pdf_sha256"))):
            if not name:
                continue
            path = folder / name
            if not path.is_file():
                problems.append(f"{name} ontbreekt")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                problems.append(f"{name} is gewijzigd nadat inhuur de brief maakte")
    return problems


def message_id(reference: str, recipient: str, domain: str) -> str:
    """The same Message-ID for the same letter to the same recipient, on every try (so a retry is recognisable)."""
    tag = hashlib.sha1(recipient.lower().encode("utf-8")).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in reference)
    return f"<{safe}.{tag}@{domain}>"


def compose(tender: Tender, entries: Sequence[dict[str, Any]], folder: Path) -> list[Outgoing]:
    """One message per letter: Dutch subject and body from templates/mail, the letter (PDF if made) attached."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    subject = env.from_string((TEMPLATES / "onderwerp.txt").read_text(encoding="utf-8"))
    body = env.from_string((TEMPLATES / "bericht.txt").read_text(encoding="utf-8"))
    sender = tender.sender
    domain = sender.get("email", "inhuur.invalid").rpartition("@")[2]
    outgoing = []
    for entry in entries:
        context = {"aanvraag": {"nummer": tender.number, "titel": tender.title, "opdrachtgever": tender.client,
                                "opdrachtgever_in_zin": dutch.in_sentence(tender.client)},
                   "afzender": {k: sender.get(k, "") for k in ("organisatie", "namens", "naam", "functie", "email",
                                                               "telefoon")},
                   "leverancier": {"naam": entry["supplier"], "contactpersoon": entry.get("contact") or ""},
                   "aanhef": dutch.salutation(entry.get("salutation") or "", entry.get("contact") or ""),
                   "kandidaat": entry["candidate"], "kenmerk": entry["reference"],
                   "vervangt": entry.get("replaces") or "",
                   "onderwerp": dutch.KIND_WORDS[entry["kind"]]}
        message = EmailMessage()
        message["From"] = formataddr((f"{sender.get('naam', '')} ({sender.get('organisatie', '')})",
                                      sender.get("email", "")))
        message["To"] = entry["email"]
        message["Subject"] = subject.render(context).strip()
        message["Message-ID"] = message_id(entry["reference"], entry["email"], domain)
        message["X-Inhuur-Kenmerk"] = entry["reference"]
        message.set_content(body.render(context))
        path = attachment(entry, folder)
        data = path.read_bytes()
        maintype, subtype = MIME[path.suffix.lower()]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        outgoing.append(Outgoing(entry, message, hashlib.sha256(data).hexdigest()))
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
    """What the letters folder's journal says of each message, in order (written as each message goes out)."""
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


def journal_state(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (kenmerk, recipient) the last word of the journal: sent, uncertain, or busy (a run that ended mid-send)."""
    state = {}
    for entry in journal_entries(folder):
        state[(entry.get("reference", ""), str(entry.get("to", "")).lower())] = entry
    return state


@dataclass
class SendReport:
    """What one sending run did, per letter."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    uncertain: list[dict[str, Any]] = field(default_factory=list)
    not_tried: list[dict[str, Any]] = field(default_factory=list)
    login_failed: str = ""


@dataclass(frozen=True)
class Server:
    """Where and how to send."""

    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = None


class _LoginFailed(Exception):
    """The server did not accept the user name and password (or hung up while they were checked)."""


class _Uncertain(Exception):
    """The message went over the wire but the server's answer never came: it may or may not be delivered."""


def send(outgoing: Sequence[Outgoing], server: Server, already: set[tuple[str, str]], folder: Path,
         uncertain: set[tuple[str, str]] = frozenset()) -> SendReport:
    """Send every message not sent before; each outcome is journalled at once.

    A message whose fate is unknown (the connection dropped after its content was sent) is journalled as
    onzeker and never resent silently; `uncertain` lists those known from earlier runs (skipped unless the
    caller leaves them out). A failed login stops the run: no retry per letter, no locked account.
    """
    report = SendReport()
    connection = None
    try:
        for n, item in enumerate(outgoing):
            if item.key in already:
                report.skipped.append(item.entry)
                continue
            if item.key in uncertain:
                report.uncertain.append(item.entry)
                continue
            try:
                if connection is None:
                    connection = _connect(server)
                _journal(folder, item, BUSY)
                _deliver(connection, item.message)
            except _LoginFailed as exc:
                report.login_failed = str(exc)
                report.not_tried = [i.entry for i in outgoing[n:] if i.key not in already]
                _journal(folder, item, "mislukt")
                break
            except _Uncertain as exc:
                report.uncertain.append(item.entry)
                _journal(folder, item, UNCERTAIN, reason=str(exc))
                _close(connection)
                connection = None
                continue
            except (smtplib.SMTPException, OSError) as exc:
                report.failed.append((item.entry, _reason(exc)))
                _journal(folder, item, "mislukt", reason=_reason(exc))
                _close(connection)
                connection = None  # reconnect for the next letter: the server may be back
                continue
            report.sent.append(_journal(folder, item, SENT))
            already.add(item.key)
    finally:
        _close(connection)
    return report


def _journal(folder: Path, item: Outgoing, status: str, reason: str = "") -> dict[str, Any]:
    record = {**item.entry, "to": item.entry["email"], "message_id": item.message["Message-ID"],
              "attachment_sha256": item.sha256, "status": status, "reason": reason,
              "sent_at": datetime.now().replace(microsecond=0).isoformat(sep=" ")}
    with (folder / JOURNAL).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return record


def _deliver(connection: smtplib.SMTP, message: EmailMessage) -> None:
    """MAIL, RCPT, DATA by hand, so that a failure after the content went out is told apart (_Uncertain)."""
    if "Date" in message:
        del message["Date"]
    message["Date"] = format_datetime(datetime.now().astimezone())
    sender, recipient = parseaddr(message["From"])[1], message["To"]
    connection.ehlo_or_helo_if_needed()
    code, reply = connection.mail(sender, ["BODY=8BITMIME"] if connection.has_extn("8bitmime") else [])
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = connection.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = connection.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    try:
        connection.send(data + b".\r\n")
        code, reply = connection.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _Uncertain(f"de verbinding viel weg nadat de inhoud was verstuurd ({type(exc).__name__})")
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _connect(server: Server) -> smtplib.SMTP:
    connection = smtplib.SMTP(server.host, server.port, timeout=30)
    if server.starttls:
        import ssl

        connection.starttls(context=ssl.create_default_context())
    if server.user:
        try:
            connection.login(server.user, server.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            _close(connection)
            raise _LoginFailed(_reason(exc))
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
