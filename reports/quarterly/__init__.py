"""The quarterly summary for discipline inspection (季度汇总), for a unit and optionally its
sub-units and one quarter:

- progress of the round by phase and department *as at the end of the quarter*, read from the
  workflow's append-only TransitionLog (the last state a form reached before the quarter ended);
- risk points by level × category (a heat map drawn as server-side SVG, so the HTML and the PDF
  show the same chart) and by department, key posts with level-1 points (current versions);
- levels raised or lowered in the quarter: at the collective decision (decided level against the
  proposed one) and in re-rated versions (against the same point of the previous version);
- forms re-rated in the quarter, with the reason (workflow.Rerating);
- objections raised and answered in the quarter, by department, and those still open at its end;
- rating participation (群众评议 windows running in the quarter: forms, ratings, raters counted —
  never who rated);
- overdue forms (waiting at the quarter's end on a phase whose deadline had passed).

Every table is one grouped query over the whole set of units, so the number of queries does not
grow with the number of units or points. Only forms the reader may see count
(access.rules.forms_visible_to); the command line reads unscoped (selectors.OPERATOR).

Supervision (findings, warnings, dispositions, rectification, proposals to raise a level) is
counted by supervision.quarterly (schema 3); "not_yet_available" lists whatever is still not
recorded in the system (nothing at present).

Modules: `summary` (the data and constants), `sections` (one function per section, assembled
in `sections.SECTIONS`), `charts` (SVG), `tables` (rows shared by the outputs), `as_json`,
`workbook` and `render` (page context, PDF, files, background job).
"""

from reports.quarterly.as_json import as_dict
from reports.quarterly.charts import heatmap_svg, progress_svg
from reports.quarterly.render import (
    SUBMISSION_FIELDS,
    filename,
    list_limit_for,
    render,
    render_for_job,
    submission_from,
    template_context,
)
from reports.quarterly.sections import SECTIONS, build_summary
from reports.quarterly.summary import (
    PAGE_LIST_LIMIT,
    PAGE_UNIT_ROWS,
    PDF_LIST_LIMIT,
    SCHEMA,
    UNRATED,
    Summary,
    quarter_bounds,
    summary_units,
)
from reports.quarterly.workbook import workbook

__all__ = [
    "PAGE_LIST_LIMIT",
    "PAGE_UNIT_ROWS",
    "PDF_LIST_LIMIT",
    "SCHEMA",
    "SECTIONS",
    "SUBMISSION_FIELDS",
    "UNRATED",
    "Summary",
    "as_dict",
    "build_summary",
    "filename",
    "heatmap_svg",
    "list_limit_for",
    "progress_svg",
    "quarter_bounds",
    "render",
    "render_for_job",
    "submission_from",
    "summary_units",
    "template_context",
    "workbook",
]
