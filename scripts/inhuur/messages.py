"""The one place that turns a domain exception into a Dutch message that says what to do next."""

from __future__ import annotations

import errno
from pathlib import Path

from inhuur import dutch, errors, files
from inhuur.errors import ConversionFailed, LettersDoNotMatch, ManifestMissing

MAX_LISTED = 50


def describe(exc: errors.InhuurError) -> str:
    """The Dutch message for a refusal (printed after 'Fout: ')."""
    if isinstance(exc, errors.XlwingsMissing):
        return ("xlwings is niet geïnstalleerd; de knop in Excel heeft het nodig. Installeer het met "
                ".venv\\Scripts\\pip install -r requirements.txt (Windows) en voer inhuur excel opnieuw uit.")
    if isinstance(exc, errors.XlsmExists):
        return (f"{exc.path.name} bestaat al en kan werk bevatten dat niet in het .xlsx-bestand staat; er is niets "
                f"overschreven. Werk in {exc.path.name}; na een update van inhuur of xlwings vernieuwt "
                f"inhuur excel {exc.path.name} de knop daarin.")
    if isinstance(exc, errors.NotAModuleName):
        return (f"{exc.path.name}: xlwings roept de Python-module aan met de naam van het werkboek, dus die naam mag "
                f"alleen letters, cijfers en _ bevatten en niet met een cijfer beginnen. Kies bijv. "
                f"-o aanvraag_30662.xlsm.")
    if isinstance(exc, errors.WorkbookLocked):
        return (f"{exc.path.name} is geopend in Excel of LibreOffice ({exc.lockfile.name} bestaat). "
                f"Sluit het werkboek en probeer het opnieuw; er is niets geschreven. Is het echt niet "
                f"geopend, verwijder dan {exc.lockfile}.")
    if isinstance(exc, errors.WorkbookBusy):
        return (f"{exc.path.name} wordt op dit moment bijgewerkt door {exc.holder}. Er is niets geschreven. "
                f"Probeer het zo opnieuw, als die opdracht klaar is.")
    if isinstance(exc, errors.WorkbookReadOnly):
        return (f"{exc.path} is alleen-lezen; er is niets geschreven. Haal het vinkje 'Alleen-lezen' weg "
                f"(Eigenschappen van het bestand) als het werkboek bijgewerkt mag worden, of werk in een kopie.")
    if isinstance(exc, errors.FileMissing):
        return f"{exc.path} bestaat niet. Controleer de naam en de map."
    if isinstance(exc, errors.NotAWorkbook):
        return f"{exc.path} kan niet worden gebruikt: {exc.reason}."
    if isinstance(exc, errors.DamagedSheet):
        damage = (f"na rij {exc.after_row} is het niet meer te lezen" if exc.after_row else "het is niet te lezen")
        earlier = files.backup_path(exc.path) if exc.path else None
        instead = f", of ga verder met de vorige versie ({earlier.name})" if earlier and earlier.exists() else ""
        return (f"{exc.path or 'het werkboek'}: het blad {exc.sheet} is beschadigd: {damage}. Het werkboek is niet "
                f"gewijzigd. Open het in Excel of LibreOffice (dat biedt aan het te herstellen) en sla het opnieuw "
                f"op{instead}.")
    if isinstance(exc, errors.OutputExists):
        return (f"{exc.path} bestaat al; er is niets overschreven. Kies een andere naam met -o, of gebruik "
                f"--overschrijven als u het bestaande werkboek echt wilt vervangen.")
    if isinstance(exc, errors.TooManyOffers):
        already = f" bij de {dutch.number(exc.existing)} die er al staan" if exc.existing else ""
        return (f"{exc.path or 'het werkboek'}: het bestand is geweigerd; er is niets geïmporteerd en het werkboek is "
                f"ongewijzigd. Het heeft {dutch.number(exc.new)} nieuwe inschrijvingen{already}, samen "
                f"{dutch.number(exc.existing + exc.new)}; een werkboek mag er ten hoogste {dutch.number(exc.limit)} "
                f"hebben (meer kan inhuur rank niet binnen 1 GB geheugen rangschikken). Verdeel de inschrijvingen "
                f"over meer werkboeken (bijv. één per perceel) of importeer alleen de inschrijvingen die meedingen.")
    if isinstance(exc, errors.NewMacroWorkbook):
        plain = exc.path.with_suffix(".xlsx").name
        kept = (f" Het bestaande {exc.path.name} blijft zoals het is; inhuur excel vervangt het niet, dus verplaats "
                f"het eerst of kies met -o een andere naam voor het nieuwe .xlsm." if exc.path.exists() else "")
        return (f"{exc.path.name} is een werkboek met macro's (.xlsm), maar inhuur new maakt een gewoon werkboek "
                f"(.xlsx), zonder het VBA-project en de knop; er is niets geschreven. Maak het werkboek met "
                f"inhuur new SPEC.toml -o {plain} en maak daarna het .xlsm met de knop met inhuur excel {plain}.{kept}")
    if isinstance(exc, errors.NewNotXlsx):
        via = f" verwijst naar {exc.real}, dat" if exc.real.name != exc.path.name else ""
        if exc.real.name.lower().endswith(".xlsx"):  # nothing before the extension
            return (f"'{exc.path.name}'{via} heeft geen naam vóór .xlsx. Er is niets geschreven. Kies met -o een naam "
                    f"voor het werkboek, bijv. -o aanvraag.xlsx.")
        try:
            plain = Path(exc.real.name.strip()).with_suffix(".xlsx").name
        except ValueError:  # a name that is only an extension or spaces
            plain = "aanvraag.xlsx"
        return (f"'{exc.path.name}'{via} eindigt niet op .xlsx, maar inhuur new maakt een gewoon Excel-werkboek "
                f"(.xlsx); onder een andere naam opent Excel het niet. Er is niets geschreven. Kies met -o een naam "
                f"die op .xlsx eindigt, bijv. -o {plain}.")
    if isinstance(exc, errors.InvalidRecordFile):
        return _listing(exc, "het bestand is geweigerd; er is niets vastgelegd en het werkboek is ongewijzigd",
                        "Verbeter het bestand en voer inhuur record opnieuw uit.")
    if isinstance(exc, errors.InvalidOfferFile):
        return _listing(exc, "het bestand is geweigerd; er is niets geïmporteerd en het werkboek is ongewijzigd",
                        "Verbeter het bestand en importeer het opnieuw.")
    if isinstance(exc, errors.PointsDoNotAddUp):
        return _listing(exc, "de punten van de gunningscriteria kloppen niet",
                        "Pas de punten of aanvraag.totaal_punten aan in het specificatiebestand.")
    if isinstance(exc, errors.InvalidSpec):
        return _listing(exc, "de specificatie van de aanvraag klopt niet", "Verbeter het TOML-bestand.")
    if isinstance(exc, errors.InvalidWorkbook):
        return _listing(exc, "het werkboek heeft cellen die niet kloppen",
                        "Verbeter deze cellen en probeer het opnieuw (`inhuur check` toont ze opnieuw).")
    if isinstance(exc, errors.UnresolvedTie):
        ties = "; ".join(", ".join(f"{i} {c} ({s})" for i, c, s in group) for group in exc.groups)
        return (f"er zijn nog geen brieven gemaakt: een gelijke stand op de grens van de voordracht is nog niet "
                f"beslist ({ties}). Maak eerst de uitnodigingen voor de loting met --loting (en --loting-moment, "
                f"--loting-plaats, --loting-door). Leg na de loting de volgorde vast in de kolom Loting "
                f"({', '.join(exc.cells)}) en maak dan de brieven.")
    if isinstance(exc, errors.NotAssessed):
        count = len(exc.open)
        offers: dict[str, list[str]] = {}
        for offer_id, code, _ in exc.open:
            offers.setdefault(offer_id, []).append(code)
        listed = "; ".join(f"{i} {', '.join(codes)}" for i, codes in list(offers.items())[:MAX_LISTED])
        more = f" … en nog {len(offers) - MAX_LISTED} kandidaten" if len(offers) > MAX_LISTED else ""
        first = exc.open[0][2]
        refused, then = (("er is niets vastgelegd: de ranglijst is nog voorlopig, want", "leg dan de loting vast")
                         if exc.command == "loting" else ("er zijn geen brieven gemaakt:", "maak dan de brieven"))
        return (f"{refused} nog {count} {'oordeel' if count == 1 else 'oordelen'} niet "
                f"beoordeeld bij {len(offers)} {'kandidaat' if len(offers) == 1 else 'kandidaten'} ({listed}{more}). "
                f"Een opgave van de leverancier is geen beoordeling. Leg de oordelen vast op het blad Beoordeling "
                f"(filter Stand = Open, eerste: {first}) of met inhuur record --beoordeling, en {then}.")
    if isinstance(exc, errors.BackdatedLetters):
        return (f"er is niets verstuurd: de brieven in {exc.folder} zijn gedateerd {dutch.day(exc.dated)}, vóór vandaag "
                f"({dutch.day(exc.today)}). De opschortende termijn loopt vanaf de dag na verzending (Aanbestedingswet "
                f"art. 2.127): een brief met een eerdere datum geeft de leverancier minder dagen dan hij noemt. Maak de "
                f"brieven opnieuw met de datum van vandaag (inhuur letters WERKBOEK -o {exc.folder}, zonder --datum) "
                f"en verstuur ze dezelfde dag.")
    if isinstance(exc, errors.LotNoticeTooShort):
        return (f"er is niets geschreven: de loting op {dutch.appointment(exc.moment)} is te kort na de uitnodiging "
                f"van {dutch.day(exc.dated)}. De aanvraag vraagt {exc.days} "
                f"{'werkdag' if exc.days == 1 else 'werkdagen'} aankondiging (loting.aankondiging_werkdagen), zodat "
                f"de leveranciers erbij kunnen zijn. Kies een moment op of na {dutch.weekday_date(exc.earliest)} "
                f"(--loting-moment).")
    if isinstance(exc, errors.LotNotATie):
        ties = "; ".join(", ".join(group) for group in exc.groups) or "geen"
        return (f"er is niets vastgelegd: de volgorde {', '.join(exc.given)} hoort niet bij één gelijke stand die een "
                f"loting nodig heeft (gelijke standen op de grens: {ties}). Noem elke ID van die stand precies één "
                f"keer, in de volgorde van trekken (--volgorde).")
    if isinstance(exc, errors.InvalidLotRecord):
        return _listing(exc, "de loting is niet vastgelegd; het werkboek is ongewijzigd",
                        "Verbeter deze opties en voer inhuur loting opnieuw uit.")
    if isinstance(exc, errors.LotAlreadyDrawn):
        if exc.moment is not None:
            drawn = f"de loting voor {', '.join(exc.ids)} is al gehouden op {dutch.appointment(exc.moment)}"
        else:
            drawn = f"voor {', '.join(exc.ids)} staat al een andere volgorde in de kolom Loting"
        return (f"er is niets vastgelegd: {drawn} ({', '.join(exc.where)}). Een gelijke stand wordt één keer "
                f"beslist; een tweede trekking zou de eerste terzijde schuiven. Is de eerste uitslag echt verkeerd "
                f"vastgelegd, zet dan de vorige versie van het werkboek terug (…vorige.xlsx) of verbeter de kolom "
                f"Loting zodat die het proces-verbaal volgt, en leg de reden vast.")
    if isinstance(exc, errors.LettersNotYet):
        return _listing(exc, "er zijn geen brieven gemaakt: de brieven van deze versie kunnen dit nog niet uitleggen",
                        "Het werkboek rekent dit wel uit (blad Kandidaten en Ranglijst). Schrijf deze brieven voorlopig "
                        "zelf, of wacht op de versie van inhuur die ze maakt.", ("punt", "punten"))
    if isinstance(exc, errors.WithdrawalRefused):
        return f"{exc.path}: er is niets vastgelegd en het werkboek is ongewijzigd: {exc.why}"
    if isinstance(exc, errors.NoTie):
        return "er is geen gelijke stand op de grens van de voordracht; een loting is niet nodig."
    if isinstance(exc, ConversionFailed):
        return f"de pdf's konden niet worden gemaakt: {exc.reason}. De .docx-brieven staan er wel."
    if isinstance(exc, ManifestMissing):
        why = f" ({exc.reason})" if exc.reason else ""
        return (f"in {exc.folder} staat geen bruikbaar manifest.json{why}: de brieven zijn niet (volledig) gemaakt. "
                f"Er is niets verstuurd. Maak de brieven opnieuw met inhuur letters WERKBOEK -o {exc.folder}.")
    if isinstance(exc, LettersDoNotMatch):
        return _bulleted(f"er is niets verstuurd: de brieven in {exc.folder} passen niet (meer) bij het werkboek:",
                         exc.problems, f"Maak de brieven opnieuw met inhuur letters WERKBOEK -o {exc.folder} "
                                       f"(ongewijzigde brieven houden hun kenmerk en gaan niet nog eens weg).")
    if isinstance(exc, errors.JournalIsLink):
        return (f"{exc.path} is een symbolische link, niet het logboek dat inhuur zelf in de map schrijft. Er is niets "
                f"verstuurd en het werkboek is ongewijzigd. Verwijder de link (het bestand waarnaar hij wijst blijft "
                f"ongemoeid) en voer de opdracht opnieuw uit.")
    if isinstance(exc, errors.DamagedJournal):
        return (f"{exc.path}, regel {exc.line}, is beschadigd ({exc.reason}). Er is niets verstuurd en het werkboek is "
                f"ongewijzigd. Dit logboek houdt per brief bij of de e-mail wegging; de registratie van wat verstuurd "
                f"is, is het blad Verzonden in het werkboek. Vergelijk de regel daarmee, herstel of verwijder alleen die "
                f"regel (een tekstverwerker als Kladblok volstaat) en voer inhuur mail opnieuw uit.")
    if isinstance(exc, errors.SendingNotRecorded):
        return _bulleted(f"er is niets vastgelegd op het blad Verzonden; deze brieven uit {exc.folder} kunnen niet "
                         f"als verzonden worden vastgelegd:", exc.problems,
                         "Noem alleen brieven die inhuur letters voor dit werkboek in deze map maakte (--kenmerk), "
                         "met de dag waarop ze echt zijn verstuurd (--datum): niet vóór de datum van de brief en niet "
                         "na vandaag.")
    if isinstance(exc, errors.LettersNotLogged):
        return (f"de brieven staan in {exc.folder}, maar {exc.path.name} werd intussen geopend ({exc.lockfile.name}), "
                f"dus ze zijn niet vastgelegd op het blad Brieven en er is geen manifest.json: inhuur mail verstuurt "
                f"ze niet. Sluit het werkboek en maak de brieven opnieuw.")
    return str(exc)


