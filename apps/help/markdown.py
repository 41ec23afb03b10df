"""`docs/numbers.md` written from the same entries as the help pages (English)."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from . import content

DOCS_FILE = Path(settings.BASE_DIR) / "docs" / "numbers.md"

HEADER = """# The numbers, figure by figure

<!-- Written by `python manage.py help_docs` from apps/help/content.py, the same text as the
help pages (/help/…) in the portal. Edit that file, not this one: a test keeps them equal. -->

"""


# Comments in the code cite the rules by number ("§4 item 7"); this is where each is explained.
RULE_ITEMS = [
    ("1", "rows used (totals win over breakdowns, latest source wins)", ["actual"]),
    ("2", "actual (mean, sum, min, max, last)", ["actual"]),
    ("3", "target, baseline, pro-rating, validation", ["target"]),
    ("4", "own score", ["own_score"]),
    ("5", "driven score", ["driven_score"]),
    ("6", "status", ["status"]),
    ("7", "path impact, money tops, money weight", ["path_impact", "money_weight"]),
    ("8", "gap", ["gap"]),
    (
        "9",
        "value at stake, cost of not improving, value at stake along a path, reconciliation",
        ["value_at_stake", "cost_of_not_improving", "value_at_stake_path", "reconciliation"],
    ),
    ("10", "expected benefit (within the gap and beyond), ROI, ranking", ["expected_benefit", "roi"]),
    ("11", "channel consistency", ["channel_consistency"]),
    ("12", "payout, attainment, CX bonus", ["payout"]),
    ("13", "driver evidence", ["driver_evidence"]),
]

RULE_NUMBERS_HEAD = """
## Rule numbers used in the code

Comments and docstrings in `apps/` cite the rules as "§4 item N" (and "§5", "§6" for jobs
and permissions, explained in [architecture.md](architecture.md)). The items are:

| item | rule | explained under |
| --- | --- | --- |
"""

RULE_NUMBERS_TAIL = """
"Which snapshots exist": one per metric, period and scope, from the metric's first
measurement up to the period that contains today, where the metric has an actual, a target
set for that very scope, or a driver with a snapshot. Where the rules leave room, the
engine's choices are listed in `apps/metrics/engine/__init__.py` ("Interpretations").
"""


def numbers_markdown() -> str:
    with translation.override("en"):
        out = [HEADER, str(content.INTRO), "\n\n"]
        out.append("Contents: ")
        ordered = [f for area in content.AREAS for f in content.figures_of(area.key)]
        out.append(" · ".join(f"[{f.title}](#{f.key})" for f in ordered))
        out.append("\n")
        for area in content.AREAS:
            figures = content.figures_of(area.key)
            if not figures:
                continue
            out.append(f"\n## {area.title}\n\n{area.intro}\n")
            for f in figures:
                out.append(f'\n<a id="{f.key}"></a>\n\n### {f.title}\n\n')
                out.append(f"{f.short}\n\n")
                out.append(f"**Rule.** {f.rule}\n\n")
                out.append(f"**Example.** {f.example}\n\n")
                out.append(f"**What it does not mean.** {f.not_meaning}\n")
                out.append(f"\nIn the portal: `/help/{area.key}/#{f.key}`.\n")
        out.append(RULE_NUMBERS_HEAD)
        for item, rule, keys in RULE_ITEMS:
            links = ", ".join(f"[{content.FIGURES_BY_KEY[k].title}](#{k})" for k in keys)
            out.append(f"| {item} | {rule} | {links} |\n")
        out.append(RULE_NUMBERS_TAIL)
    return "".join(out)
