"""The `inhuur` command: parses arguments, calls one action, prints Dutch output; refusals exit 1."""

from __future__ import annotations

import argparse
import contextlib
import sys
from decimal import Decimal
from typing import Sequence, TextIO

import os
from collections import Counter

from inhuur import __version__, actions, dutch, messages, rules
from inhuur.errors import InhuurError
from inhuur.rules import LotDrawing, LotRecord

PASSWORD_VARIABLE = "INHUUR_SMTP_WACHTWOORD"

# argparse's own words, in Dutch (it looks them up through its module-level gettext function).
_ARGPARSE_DUTCH = {
    "usage: ": "gebruik: ",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "show this help message and exit": "toon deze hulp en stop",
    "positional arguments": "argumenten",
    "options": "opties",
    "expected one argument": "verwacht één waarde",
}
argparse._ = lambda text: _ARGPARSE_DUTCH.get(text, text)  # type: ignore[attr-defined]

COMMANDS = {
    "new": "maak het werkboek (scoringsmatrix) voor een aanvraag uit een specificatie (TOML)",
    "import": "voeg inschrijvingen toe uit een CSV- of Excel-bestand (alles of niets)",
    "rank": "beoordeel alle inschrijvingen, schrijf het blad Ranglijst en toon de ranglijst",
    "check": "controleer het werkboek: formules, oordelen (Ja/Nee), tarieven; noemt elke foute cel",
    "record": "leg oordelen (--beoordeling), besluiten van de opdrachtgever (stap 3) of scores van de gesprekken "
              "(stap 4) vast uit een bestand",
    "loting": "leg de uitslag van een loting vast (kolom Loting) met het proces-verbaal (blad Loting), en rangschik",
    "intrekken": "leg vast dat een kandidaat zich terugtrekt (wanneer, waarom): de inschrijving blijft staan, "
                 "gemarkeerd, en telt niet meer mee; daarna de ranglijst",
    "letters": "maak één brief per inschrijving voor de huidige stap (Word, met --pdf ook pdf) en manifest.json",
    "mail": "mail elke brief naar de contactpersoon van de leverancier: standaard als .eml, met --send echt",
    "verzonden": "leg vast dat brieven buiten inhuur zijn verstuurd (bijv. de .eml-bestanden vanuit Outlook), met "
                 "datum en wie: pas dan telt een afwijzing als meegedeeld",
    "excel": "maak van het werkboek een .xlsm met een knop (xlwings) die de ranglijst bijwerkt, controleert, "
             "brieven maakt of mails klaarzet zonder Excel te verlaten",
    "demo": "het voorbeeld: aanvraag 30662 met voorbeeldinschrijvingen, van werkboek tot gunning en alle brieven",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per entry in COMMANDS."""
    parser = argparse.ArgumentParser(
        prog="inhuur", description="Beoordeling van inschrijvingen op een inhuuropdracht in een Excel-scoringsmatrix.")
    parser.add_argument("--version", action="version", version=f"inhuur {__version__}",
                        help="toon de versie en stop")
    parser.add_argument("--verbose", action="store_true", help="toon bij een fout ook de technische details")
    sub = parser.add_subparsers(dest="command", metavar="OPDRACHT", required=True)
    p = sub.add_parser("new", help=COMMANDS["new"], description=COMMANDS["new"])
    p.add_argument("spec", metavar="SPEC.toml", help="specificatie van de aanvraag, bijv. workbook/aanvraag-30662.toml")
    p.add_argument("-o", "--output", required=True, metavar="WERKBOEK.xlsx", help="het nieuwe werkboek")
    p.add_argument("--overschrijven", action="store_true", help="vervang een bestaand werkboek (anders geweigerd)")
    p = sub.add_parser("import", help=COMMANDS["import"], description=COMMANDS["import"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p.add_argument("file", metavar="BESTAND", help="inschrijvingen als .csv (; of ,) of .xlsx")
    p = sub.add_parser("rank", help=COMMANDS["rank"], description=COMMANDS["rank"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p.add_argument("--json", action="store_true", help="druk alleen JSON af (voor scripts)")
    p = sub.add_parser("check", help=COMMANDS["check"], description=COMMANDS["check"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p = sub.add_parser("record", help=COMMANDS["record"], description=COMMANDS["record"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--beoordeling", action="store_true",
                      help="oordelen per criterium (blad Beoordeling): id of kandidaat, criterium, oordeel, "
                           "motivering, door, rol (beoordelaar of opdrachtgever)")
    what.add_argument("--step", type=int, choices=(3, 4), help="3: uitnodigen/wachtkamer; 4: gesprekken")
    p.add_argument("file", metavar="BESTAND", help=".csv of .xlsx; --beoordeling: id of kandidaat, criterium, oordeel, "
                                                 "motivering, door, rol; stap 3: id of kandidaat, besluit, "
                                                 "volgorde_wachtkamer, gesprek …; stap 4: id of kandidaat, "
                                                 "interviewer, rol, één kolom per competentie")
    p = sub.add_parser("loting", help=COMMANDS["loting"], description=COMMANDS["loting"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p.add_argument("--volgorde", required=True, metavar="ID,ID,…",
                   help="de ID's van de gelijke stand in de volgorde van trekken, bijv. I-006,I-005")
    p.add_argument("--moment", required=True, type=_moment, metavar="'DD-MM-JJJJ UU:MM'", help="wanneer het lot werd getrokken")
    p.add_argument("--plaats", required=True, metavar="PLAATS", help="waar")
    p.add_argument("--door", required=True, metavar="NAAM", help="wie het lot trok")
    p.add_argument("--getuigen", default="", metavar="NAMEN", help="wie erbij waren (ook leveranciers, op afstand)")
    p = sub.add_parser("intrekken", help=COMMANDS["intrekken"], description=COMMANDS["intrekken"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p.add_argument("--id", required=True, metavar="ID", help="de inschrijving, bijv. I-004")
    p.add_argument("--datum", required=True, type=_date, metavar="DD-MM-JJJJ", help="wanneer de kandidaat zich terugtrok")
    p.add_argument("--reden", required=True, metavar="TEKST", help="waarom, bijv. 'niet meer beschikbaar'")
    p = sub.add_parser("letters", help=COMMANDS["letters"], description=COMMANDS["letters"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek")
    p.add_argument("-o", "--output", required=True, metavar="MAP", help="map voor de brieven (buiten de repository)")
    p.add_argument("--pdf", action="store_true", help="maak ook pdf's (LibreOffice, alle brieven in één keer)")
    p.add_argument("--datum", type=_date, metavar="DD-MM-JJJJ", help="datum van de brieven (standaard vandaag); "
                                                                    "alle brieven van één beslissing delen één datum")
    p.add_argument("--loting", action="store_true",
                   help="maak alleen de uitnodigingen voor de loting bij een gelijke stand op de grens")
    p.add_argument("--loting-moment", type=_moment, metavar="'DD-MM-JJJJ UU:MM'", help="wanneer de loting is")
    p.add_argument("--loting-plaats", metavar="PLAATS", help="waar de loting is")
    p.add_argument("--loting-door", metavar="NAAM", help="wie het lot trekt")
    p = sub.add_parser("mail", help=COMMANDS["mail"], description=COMMANDS["mail"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek (het blad Verzonden houdt bij wat weg is)")
    p.add_argument("--letters", required=True, metavar="MAP", help="de map van inhuur letters (met manifest.json)")
    p.add_argument("-o", "--output", metavar="MAP", help="proefdraai: schrijf .eml-bestanden hierheen, verstuur niets")
    p.add_argument("--smtp", metavar="HOST:POORT", help="de mailserver om mee te versturen")
    p.add_argument("--starttls", action="store_true", help="versleutel de verbinding met STARTTLS")
    p.add_argument("--user", metavar="NAAM", help=f"gebruikersnaam; het wachtwoord komt uit {PASSWORD_VARIABLE} "
                                                  f"of wordt gevraagd")
    p.add_argument("--send", action="store_true", help="echt versturen (zonder deze optie wordt niets verstuurd)")
    p.add_argument("--ook-onzeker", action="store_true",
                   help="verstuur ook de berichten waarvan onzeker is of ze aankwamen (zelfde Message-ID); "
                        "alleen nadat u bij de ontvanger hebt nagevraagd dat ze niet aankwamen")
    p = sub.add_parser("verzonden", help=COMMANDS["verzonden"], description=COMMANDS["verzonden"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek (het blad Verzonden krijgt de rijen)")
    p.add_argument("--brieven", required=True, metavar="MAP", help="de map van inhuur letters (met manifest.json)")
    p.add_argument("--kenmerk", action="append", default=[], metavar="KENMERK",
                   help="alleen de brief met dit kenmerk (vaker te gebruiken); zonder: alle brieven in de map")
    p.add_argument("--datum", required=True, type=_date, metavar="DD-MM-JJJJ",
                   help="de dag waarop de brieven zijn verstuurd (niet vóór de datum van de brief, niet na vandaag)")
    p.add_argument("--door", required=True, metavar="NAAM", help="wie de brieven verstuurde")
    p = sub.add_parser("excel", help=COMMANDS["excel"], description=COMMANDS["excel"])
    p.add_argument("workbook", metavar="WERKBOEK.xlsx", help="het werkboek (of het .xlsm, om de knop daarin te "
                                                              "vernieuwen)")
    p.add_argument("-o", "--output", metavar="NAAM.xlsm", help="naam van het .xlsm-bestand (standaard naast het "
                                                                 "werkboek, bijv. aanvraag_30662.xlsm)")
    p = sub.add_parser("demo", help=COMMANDS["demo"], description=COMMANDS["demo"])
    p.add_argument("folder", metavar="MAP", nargs="?", help="map voor de uitvoer (standaard: een nieuwe tijdelijke map)")
    return parser


def _date(text: str):
    from inhuur.intake import parse_datetime

    try:
        return parse_datetime(text).date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is geen datum; schrijf bijv. 30-06-2026")


def _moment(text: str):
    from inhuur.intake import parse_datetime

    try:
        return parse_datetime(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is geen datum met tijd; schrijf bijv. '03-07-2026 10:00'")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; return the exit code (0 done, 1 refused for the input, 2 usage)."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 after --help
        return int(exc.code or 0)
    try:
        return _run(args, out, err)
    except InhuurError as exc:
        if args.verbose:
            _traceback(err)
        print(f"Fout: {messages.describe(exc)}", file=err)
        return 1
    except KeyboardInterrupt:
        print("Afgebroken; er is niets half geschreven.", file=err)
        return 1
    except BrokenPipeError:
        _silence_stdout()  # the reader (| head) stopped reading: not an error of ours, nothing to add
        return 1
    except OSError as exc:  # the file system refused: no write access, disk full, a name too long
        if args.verbose:
            _traceback(err)
        print(f"Fout: {messages.describe_os_error(exc)}", file=err)
        return 1
    except Exception as exc:  # a bug, not the user's mistake: say so, details with --verbose
        if args.verbose:
            _traceback(err)
        print(f"Interne fout in inhuur ({type(exc).__name__}: {exc}). Er is niets half geschreven. "
              f"Meld dit met de uitvoer van --verbose.", file=err)
        return 3


def run() -> None:
    """The `inhuur` command: main(), then the process ends at once with its exit code.

    Python's own shutdown frees every module and object one by one: 11 ms of a button press on the demo
    workbook, more after a large one. By the time main() returns every file inhuur wrote is closed (workbooks
    also synced), its lock released, LibreOffice ended, and inhuur registers nothing to run at exit; what
    remains to do is printing, so the output streams are flushed first.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None under pythonw
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): nothing more to say
                stream.flush()
    os._exit(code)