def _listing(exc: errors.ProblemsError, headline: str, advice: str, noun: tuple[str, str] = ("fout", "fouten")) -> str:
    count = len(exc.problems)
    return _bulleted(f"{exc.source}: {headline} ({count} {noun[0] if count == 1 else noun[1]}):", exc.problems, advice)


def _bulleted(head: str, items, advice: str) -> str:
    """A headline, the first MAX_LISTED items as a list (and how many more), then what to do."""
    lines = [head] + [f"  - {p}" for p in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"  … en nog {len(items) - MAX_LISTED}")
    lines.append(advice)
    return "\n".join(lines)


def describe_os_error(exc: OSError) -> str:
    """The Dutch message for a file-system refusal: which file, why, and that nothing was half written."""
    name = exc.filename or "een bestand"
    if exc.errno == errno.ENOSPC:
        why = "de schijf is vol"
        advice = "Maak ruimte vrij en probeer het opnieuw"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "u hebt daar geen schrijfrechten (of de map is alleen-lezen)"
        advice = "Kies een andere map of vraag schrijfrechten"
    elif exc.errno == errno.ENAMETOOLONG:
        why = "de naam of het pad is te lang"
        advice = "Kies een kortere naam of een kortere map"
    else:
        why = exc.strerror or type(exc).__name__
        advice = "Controleer de map en het bestand"
    return (f"{name} kon niet worden geschreven of gelezen: {why}. Het werkboek is niet half geschreven: het is "
            f"ongewijzigd of helemaal bijgewerkt; een brievenmap zonder manifest.json is onvolledig en wordt niet "
            f"gemaild. {advice}.")
