"""The guides in docs/ are the project's own: numbers.md is the help pages' text, and no
file a user or maintainer reads points outside the repository."""

import re
from pathlib import Path

from django.utils import translation

from apps.help import content
from apps.help.markdown import DOCS_FILE, numbers_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_numbers_md_is_written_from_the_help_text():
    assert DOCS_FILE.read_text(encoding="utf-8") == numbers_markdown(), (
        "docs/numbers.md is out of date: run `python manage.py help_docs`"
    )


@translation.override("en")  # the file is English, whatever language an earlier test left active
def test_numbers_md_explains_every_figure_with_rule_example_and_limits():
    text = DOCS_FILE.read_text(encoding="utf-8")
    for figure in content.FIGURES:
        section = text.split(f'<a id="{figure.key}"></a>', 1)[1].split("<a id=", 1)[0]
        assert f"### {figure.title}" in section
        for label in ("**Rule.**", "**Example.**", "**What it does not mean.**"):
            assert label in section, (figure.key, label)


def test_no_guide_template_or_code_points_outside_the_repository():
    offenders = []
    for top in ("README.md", "docs", "apps", "templates"):
        path = ROOT / top
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix in {".mo", ".png", ".pyc"}:
                continue
            if "../shared" in f.read_text(encoding="utf-8", errors="ignore"):
                offenders.append(str(f.relative_to(ROOT)))
    assert offenders == []


def test_the_readme_links_every_guide_and_the_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in ("docs/numbers.md", "docs/architecture.md", "docs/operations.md"):
        assert f"]({guide}" in readme
        assert (ROOT / guide).is_file()
    for guide in ("architecture.md", "operations.md", "numbers.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)", (ROOT / "docs" / guide).read_text(encoding="utf-8")):
            assert (ROOT / "docs" / target).is_file(), (guide, target)
