"""E-mails to suppliers: one message per letter, to that supplier's contact only, as .eml or over SMTP."""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, parseaddr
from pathlib import Path
from types import NoneType
from typing import Any, Mapping, Sequence

from inhuur import dutch, files
from inhuur.errors import DamagedJournal, JournalIsLink, LettersDoNotMatch, ManifestMissing
from inhuur.spec import Tender

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
MIME = {".pdf": ("application", "pdf"),
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}
JOURNAL = "verzonden.jsonl"


SENT, UNCERTAIN, BUSY, FAILED = "verzonden", "onzeker", "bezig", "mislukt"
ENTRY_FIELDS = ("id", "candidate", "supplier", "email", "kind", "file", "reference", "sha256", "content", "date")
OPTIONAL_FIELDS = ("contact", "salutation", "pdf", "pdf_sha256", "replaces")  # text, or absent/null
JOURNAL_FIELDS = ("id", "candidate", "supplier", "kind", "file", "reference", "to", "message_id", "status",
                  "sent_at")
PREFERRED_AUTH = ("CRAM-MD5", "PLAIN", "LOGIN")  # smtplib's own order: the password is never sent in clear first


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
    """folder/manifest.json, checked as far as it can be on its own: a list of letters, each with the fields mail
    relies on as text, a known kind, real dates, files inside the folder. Whether it agrees with the workbook is
    the caller's check (dispatch.verified_letters)."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise ManifestMissing(folder)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError; nested too deep
        raise ManifestMissing(folder, f"het is geen leesbare JSON ({type(exc).__name__})")
    letters = manifest.get("letters") if isinstance(manifest, dict) else None
    if not isinstance(letters, list):
        raise ManifestMissing(folder, "de lijst 'letters' ontbreekt")
    for n, entry in enumerate(letters, start=1):
        bad = [f for f in ENTRY_FIELDS if not isinstance(entry, dict) or not isinstance(entry.get(f), str)]
        bad += [f for f in OPTIONAL_FIELDS if isinstance(entry, dict) and not isinstance(entry.get(f), (str, NoneType))]
        if bad:
            raise ManifestMissing(folder, f"brief {n} mist {', '.join(bad)} (of het is geen tekst)")
        if Path(entry["file"]).name != entry["file"] or (entry.get("pdf") and Path(entry["pdf"]).name != entry["pdf"]):
            raise ManifestMissing(folder, f"brief {n} verwijst naar een bestand buiten de map")
        if entry["kind"] not in dutch.KIND_WORDS:
            raise ManifestMissing(folder, f"brief {n} ({entry['file']}) heeft een onbekende soort '{entry['kind']}'")
        if not _is_iso(entry["date"], date):
            raise ManifestMissing(folder, f"brief {n} ({entry['file']}) heeft een onleesbare datum '{entry['date']}'")
    if manifest.get("date") is not None and not _is_iso(manifest["date"], date):
        raise ManifestMissing(folder, f"de datum van de brieven '{manifest.get('date')}' is onleesbaar")
    lot = manifest.get("lot")
    if lot is not None and not (isinstance(lot, dict) and _is_iso(lot.get("moment"), datetime)
                                and all(isinstance(lot.get(k), str) for k in ("place", "drawn_by"))):
        raise ManifestMissing(folder, "de gegevens van de loting (moment, plaats, door) zijn onleesbaar")
    return manifest


def _is_iso(value: Any, kind: type[date] | type[datetime]) -> bool:
    """Whether value is text in ISO form that makes a date (or a datetime)."""
    try:
        kind.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def attachment(entry: dict[str, Any], folder: Path) -> Path:
    """The file sent with a letter's e-mail: the PDF where one was made, else the .docx."""
    return folder / entry["pdf"] if entry.get("pdf") else folder / entry["file"]


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, '' when there is none."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def file_problem(path: Path, digest: str) -> str:
    """Why a letter's file, whose SHA-256 is digest ('' when missing), is not the one `letters` made."""
    return f"{path.name} is gewijzigd nadat inhuur de brief maakte" if digest else f"{path.name} ontbreekt"


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
        digest = hashlib.sha256(data).hexdigest()
        if digest != (entry["pdf_sha256"] if entry.get("pdf") else entry["sha256"]):
            raise LettersDoNotMatch(folder, [file_problem(path, digest)])  # replaced since it was checked
        maintype, subtype = MIME[path.suffix.lower()]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        outgoing.append(Outgoing(entry, message, digest))
    return outgoing


