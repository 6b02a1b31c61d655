"""The Instructies sheet: the steps, who types where and what the colours mean, in Dutch."""

from __future__ import annotations

from typing import Any

from inhuur import dutch
from inhuur.spec import Tender


def instruction_rows(tender: Tender) -> list[tuple[str, Any]]:
    """Rows of the Instructies sheet as (kind, text); kind is title, heading, text or swatch ((label, colour))."""
    n = tender.shortlist_size
    self_declared = ("De aanvraag bepaalt dat de eigen opgave van de leverancier telt; een oordeel van de "
                     "beoordelaar of opdrachtgever gaat daar wel voor, en de brieven zeggen dat de opgave telde."
                     if tender.self_declaration else
                     "Een opgave van de leverancier is een bewering, geen bevinding: elk criterium is 'Open' tot een "
                     "beoordelaar Ja of Nee vastlegt. Zolang er iets open is, is de ranglijst voorlopig en maakt "
                     "inhuur geen brieven.")
    scoring = "Voldaan = alle punten."
    if any(a.levels for a in tender.award):
        scoring = ("Ja/Nee: voldaan = alle punten; een criterium met niveaus geeft de punten van het gekozen niveau "
                   "(keuzelijst op Beoordeling).")
    if tender.price is not None:
        scoring += f" Het uurtarief geeft prijspunten (formule {tender.price.formula}, zie blad Criteria)."
    if tender.min_score is not None:
        scoring += (f" Wie minder dan {dutch.number(tender.min_score)} punten haalt, wordt niet gerangschikt "
                    f"(onder de minimumscore).")
    return [
        ("title", f"Aanvraag {tender.number} – {tender.title}: zo werkt dit werkboek"),
        ("text", "Dit werkboek is de scoringsmatrix van de beoordeling. Het rekent zelf knock-outs, scores, rang "
                 "en status uit zodra u een oordeel typt. Het programma inhuur controleert dezelfde uitkomst met "
                 "de regels van de aanvraag, werkt de ranglijst bij en maakt de brieven."),
        ("heading", "De stappen"),
        ("text", "0. Formele eisen (ontvankelijkheid): uit de inschrijving zelf (tijdig, cv-pagina's, taal, pdf, "
                 "referenties, onderbouwing Wet DBA, Waadi). Wie er één mist is niet conform."),
        ("text", "1. Knock-outcriteria: de beoordelaar beoordeelt ze voor elke conforme inschrijving op het blad "
                 "Beoordeling." + (f" Het uurtarief (max. {dutch.money(tender.rate_cap)}) toetst het werkboek zelf."
                                   if tender.rate_cap is not None else "")),
        ("text", f"2. Gunningscriteria: voor elke inschrijving die de knock-outs doorstaat. {scoring} "
                 f"Rangorde: hoogste score, dan laagste uurtarief. De beste {n} worden voorgedragen. Delen kandidaten "
                 f"score én tarief op de grens, dan beslist een loting (kolom Loting op Kandidaten)."),
        ("text", "Trekt een kandidaat zich terug, vul dan op Kandidaten Ingetrokken op (datum) en Reden intrekking "
                 "in: de inschrijving blijft staan met status Ingetrokken en telt niet meer mee in de vergelijking."),
        ("text", "3. De opdrachtgever vergelijkt de voorgedragen kandidaten (blad Stap 3): uitnodigen of wachtkamer."),
        ("text", "4. Selectiegesprekken (blad Gesprekken, per interviewer en de Consensus) en de gunning (blad "
                 "Gunning: gunnen, met motivering)."),
        ("heading", "Wie typt waar"),
        ("text", "Beoordeling – de beoordelaar: per rij (inschrijving × criterium) Oordeel beoordelaar (Ja/Nee), "
                 "Motivering en naam. De opdrachtgever kan een eigen oordeel geven (met motivering en naam); dat "
                 "gaat voor. Een Nee, en elk oordeel dat afwijkt van wat het vervangt, heeft een motivering nodig: "
                 "die komt letterlijk in de brief. Gebruik de filters: per criterium (Code), per kandidaat (ID), of "
                 "Stand = Open voor wat nog moet."),
        ("text", self_declared),
        ("text", "Kandidaten – de matrix: één rij per kandidaat, één kolom per criterium met wat telt. Alleen Loting "
                 "is hier invoer. Open oordelen telt wat er voor die kandidaat nog beoordeeld moet worden."),
        ("text", "Ranglijst – door inhuur: de telling, de rangorde, de werklijst (wat nog open is, eerst de "
                 f"kandidaten voor wie het uitmaakt of ze in de top {n} komen) en alle afwijkende oordelen."),
        ("text", "Stap 3, Gesprekken, Gunning – de opdrachtgever, in de gele cellen."),
        ("heading", "Kleuren"),
        ("swatch", ("Geel met rand: hier typt u (invoercel). Alle andere cellen zijn beveiligd zonder wachtwoord.",
                    "FFF2CC")),
        ("swatch", ("Rood: nog open (Stand = Open, of Open oordelen groter dan 0).", "F4CCCC")),
        ("swatch", ("Groen (Status): voorgedragen; donkerder groen: voornemen tot gunning.", "D9EAD3")),
        ("swatch", ("Oranje (Status): loting nodig; op Gesprekken: scores 2 of meer uit elkaar.", "FCE5CD")),
        ("swatch", ("Grijs (Status): niet conform. Lichtrood (Status): knock-out.", "D9D9D9")),
        ("swatch", ("Blauw: oordeel van de opdrachtgever (Beoordeling) of uitgenodigd (Status).", "CFE2F3")),
        ("heading", "Opdrachten (in een terminal)"),
        ("text", "inhuur rank WERKBOEK.xlsx – werkt de ranglijst en de opgeslagen uitkomsten bij. inhuur check "
                 "WERKBOEK.xlsx – noemt elke cel die niet klopt (ook een ontbrekende motivering). inhuur record "
                 "WERKBOEK.xlsx --beoordeling BESTAND.csv – oordelen uit een bestand. inhuur letters WERKBOEK.xlsx "
                 "-o MAP – de brieven, pas als alles beoordeeld is. Sluit het werkboek eerst: inhuur schrijft nooit "
                 "in een geopend werkboek."),
    ]
