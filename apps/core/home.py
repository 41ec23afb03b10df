"""Sections of the home page. Apps register a callable returning a dict for the
template, or None; metrics and plans add theirs as they arrive."""

from collections.abc import Callable

HOME_SECTIONS: list[Callable] = []


def register(section: Callable) -> Callable:
    HOME_SECTIONS.append(section)
    return section


def home_sections(request) -> list[dict]:
    sections = []
    for section in HOME_SECTIONS:
        result = section(request)
        if result:
            sections.append(result)
    return sections