def _traceback(err: TextIO) -> None:
    """The exception being handled, for --verbose (traceback is loaded only then: a button press waits for imports)."""
    import traceback

    traceback.print_exc(file=err)


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "new":
        tender = actions.new(args.spec, args.output, force=args.overschrijven)
        print(f"Werkboek {args.output} gemaakt voor aanvraag {tender.number} ({tender.title}).", file=out)
        print(f"Volgende stap: inhuur import {args.output} INSCHRIJVINGEN.csv", file=out)
        return 0
    if args.command == "import":
        report = actions.import_offers(args.workbook, args.file)
        _print_import(report, args.workbook, out, err)
        return 0
    if args.command == "excel":
        from inhuur import excel
        made = excel.make(args.workbook, args.output)
        if made.renewed:
            print(f"De knop in {made.workbook} is vernieuwd: xlwings {made.xlwings}, Python {made.interpreter}; "
                  f"de rest van het werkboek is ongewijzigd.", file=out)
            return 0
        print(f"{made.workbook} gemaakt: het blad {excel.START} heeft een knop die inhuur uitvoert (xlwings "
              f"{made.xlwings}); de knop roept {made.module.name} aan, dat naast het werkboek moet blijven staan.",
              file=out)
        print(f"Python: {made.interpreter} (blad {excel.CONF}). Hernoem het .xlsm-bestand niet: xlwings zoekt de "
              f"module met dezelfde naam. Werk voortaan in {made.workbook.name}; elk inhuur-commando werkt er ook op.",
              file=out)
        return 0
    if args.command == "rank":
        report = actions.rank(args.workbook)
        if args.json:
            import json  # only for --json: a button press need not wait for it

            print(json.dumps(ranking_json(report), indent=2), file=out)
            _print_warnings(report, err)
        else:
            _print_ranking(report, out)
            _print_warnings(report, out)
        return 0
    if args.command == "check":
        checked = actions.check_report(args.workbook)
        print(f"Werkboek in orde: {checked.offers} inschrijvingen, alle formules en invoercellen kloppen.", file=out)
        for warning in checked.warnings:
            print(f"Let op: {warning}.", file=out)
        return 0
    if args.command == "record":
        if args.beoordeling:
            report = actions.record_findings(args.workbook, args.file)
        else:
            report = actions.record(args.workbook, args.step, args.file)
        what = {0: "oordelen (blad Beoordeling)", 3: "besluiten (blad Stap 3)", 4: "scores (blad Gesprekken)"}[
            report.step]
        print(f"{report.recorded} {what} vastgelegd in {args.workbook}.\n", file=out)
        _print_ranking(report.rank, out)
        _print_warnings(report.rank, out)
        return 0
    if args.command == "intrekken":
        report = actions.withdraw(args.workbook, args.id, args.datum, args.reden)
        offer = next(r.offer for r in report.results if r.offer.id == args.id.strip())
        print(f"{offer.id} ({offer.candidate}, {offer.supplier}) ingetrokken op {offer.withdrawn:%d-%m-%Y}: "
              f"{offer.withdrawn_reason}. De inschrijving blijft staan (status Ingetrokken) en telt niet meer mee.\n",
              file=out)
        _print_ranking(report, out)
        _print_warnings(report, out)
        return 0
    if args.command == "loting":
        ids = [part.strip() for part in args.volgorde.split(",") if part.strip()]
        actions.record_lot(args.workbook, {offer_id: n for n, offer_id in enumerate(ids, start=1)},
                           LotRecord(args.moment, args.plaats, args.door, args.getuigen, tuple(ids)))
        print(f"Loting vastgelegd in {args.workbook}: {', '.join(ids)} (kolom Loting; proces-verbaal op het blad "
              f"Loting).\n", file=out)
        report = actions.rank(args.workbook)
        _print_ranking(report, out)
        _print_warnings(report, out)
        return 0
    if args.command == "letters":
        lot = None
        if args.loting:
            missing = [o for o, v in (("--loting-moment", args.loting_moment), ("--loting-plaats", args.loting_plaats),
                                      ("--loting-door", args.loting_door)) if not v]
            if missing:
                print(f"inhuur letters: fout: bij --loting horen ook {', '.join(missing)}", file=err)
                return 2
            lot = LotDrawing(args.loting_moment, args.loting_plaats, args.loting_door)
        report = actions.make_letters(args.workbook, args.output, pdf=args.pdf, sent=args.datum, lot=lot)
        kinds = Counter(m.kind for m in report.letters)
        summary = ", ".join(f"{n} × {dutch.KIND_WORDS[kind]}" for kind, n in sorted(kinds.items()))
        print(f"{len(report.letters)} brieven gemaakt in {report.folder} ({summary}).", file=out)
        if report.pdfs:
            print(f"{len(report.pdfs)} pdf's gemaakt.", file=out)
        print(f"Overzicht: {report.manifest}; vastgelegd op het blad Brieven.", file=out)
        for warning in report.warnings:
            print(f"Let op: {warning}.", file=err)
        return 0
    if args.command == "mail":
        return _mail(args, out, err)
    if args.command == "verzonden":
        report = actions.record_sent(args.workbook, args.brieven, args.datum, args.door, args.kenmerk)
        print(f"{len(report.recorded)} brieven vastgelegd als verzonden buiten inhuur op {args.datum:%d-%m-%Y} door "
              f"{args.door.strip()} (blad Verzonden); {len(report.already)} stonden er al als verzonden.", file=out)
        return 0
    if args.command == "demo":
        report = actions.demo(args.folder)
        _print_demo(report, out)
        return 0
    raise AssertionError(args.command)


