"""The scoring-matrix workbook, the only package that knows sheets, headers, columns, names and formulas.

Its modules each answer one question: `layout` (where things are), `formulas` (what the formulas say),
`values` (what they show, by the engine), `build` (a new workbook), `matrix` (open and save), `read`
(inputs), `write` (the tool's cells), `ranking` (the Ranglijst sheet), `steps34` (steps 3–4 sheets),
`check` (what is wrong), `instructions` (the Instructies sheet).
"""

from inhuur import xlsx
from inhuur.workbook.check import (cached_disagreements, check, idle_lots, judgment_at, justification_problems,
                                   log_problems, lot_problems, register_problems, require_valid_inputs,
                                   structure_problems)
from inhuur.workbook.formulas import assessment_formulas, award_formulas, matrix_formulas, normalise_formula
from inhuur.workbook.layout import *  # noqa: F401,F403 (sheet names, titles, layouts)
from inhuur.workbook.matrix import Matrix, SheetRow, new_workbook, open_workbook, save
from inhuur.workbook.ranking import DEVIATION_TITLES, write_ranking
from inhuur.workbook.read import (Findings, LoggedLetter, Sendings, Steps34, day_of, letter_log, letters_made, log_rows,
                                  looks_like_consensus, read_findings, read_lot_records, read_lot_rows, read_offers,
                                  read_sendings, read_steps34, row_of)
from inhuur.workbook.values import points_values
from inhuur.workbook.steps34 import fill_steps34, record_awards, record_step3, record_step4, stale_step3_rows
from inhuur.workbook.write import (MAX_OFFERS, ImportReport, add_offers, append_log, formula_problems, write_findings,
                                   write_lots, write_results, write_withdrawal)
