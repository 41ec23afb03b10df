"""The one plug-in point between apps (DESIGN: nothing upstream knows who reads it).

Apps add what they contribute to other apps' pages in their ``AppConfig.ready()``:

    registry.add_nav(NavEntry(_("Plans"), "actions:plan-list", visible=everyone, order=40))
    registry.add_section(DEPARTMENT_PAGE, department_plans, order=20)
    registry.add_digest(overdue_milestones)
    registry.add_search(search_plans)

Core holds the lists and knows no app; pages ask ``registry.sections(area, request, obj)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.urls import NoReverseMatch, reverse

# Areas of pages that other apps contribute sections to.
OVERVIEW = "overview"  # section(request, period, scope) -> dict | None
METRIC_DETAIL = "metric_detail"  # section(request, metric) -> dict | None
DEPARTMENT_PAGE = "department_page"  # section(request, department) -> dict | None
MY_WORK = "my_work"  # section(request, user) -> dict | None
PLAN_DETAIL = "plan_detail"  # section(request, plan) -> dict | None

# A section returns a dict with at least "template" (rendered with the dict as context),
# or None when it has nothing to show.
Section = Callable[..., dict | None]
# A digest source: (today) -> {user_id: [(text, url), ...]}.
DigestSource = Callable[[date], dict[int, list[tuple[str, str]]]]
# A search source: (user, query) -> (group label, [(text, url), ...]) of what user may open.
SearchSource = Callable[[object, str], tuple[str, list[tuple[str, str]]]]


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    visible: Callable[[object], bool]
    order: int = 100
    # False: only in the user menu (e.g. "API"), not in the main navigation.
    main: bool = True

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


@dataclass
class Registry:
    nav_entries: list[NavEntry] = field(default_factory=list)
    section_lists: dict[str, list[tuple[int, Section]]] = field(default_factory=dict)
    digest_sources: list[DigestSource] = field(default_factory=list)
    search_sources: list[tuple[int, SearchSource]] = field(default_factory=list)

    # -- filled in by AppConfig.ready() -------------------------------------------
    def add_nav(self, entry: NavEntry) -> None:
        if entry.url_name not in {e.url_name for e in self.nav_entries}:
            self.nav_entries.append(entry)
            self.nav_entries.sort(key=lambda e: e.order)

    def add_section(self, area: str, section: Section, order: int = 100) -> None:
        entries = self.section_lists.setdefault(area, [])
        if section not in [s for _o, s in entries]:
            entries.append((order, section))
            entries.sort(key=lambda pair: pair[0])

    def add_digest(self, source: DigestSource) -> None:
        if source not in self.digest_sources:
            self.digest_sources.append(source)

    def add_search(self, source: SearchSource, order: int = 100) -> None:
        if source not in [s for _o, s in self.search_sources]:
            self.search_sources.append((order, source))
            self.search_sources.sort(key=lambda pair: pair[0])

    # -- read by pages and jobs ---------------------------------------------------
    def navigation(self, user, *, main: bool | None = None) -> list[dict]:
        """The entries `user` may see, whose URL exists (main=None: all of them)."""
        items = []
        for entry in self.nav_entries:
            if main is not None and entry.main != main:
                continue
            if not entry.visible(user):
                continue
            url = entry.url()
            if url is not None:
                items.append({"label": entry.label, "url": url, "url_name": entry.url_name})
        return items

    def sections(self, area: str, request, *args) -> list[dict]:
        found = (section(request, *args) for _order, section in self.section_lists.get(area, []))
        return [s for s in found if s]

    def digest(self, today: date) -> dict[int, list[tuple[str, str]]]:
        lines: dict[int, list[tuple[str, str]]] = {}
        for source in self.digest_sources:
            for user_id, items in source(today).items():
                lines.setdefault(user_id, []).extend(items)
        return lines

    def search(self, user, query: str) -> list[tuple[str, list[tuple[str, str]]]]:
        groups = (source(user, query) for _order, source in self.search_sources)
        return [(label, hits) for label, hits in groups if hits]


registry = Registry()
