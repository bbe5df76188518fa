"""The four tabs, in order. Each tab's pages are declared in its own package
(``lab_app/tabs/<tab>/__init__.py``) so the tab issues can land independently."""

from __future__ import annotations

from lab_app.tabs.diffusion import TAB as DIFFUSION
from lab_app.tabs.embeddings import TAB as EMBEDDINGS
from lab_app.tabs.llm import TAB as LLM
from lab_app.tabs.neuralnet import TAB as NEURALNET
from lab_app.tabs.spec import PageSpec, TabSpec

TABS: tuple[TabSpec, ...] = (LLM, EMBEDDINGS, NEURALNET, DIFFUSION)
TAB_KEYS = tuple(t.key for t in TABS)

__all__ = ["TABS", "TAB_KEYS", "PageSpec", "TabSpec"]