def _mail(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if bool(args.output) == bool(args.smtp):
        print("inhuur mail: fout: kies -o MAP (proefdraai, .eml-bestanden) of --smtp HOST:POORT --send", file=err)
        return 2
    if args.output:
        paths = actions.mail_dry_run(args.workbook, args.letters, args.output)
        print(f"Proefdraai: {len(paths)} e-mails als .eml in {args.output}; er is niets verstuurd.", file=out)
        return 0
    if not args.send:
        print("inhuur mail: fout: voeg --send toe om echt te versturen (of gebruik -o MAP voor een proefdraai)",
              file=err)
        return 2
    host, _, port = args.smtp.rpartition(":")
    if not host or not port.isdigit():
        print(f"inhuur mail: fout: '{args.smtp}' is geen HOST:POORT, bijv. smtp.example.nl:587", file=err)
        return 2
    password = None
    if args.user:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin.isatty():
                print(f"inhuur mail: fout: zet het wachtwoord in {PASSWORD_VARIABLE}; er is geen terminal om het "
                      f"te vragen", file=err)
                return 2
            import getpass

            password = getpass.getpass(f"Wachtwoord voor {args.user}: ")
    from inhuur.mail import Server

    report = actions.mail_send(args.workbook, args.letters, Server(host, int(port), args.starttls, args.user, password),
                               resend_uncertain=args.ook_onzeker)
    print(f"{len(report.sent)} verstuurd, {len(report.skipped)} al eerder verstuurd (overgeslagen), "
          f"{len(report.failed)} mislukt, {len(report.uncertain)} onzeker. Vastgelegd op het blad Verzonden.", file=out)
    for entry in report.sent:
        if entry.get("replaces"):
            print(f"Let op: {entry['file']} ({entry['reference']}) vervangt de eerdere brief {entry['replaces']}.",
                  file=out)
    if report.login_failed:
        print(f"Fout: inloggen op de mailserver mislukte ({report.login_failed}). Er is daarna niets meer geprobeerd "
              f"({len(report.not_tried)} brieven niet verstuurd), zodat uw account niet geblokkeerd raakt. "
              f"Controleer --user en {PASSWORD_VARIABLE}.", file=err)
        return 1
    for entry, reason in report.failed:
        print(f"Mislukt: {entry['file']} aan {entry['email']}: {reason}", file=err)
    for entry in report.uncertain:
        print(f"Onzeker: {entry['file']} aan {entry['email']} ({entry['reference']}): {entry.get('reason') or 'onbekend'}; "
              f"misschien is hij aangekomen. Vraag het na bij de ontvanger of in de verzonden items van de mailserver. "
              f"Hij wordt niet vanzelf opnieuw verstuurd: verstuur hem met --ook-onzeker, of leg met inhuur verzonden "
              f"vast dat hij aankwam.", file=err)
    if report.failed:
        print("Voer dezelfde opdracht later opnieuw uit: alleen wat nog niet verstuurd is gaat dan weg.", file=err)
    return 1 if report.failed or report.uncertain else 0


def _print_import(report, workbook_name: str, out: TextIO, err: TextIO) -> None:
    if report.added:
        ids = f"{report.added[0].id} t/m {report.added[-1].id}" if len(report.added) > 1 else report.added[0].id
        print(f"{len(report.added)} inschrijving(en) toegevoegd aan {workbook_name} ({ids}).", file=out)
    else:
        print(f"Geen nieuwe inschrijvingen; {workbook_name} is ongewijzigd.", file=out)
    if report.skipped:
        print(f"{len(report.skipped)} stonden er al in en zijn niet aangeraakt (oordelen blijven staan).", file=out)
    for note in report.differences:
        print(f"Let op: {note}", file=err)
    for name in report.shared_candidates:
        print(f"Let op: kandidaat '{name}' is door meer dan één leverancier aangeboden.", file=err)
    if report.added:
        print(f"Volgende stap: beoordeel elk criterium op het blad Beoordeling (of inhuur record {workbook_name} "
              f"--beoordeling BESTAND.csv), dan inhuur rank {workbook_name}", file=out)


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _points_json(result: rules.Result, interview) -> dict | None:
    """Points per criterion code (and 'prijs', and 'gesprek' where the interview counts and is scored), or None
    where the offer was not scored in step 2."""
    if result.score is None:
        return None
    earned = {code: _json_number(value) for code, value in result.points.items()}
    if interview is not None and interview.points is not None:
        earned[rules.INTERVIEW] = _json_number(interview.points)
    return earned


def ranking_json(report: actions.RankReport) -> dict:
    """The `rank --json` document: one entry per candidate, ranking order."""
    candidates = []
    for r in rules.ranking_order(report.results):
        o = r.offer
        status = report.status(r)
        outcome = report.stage.outcomes.get(o.id)
        interview = outcome.interview if outcome else None
        candidates.append({
            "id": o.id, "supplier": o.supplier, "contact": o.contact, "candidate": o.candidate, "email": o.email,
            "rate": _json_number(o.rate), "status": status, "status_label": dutch.STATUS_LABELS[status],
            "step2_status": r.status,
            "interview": None if interview is None else {
                "interviewers": interview.interviewers, "complete": interview.complete, "passed": interview.passed,
                "total": _json_number(interview.total), "below_pass": list(interview.below_pass),
                "disagreements": list(interview.disagreements),
                "counting": {c: _json_number(v) for c, v in interview.counting.items()}},
            "proposal": outcome.proposal if outcome else None,
            "step3": report.step3.get(o.id),
            "failed": list(r.failed), "score": _json_number(r.score), "rank": r.rank,
            "points": _points_json(r, interview),
            **({"final_score": _json_number(outcome.final_score if outcome else None)}
               if report.tender.interviews.points is not None else {}),
            "shared_rank": r.shared, "tie_group": list(r.tie_group), "lot": o.lot,
            "reason": rules.reason_text(report.tender, r.failed),
            "assessed": r.assessed, "open": list(r.open),
            "judgments": {code: {"declared": j.declared, "assessor": j.assessor, "client": j.client,
                                 "effective": j.effective, "met": j.met, "assessed": j.assessed,
                                 "motivation": j.motivation, "by": j.by}
                          for code, j in o.judgments.items()},
        })
    counts = report.counts()
    return {"final": report.final, "open_judgments": sum(len(r.open) for r in report.results),
            "self_declaration": report.tender.self_declaration,
            "work_list": [{"id": w.result.offer.id, "open": list(w.open), "effect": w.effect} for w in report.work],
            "tender": {"number": report.tender.number, "title": report.tender.title,
                       "shortlist_size": report.tender.shortlist_size, "professionals": report.tender.professionals},
            "counts": counts, "candidates": candidates, "award_proposal": report.stage.proposal,
            "invite_from_waiting_room": report.stage.from_waiting_room, "award_problems": report.stage.problems,
            "unresolved_ties": [[r.offer.id for r in group] for group in report.ties],
            "warnings": [str(p) for p in report.disagreements + report.restored]}


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_ranking(report: actions.RankReport, out: TextIO) -> None:
    t = report.tender
    print(f"Ranglijst aanvraag {t.number} — {t.title} (top {t.shortlist_size} wordt voorgedragen)", file=out)
    wide = max((len(dutch.STATUS_LABELS[report.status(r)]) for r in report.results), default=6)  # 'Voornemen tot…'
    head = (f"{'Rang':>4}  {'ID':<6} {'Leverancier':<28} {'Kandidaat':<24} {'Uurtarief':>10} {'Score':>5}  "
            f"{'Status':<{wide}} Reden")
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in rules.ranking_order(report.results):
        o = r.offer
        rank = "" if r.rank is None else (f"{r.rank}=" if (r.shared or 1) > 1 else str(r.rank))
        score = "" if r.score is None else dutch.number(r.score)
        print(f"{rank:>4}  {o.id:<6} {_cut(o.supplier, 28):<28} {_cut(o.candidate, 24):<24} "
              f"{dutch.money(o.rate):>10} {score:>5}  {dutch.STATUS_LABELS[report.status(r)]:<{wide}} "
              f"{rules.reason_text(t, r.failed)}".rstrip(), file=out)
    counts = ", ".join(f"{dutch.STATUS_LABELS[s].lower()}: {n}" for s, n in report.counts().items())
    print(f"\n{len(report.results)} inschrijvingen — {counts}. Het blad Ranglijst is bijgewerkt.", file=out)
    _print_work(report, out)


def _print_work(report: actions.RankReport, out: TextIO) -> None:
    """The provisional banner and the first items of the work list."""
    if report.final:
        return
    total = sum(len(r.open) for r in report.results)
    print(f"\nVOORLOPIG: nog {total} {'oordeel' if total == 1 else 'oordelen'} niet beoordeeld bij "
          f"{len(report.work)} {'kandidaat' if len(report.work) == 1 else 'kandidaten'}; een opgave van de "
          f"leverancier is geen beoordeling. Er gaan nog geen brieven uit. Werklijst (eerst wie nog in of uit de "
          f"top {report.tender.shortlist_size} kan):", file=out)
    words = {"in": " – kan de voordracht nog in", "out": " – kan nog uit de voordracht vallen", "": ""}
    for item in report.work[:10]:
        r = item.result
        print(f"  {r.offer.id} {r.offer.candidate}: {', '.join(item.open)}{words[item.effect]}", file=out)
    if len(report.work) > 10:
        print(f"  … en nog {len(report.work) - 10} (blad Ranglijst, blad Beoordeling: Stand = Open)", file=out)


def _print_warnings(report: actions.RankReport, out: TextIO) -> None:
    stage = report.stage
    for problem in stage.problems:
        print(f"\nLet op (gunning): {problem}.", file=out)
    if stage.proposal:
        print(f"\nVoorstel voor de gunning (totaal gesprek, dan score stap 2, dan uurtarief): "
              f"{', '.join(stage.proposal)}. De opdrachtgever beslist op het blad Gunning (kolom Besluit: gunnen, "
              f"met motivering).", file=out)
    if stage.from_waiting_room:
        print(f"\nTe weinig kandidaten voldoende in het gesprek ({len(stage.proposal)} van de "
              f"{report.tender.professionals} nodig). Nodig uit de wachtkamer uit, in de volgorde van de "
              f"opdrachtgever: {', '.join(stage.from_waiting_room)} (blad Stap 3, Besluit: uitnodigen).", file=out)
    if report.disagreements:
        print("\nLet op: deze cellen tonen in het werkboek iets anders dan de regels (formule overschreven?):", file=out)
        for p in report.disagreements:
            print(f"  - {p}", file=out)
    if report.restored:
        print("\nHersteld: deze formulecellen waren overschreven en hebben hun formule terug:", file=out)
        for p in report.restored:
            print(f"  - {p}", file=out)
    for group in report.ties if report.final else []:
        first = group[0]
        names = "; ".join(f"{r.offer.id} {r.offer.candidate} ({r.offer.supplier})" for r in group)
        cells = ", ".join(report.lot_cells[r.offer.id] for r in group)
        print(f"\nLoting nodig: {names} hebben dezelfde score ({dutch.number(first.score)}) en hetzelfde "
              f"uurtarief ({dutch.money(first.offer.rate)}) en delen rang {first.rank}; niet iedereen past in de "
              f"top {report.tender.shortlist_size}. Nodig deze leveranciers uit voor de loting (wanneer, waar, "
              f"door wie; zij mogen aanwezig zijn). Leg daarna de uitslag vast in de kolom Loting ({cells}): "
              f"1 voor de eerst getrokken kandidaat, dan 2, enz. Voer daarna inhuur rank opnieuw uit.", file=out)


def _print_demo(report: actions.DemoReport, out: TextIO) -> None:
    print(f"Voorbeeld: aanvraag 30662 in {report.folder}", file=out)
    print(f"1. Werkboek gemaakt: {report.workbook}", file=out)
    print(f"2. {len(report.imported.added)} voorbeeldinschrijvingen geïmporteerd uit "
          f"{actions.EXAMPLE_OFFERS.name}.", file=out)
    print(f"3. Voorlopige ranglijst op de opgaven van de leveranciers: nog "
          f"{sum(len(r.open) for r in report.provisional.results)} oordelen open, dus nog geen brieven.", file=out)
    print(f"   De beoordelaar legt {report.assessed.recorded} oordelen vast, met naam en motivering "
          f"(inhuur record --beoordeling {actions.EXAMPLE_FINDINGS.name}); de opdrachtgever wijkt bij één oordeel af. "
          f"Ranglijst daarna:\n", file=out)
    _print_ranking(report.before_lot, out)
    _print_warnings(report.before_lot, out)
    order = ", ".join(f"{offer_id} = {n}" for offer_id, n in sorted(actions.EXAMPLE_LOT.items(), key=lambda x: x[1]))
    print(f"\n4. De loting is gehouden en vastgelegd in de kolom Loting ({order}). Ranglijst daarna:\n", file=out)
    _print_ranking(report.after_lot, out)
    _print_warnings(report.after_lot, out)
    lots = report.lot_letters
    print(f"   (Eerst zijn de uitnodigingen voor de loting gemaakt: {len(lots.letters)} brieven in {lots.folder}.)",
          file=out)
    made = report.letters
    pdf = ", ook als pdf" if made.pdfs else " (geen pdf: LibreOffice is niet geïnstalleerd)"
    print(f"\n5. {len(made.letters)} brieven gemaakt in {made.folder}{pdf}; overzicht in {made.manifest.name}.",
          file=out)
    print(f"6. {len(report.emails)} e-mails klaargezet als .eml in {report.folder / 'e-mails'} (niet verstuurd; "
          f"versturen: inhuur mail WERKBOEK --letters {made.folder} --smtp HOST:POORT --send).", file=out)
    for n, (what, recorded, made_now) in enumerate(report.steps, start=7):
        stage = recorded.rank.stage
        statuses = ", ".join(f"{i} {dutch.STATUS_LABELS[o.status].lower()}" for i, o in stage.outcomes.items())
        print(f"\n{n}. {what} (inhuur record --step {recorded.step}): {statuses}.", file=out)
        if stage.from_waiting_room:
            print(f"   Te weinig voldoende ({len(stage.proposal)} van {recorded.rank.tender.professionals}); voorstel: nodig "
                  f"uit uit de wachtkamer: {', '.join(stage.from_waiting_room)}.", file=out)
        if made_now:
            kinds = Counter(dutch.KIND_WORDS[m.kind] for m in made_now.letters)
            print(f"   Brieven: {', '.join(f'{v} × {k}' for k, v in kinds.items())} in {made_now.folder}.", file=out)
    final = report.award_letters
    kinds = Counter(dutch.KIND_WORDS[m.kind] for m in final.letters)
    print(f"\n{7 + len(report.steps)}. De opdrachtgever gunt aan {', '.join(actions.EXAMPLE_AWARDS)} (blad Gunning, met "
          f"motivering). Brieven: {', '.join(f'{v} × {k}' for k, v in kinds.items())} in {final.folder}; "
          f"e-mails in {report.folder / 'e-mails-gunning'}.", file=out)
    for warning in final.warnings:
        print(f"   Let op: {warning}.", file=out)
    print(f"\nOpen {report.workbook} in Excel of LibreOffice: Kandidaten (de matrix), Ranglijst, Stap 3, Gesprekken, "
          f"Gunning, Brieven.", file=out)
