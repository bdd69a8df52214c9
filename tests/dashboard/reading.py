"""Reading what a callback returns as a person would: the words of a component, its tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dash import html


def text(component: Any) -> str:
    """The words a component shows (a line break as a space)."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(text(c) for c in component)
    if isinstance(component, html.Br):
        return " "
    return text(getattr(component, "children", None))


def tables(component: Any) -> Iterator[html.Table]:
    if isinstance(component, html.Table):
        yield component
    elif isinstance(component, list | tuple):
        for child in component:
            yield from tables(child)
    elif component is not None and hasattr(component, "children"):
        yield from tables(component.children)


def cells(table: html.Table) -> list[list[str]]:
    """Each body row's cells as text."""
    _caption, _head, body = table.children
    return [[text(cell) for cell in row.children] for row in body.children]


def caption(table: html.Table) -> str:
    return text(table.children[0])
