"""From autocomplete to assistant: the page builds, a preset fills three answers, temperature 0 repeats."""

from __future__ import annotations

import pytest

ASSISTANT = 5


@pytest.fixture
def page(window):
    window.select("llm", ASSISTANT, build_now=True)
    return window.current_tab().pages[ASSISTANT].page


def _ask_preset(page, qtbot, index: int) -> dict[str, str]:
    page.use_preset(index)
    qtbot.waitUntil(lambda: not page.runner.is_running() and len(page.answers) == 3
                    and all(a.get("stop") for a in page.answers.values()), timeout=30_000)
    return page.answer_texts()


def test_assistant_page_builds_with_three_columns_and_metrics(page):
    from lab_app.tabs.llm.assistant_page import AssistantPage

    assert isinstance(page, AssistantPage)
    assert len(page.views) == 3
    assert page.table.rowCount() == 3 and page.table.columnCount() == 5
    assert page.preset_box.count() > 3
    from lab_app.tabs.llm.assistant_page import EXPLAINER

    assert "DPO" in EXPLAINER and page.explainer.isVisibleTo(page)


def test_preset_question_fills_three_answers_and_temperature_zero_repeats(page, qtbot):
    from engines.core.paths import assets_dir

    page.length_box.setValue(15)
    page.temp_slider.setValue(0)
    first = _ask_preset(page, qtbot, 0)
    installed = [n for n in ("story-gpt", "story-sft", "story-dpo") if (assets_dir() / "llm" / n).is_dir()]
    if not installed:
        pytest.skip("no shipped story models")
    for name in installed:
        assert first[name].strip(), name
        assert page.views[name].toPlainText().strip()
    if "story-gpt" in installed:
        assert page.answers["story-gpt"]["stop"] == "limit"  # the base model just keeps writing
    if "story-sft" in installed:
        assert page.answers["story-sft"]["stop"] == "eos"
        assert "Stopped by itself" in page.stop_labels["story-sft"].text()
    assert _ask_preset(page, qtbot, 0) == first
