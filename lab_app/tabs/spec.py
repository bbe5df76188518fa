"""Declarations of tabs and pages. Pages are named by import path and built on first view,
so the window paints before any page's heavy imports (pyqtgraph, torch) happen."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

PLANNED_PAGE = "lab_app.tabs.planned:PlannedPage"


@dataclass(frozen=True)
class PageSpec:
    """One page of a tab. ``factory`` is ``"module:Class"``; the class takes ``(ctx, spec)``."""

    key: str
    title: str
    summary: str
    factory: str = PLANNED_PAGE
    plans: tuple[str, ...] = field(default_factory=tuple)

    def load_class(self):
        module_name, _, class_name = self.factory.partition(":")
        return getattr(importlib.import_module(module_name), class_name)


@dataclass(frozen=True)
class TabSpec:
    key: str
    title: str
    summary: str
    pages: tuple[PageSpec, ...]