def write_eml(outgoing: Sequence[Outgoing], folder: Path) -> list[Path]:
    """The dry run: every message as an .eml file, nothing sent."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in outgoing:
        path = folder / f"{Path(item.entry['file']).stem}.eml"
        files.write_own_file(path, bytes(item.message))
        paths.append(path)
    return paths


def journal_entries(folder: Path) -> list[dict[str, Any]]:
    """What the letters folder's journal says of each message, in order (written as each message goes out).

    A last line cut off (no line end) is a write a crash interrupted: that message is not known to be sent (the
    'bezig' line before it makes it onzeker). Any other line that is not as inhuur writes it is refused.
    """
    path = folder / JOURNAL
    if path.is_symlink():
        raise JournalIsLink(path)
    if not path.is_file():
        return []
    lines = path.read_bytes().split(b"\n")
    entries = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            if n == len(lines):
                continue
            raise DamagedJournal(path, n, "de tekst is geen geldige UTF-8, bijv. afgebroken midden in een teken")
        except (ValueError, RecursionError):  # RecursionError: nested too deep to read
            if n == len(lines):
                continue
            raise DamagedJournal(path, n, "het is geen leesbare JSON")
        bad = [f for f in JOURNAL_FIELDS if not isinstance(entry, dict) or not isinstance(entry.get(f), str)]
        if bad:
            raise DamagedJournal(path, n, f"{', '.join(bad)} ontbreekt of is geen tekst")
        if entry["status"] not in (SENT, UNCERTAIN, BUSY, FAILED):
            raise DamagedJournal(path, n, f"de status '{entry['status']}' is onbekend")
        try:
            datetime.fromisoformat(entry["sent_at"])
        except ValueError:
            raise DamagedJournal(path, n, f"het tijdstip '{entry['sent_at']}' is onleesbaar")
        entries.append({**entry, "line": n})
    return entries


def journal_state(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (kenmerk, recipient) the last word of the journal: sent, uncertain, or busy (a run that ended mid-send)."""
    state = {}
    for entry in journal_entries(folder):
        state[(entry["reference"], entry["to"].lower())] = entry
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
         uncertain: Mapping[tuple[str, str], str] | None = None, report: SendReport | None = None) -> SendReport:
    """Send every message not sent before; each outcome is journalled at once (into report, also when it raises).

    A message whose fate is unknown (the connection dropped after its content was sent) is journalled as
    onzeker and never resent silently; `uncertain` maps those known from earlier runs to why (skipped unless the
    caller leaves them out). A failed login stops the run: no retry per letter, no locked account.
    """
    report = report if report is not None else SendReport()
    uncertain = uncertain or {}
    connection = None
    try:
        for n, item in enumerate(outgoing):
            if item.key in already:
                report.skipped.append(item.entry)
                continue
            if item.key in uncertain:
                report.uncertain.append({**item.entry, "reason": uncertain[item.key]})
                continue
            unsendable = _unsendable(item)
            if unsendable:  # refused before a 'bezig' line: nothing of it can have reached the server
                report.failed.append((item.entry, unsendable))
                _journal(folder, item, FAILED, reason=unsendable)
                continue
            try:
                if connection is None:
                    connection = _connect(server)
                _journal(folder, item, BUSY)
                _deliver(connection, item.message)
            except _LoginFailed as exc:
                report.login_failed = str(exc)
                report.not_tried = [i.entry for i in outgoing[n:] if i.key not in already]
                _journal(folder, item, FAILED)
                break
            except _Uncertain as exc:
                report.uncertain.append({**item.entry, "reason": str(exc)})
                _journal(folder, item, UNCERTAIN, reason=str(exc))
                _close(connection)
                connection = None
                continue
            except (smtplib.SMTPException, OSError, UnicodeError) as exc:  # UnicodeError: before DATA, see _deliver
                report.failed.append((item.entry, _reason(exc)))
                _journal(folder, item, FAILED, reason=_reason(exc))
                _close(connection)
                connection = None  # reconnect for the next letter: the server may be back
                continue
            report.sent.append(_journal(folder, item, SENT))
            already.add(item.key)
    finally:
        _close(connection)
    return report


def _unsendable(item: Outgoing) -> str:
    """Why a message cannot go over SMTP at all ('' if it can): an address with a character outside ASCII (an
    invisible space, an accented letter), which smtplib would only find mid-transaction."""
    for role, address in (("ontvanger", item.entry["email"]), ("afzender", parseaddr(item.message["From"])[1])):
        if not address.isascii():
            odd = next(ch for ch in address if not ch.isascii())
            return (f"het adres van de {role} '{address}' bevat het teken U+{ord(odd):04X}, dat niet in een "
                    f"e-mailadres kan staan (een onzichtbare spatie of een letter met accent?); verbeter het adres")
    return ""


def stamp(now: datetime | None = None) -> str:
    """A moment as the journal and Verzonden write it: 2026-07-01 10:00:00 (now, unless given)."""
    return (now or datetime.now()).replace(microsecond=0).isoformat(sep=" ")


def _journal(folder: Path, item: Outgoing, status: str, reason: str = "") -> dict[str, Any]:
    record = {**item.entry, "to": item.entry["email"], "message_id": item.message["Message-ID"],
              "attachment_sha256": item.sha256, "status": status, "reason": reason,
              "sent_at": stamp()}
    # never through a symbolic link (journal_entries refused one; O_NOFOLLOW closes the gap since)
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(folder / JOURNAL, flags, 0o666), "a+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        if end:
            handle.seek(end - 1)
            if handle.read(1) != b"\n":  # a line a crash cut off: it never counted, and must not swallow this one
                handle.seek(0)
                handle.truncate(handle.read().rfind(b"\n") + 1)
        handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
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
            _login(connection, server.user, server.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            _close(connection)
            raise _LoginFailed(_reason(exc))
    return connection


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """Log in with one mechanism the server offers: smtplib's login() tries the next one after a refusal, so a
    wrong password would count twice towards locking the account."""
    connection.ehlo_or_helo_if_needed()
    offered = connection.esmtp_features.get("auth", "").upper().split() if connection.has_extn("auth") else []
    mechanism = next((m for m in PREFERRED_AUTH if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError(f"de mailserver biedt geen inlogmethode die inhuur kent aan "
                                            f"({' '.join(offered) or 'geen AUTH'})")
    connection.user, connection.password = user, password
    connection.auth(mechanism, getattr(connection, "auth_" + mechanism.lower().replace("-", "_")))


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
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return str(exc)
    if isinstance(exc, UnicodeError):
        return f"een adres bevat een teken dat niet over SMTP kan, er is niets verstuurd ({exc})"

    return f"{type(exc).__name__}: {exc}"
