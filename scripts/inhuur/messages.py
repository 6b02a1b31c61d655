"""The one place that turns a domain exception into a Dutch message that says what to do next."""

from __future__ import annotations

from inhuur import errors
from inhuur.mail import ManifestMissing
from inhuur.soffice import ConversionFailed

MAX_LISTED = 50


def describe(exc: errors.InhuurError) -> str:
    """The Dutch message for a refusal (printed after 'Fout: ')."""
    if isinstance(exc, errors.WorkbookLocked):
        return (f"{exc.path.name} is geopend in Excel of LibreOffice ({exc.lockfile.name} bestaat). "
                f"Sluit het werkboek en probeer het opnieuw; er is niets geschreven. Is het echt niet "
                f"geopend, verwijder dan {exc.lockfile}.")
    if isinstance(exc, errors.FileMissing):
        return f"{exc.path} bestaat niet. Controleer de naam en de map."
    if isinstance(exc, errors.NotAWorkbook):
        return f"{exc.path} kan niet worden gebruikt: {exc.reason}."
    if isinstance(exc, errors.OutputExists):
        return (f"{exc.path} bestaat al; er is niets overschreven. Kies een andere naam met -o, of gebruik "
                f"--overschrijven als u het bestaande werkboek echt wilt vervangen.")
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
        return (f"er zijn geen brieven gemaakt: nog {count} {'oordeel' if count == 1 else 'oordelen'} niet "
                f"beoordeeld bij {len(offers)} {'kandidaat' if len(offers) == 1 else 'kandidaten'} ({listed}{more}). "
                f"Een opgave van de leverancier is geen beoordeling. Leg de oordelen vast op het blad Beoordeling "
                f"(filter Stand = Open, eerste: {first}) of met inhuur record --beoordeling, en maak dan de brieven.")
    if isinstance(exc, errors.NoTie):
        return "er is geen gelijke stand op de grens van de voordracht; een loting is niet nodig."
    if isinstance(exc, ConversionFailed):
        return f"de pdf's konden niet worden gemaakt: {exc.reason}. De .docx-brieven staan er wel."
    if isinstance(exc, ManifestMissing):
        return (f"in {exc.folder} staat geen leesbaar manifest.json. Maak de brieven eerst met "
                f"inhuur letters WERKBOEK -o {exc.folder}.")
    return str(exc)


def _listing(exc: errors.ProblemsError, headline: str, advice: str) -> str:
    count = len(exc.problems)
    lines = [f"{exc.source}: {headline} ({count} {'fout' if count == 1 else 'fouten'}):"]
    lines += [f"  - {p}" for p in exc.problems[:MAX_LISTED]]
    if count > MAX_LISTED:
        lines.append(f"  … en nog {count - MAX_LISTED}")
    lines.append(advice)
    return "\n".join(lines)
