"""The LLM and Embeddings pages speak to users, not developers: no tools/ script names or shell commands in
any label, tooltip, text box or explainer, and the preference-tuned column is not called RLHF."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QTableWidget, QTextBrowser, QWidget

SCRIPT = re.compile(r"tools/|\.py\b|python ")


def _texts(page: QWidget) -> list[str]:
    out = []
    for widget in [page, *page.findChildren(QWidget)]:
        out.append(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton)):
            out.append(widget.text())
        elif isinstance(widget, QTextBrowser):
            out.append(widget.toPlainText())
        elif isinstance(widget, QTableWidget):
            out += [widget.verticalHeaderItem(r).text() for r in range(widget.rowCount())
                    if widget.verticalHeaderItem(r) is not None]
            out += [widget.horizontalHeaderItem(c).text() for c in range(widget.columnCount())
                    if widget.horizontalHeaderItem(c) is not None]
    return [t for t in out if t]


@pytest.mark.parametrize("tab", ["llm", "embeddings"])
def test_pages_name_no_scripts(window, tab):
    lab_tab = window.select(tab)
    for index, entry in enumerate(lab_tab.pages):
        window.select(tab, index, build_now=True)
        page = lab_tab.pages[index].page
        if page is None:
            continue
        found = [t for t in _texts(page) if SCRIPT.search(t)]
        assert not found, f"{tab} page {index}: {found}"


def test_assistant_columns_label_dpo_as_the_shortcut_and_rlhf_as_rlhf(window):
    """DPO is labelled as what it is (no reward model, no RL); the RLHF column is the model trained by RL."""
    from lab_app.tabs.llm.assistant_page import EXPLAINER, MISSING_TEXT, MODELS

    window.select("llm", 5, build_now=True)
    page = window.current_tab().pages[5].page
    table = page.table.table
    titles = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert titles[2] == "DPO (the shortcut)" and titles[3].startswith("RLHF")
    assert [m[0] for m in MODELS] == ["Base", "SFT", "DPO (the shortcut)", "RLHF"]
    assert dict((m[1], m[0]) for m in MODELS)["story-rlhf"] == "RLHF"
    assert "RLHF" in EXPLAINER and "without a reward model" in EXPLAINER and not SCRIPT.search(MISSING_TEXT)
