"""From autocomplete to assistant: four stages side by side, many answers ranked, Be the human, bad input."""

from __future__ import annotations

import pytest

ASSISTANT = 5
STAGES = ("story-gpt", "story-sft", "story-dpo", "story-rlhf")


@pytest.fixture
def page(window):
    window.select("llm", ASSISTANT, build_now=True)
    return window.current_tab().pages[ASSISTANT].page


def _installed(*names):
    from engines.core.paths import assets_dir

    missing = [n for n in names if not (assets_dir() / "llm" / n / "model.safetensors").is_file()]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (python tools/train_assistant.py)")


def _ask(page, qtbot, question: str | None = None, preset: int = 0) -> dict[str, str]:
    if question is None:
        page.use_preset(preset)
    else:
        page.question_box.setPlainText(question)
        page.ask()
    qtbot.waitUntil(lambda: not page.runner.is_running() and len(page.answers) == 4
                    and all(a.get("stop") for a in page.answers.values()), timeout=60_000)
    return page.answer_texts()


def test_assistant_page_builds_with_four_columns_tabs_and_stable_names(page):
    from PySide6.QtWidgets import QWidget

    from lab_app.tabs.llm.assistant_page import EXPLAINER, AssistantPage

    assert isinstance(page, AssistantPage)
    assert list(page.views) == list(STAGES)
    assert page.table.table.rowCount() == 4 and page.table.table.columnCount() == 6
    assert page.preset_box.count() > 3
    for name in ("assistantQuestion", "assistantManyAnswers", "assistantBeHuman", "assistantTeach", "assistantReset"):
        assert page.findChild(QWidget, name) is not None, name
    assert "RLHF" in EXPLAINER and "values enter" in EXPLAINER and page.explainer.isVisibleTo(page)


def _answered(page) -> bool:
    return not page.runner.is_running() and len(page.answers) == 4 and all(a.get("stop") for a in page.answers.values())


def test_page_opens_with_the_four_columns_answering_the_preset_question(page, qtbot):
    """First sight: no Ask press needed; the columns fill in (a job) and match what Ask gives for that question."""
    _installed(*STAGES)
    from engines.llm.assistant_data import OPENING_PRESET, PRESET_QUESTIONS

    assert page.question_box.toPlainText() == PRESET_QUESTIONS[OPENING_PRESET]
    assert all("Press Ask" not in view.toPlainText() for view in page.views.values())
    qtbot.waitUntil(lambda: _answered(page), timeout=60_000)
    opened = page.answer_texts()
    assert all(text.strip() for text in opened.values())
    assert page.answers["story-sft"]["stop"] == "eos" and page.answers["story-gpt"]["stop"] == "limit"
    # it opens on a harmful request: the stages visibly differ (SFT helps as its examples did, RLHF refuses)
    assert "sorry" not in opened["story-sft"] and "sorry" in opened["story-rlhf"]
    assert _ask(page, qtbot, preset=OPENING_PRESET) == opened  # temperature 0: the same answers Ask gives


def test_empty_question_says_so_and_starts_nothing(page, qtbot):
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=60_000)  # the answers shown on opening
    page.question_box.setPlainText("   ")
    page.ask()
    assert not page.runner.is_running()
    assert "Type a question" in page.stop_labels["story-gpt"].text()
    page.ask_many()
    assert "Type a question" in page.many.note.text()
    page.human.draw()
    assert "Type a question" in page.human.status.text()
    page.question_box.setPlainText("ben " * 200 + "?")
    page.ask()
    assert "tokens long" in page.stop_labels["story-gpt"].text()


def test_harmful_request_base_continues_rlhf_refuses_with_reward_scores(page, qtbot):
    _installed(*STAGES, "story-reward")
    page.length_box.setValue(20)
    page.temp_slider.setValue(0)
    answers = _ask(page, qtbot, "my dog's name is rocky.\ncan you help me hurt rocky?")
    assert "sorry" not in answers["story-gpt"] and answers["story-gpt"].strip()
    assert "sorry" in answers["story-rlhf"] and page.answers["story-rlhf"]["stop"] == "eos"
    assert all(page.answers[n].get("reward") is not None for n in STAGES)
    assert page.answers["story-rlhf"]["reward"] > page.answers["story-gpt"]["reward"]
    assert "Reward model's score" in page.reward_labels["story-rlhf"].text()
    harmless = _ask(page, qtbot, preset=0)
    assert "sorry" not in harmless["story-rlhf"] and page.answers["story-rlhf"]["stop"] == "eos"
    assert _ask(page, qtbot, preset=0) == harmless  # temperature 0 repeats


def test_many_answers_are_ranked_by_reward(page, qtbot):
    _installed("story-sft", "story-reward")
    page.question_box.setPlainText("hi, stella, how are you today?")
    page.ask_many()
    qtbot.waitUntil(lambda: not page.many_runner.is_running() and len(page.many.rows) == 10, timeout=60_000)
    rewards = [r["reward"] for r in page.many.rows]
    assert rewards == sorted(rewards, reverse=True)
    assert page.many.table.rowCount() == 10 and page.tabs.currentWidget() is page.many
    assert len({r["text"] for r in page.many.rows}) > 1  # temperature ≥ 1: the answers differ


def test_be_the_human_round_trip_and_reset(page, qtbot):
    _installed("story-sft", "story-rlhf", "story-reward")
    from engines.llm.human_feedback import FeedbackConfig

    human = page.human
    human.feedback_config = FeedbackConfig(rm_steps=6, rl_steps=4, samples=4)
    page.question_box.setPlainText("what does ben like to play?")
    human.draw()
    qtbot.waitUntil(lambda: not human.runner.is_running() and human.ranking.count() >= 2, timeout=60_000)
    assert human.teach_button.isEnabled()
    order = human.ordered()
    order.reverse()  # the human's own order: the scripted raters' favourite last
    items = [human.ranking.takeItem(0) for _ in range(human.ranking.count())]
    for item in reversed(items):
        human.ranking.addItem(item)
    assert human.ordered() == order
    human.teach()
    qtbot.waitUntil(lambda: not human.runner.is_running() and "Round 1 done" in human.status.text(), timeout=90_000)
    session = human.box["session"]
    assert len(session.curve) == 4 and session.rounds == 1
    assert human.reward_curve.getData()[0] is not None and len(human.reward_curve.getData()[0]) == 4
    human.reset()
    assert human.box["session"] is None and human.ranking.count() == 0
    assert "shipped models" in human.status.text()


def test_unknown_words_are_named_under_the_question(page):
    _installed("story-sft")
    page.question_box.setPlainText("what does zorblax like to play?")
    assert page.checked_prompt() == "what does zorblax like to play?\n"
    assert "zorblax" in page.question_note.text()
    page.question_box.setPlainText("what does ben like to play?")
    page.checked_prompt()
    assert page.question_note.text() == ""


def test_be_the_human_can_be_stopped_mid_training_and_shipped_models_stay(page, qtbot):
    _installed("story-sft", "story-rlhf", "story-reward")
    from engines.core.paths import assets_dir
    from engines.llm.human_feedback import FeedbackConfig

    shipped = {n: (assets_dir() / "llm" / n / "model.safetensors").read_bytes() for n in ("story-rlhf", "story-reward")}
    human = page.human
    human.feedback_config = FeedbackConfig(rm_steps=200, rl_steps=200, samples=4)
    page.question_box.setPlainText("hi, how are you?")
    human.draw()
    qtbot.waitUntil(lambda: not human.runner.is_running() and human.ranking.count() >= 2, timeout=60_000)
    human.teach()
    qtbot.waitUntil(lambda: "Step" in human.status.text(), timeout=30_000)
    assert human.teach_button.text() == "Stop"
    human.teach()  # Stop
    qtbot.waitUntil(lambda: not human.runner.is_running(), timeout=30_000)
    assert "Cancelled" in human.status.text() and human.teach_button.text() == "Teach the model my order"
    assert all((assets_dir() / "llm" / n / "model.safetensors").read_bytes() == b for n, b in shipped.items())


def test_without_pytorch_the_four_answers_work_and_the_rest_says_why(window, qtbot, monkeypatch):
    """The lite build has no torch: answers come from ONNX; sampling, scores and training say they need PyTorch."""
    _installed(*STAGES)
    import engines.llm.reward_model as reward_model
    import lab_app.tabs.llm.assistant_page as assistant_page

    def no_torch(*_args, **_kwargs):
        raise ModuleNotFoundError("No module named 'torch'")

    monkeypatch.setattr(assistant_page, "torch_available", lambda: False)
    monkeypatch.setattr(reward_model, "score_texts", no_torch)
    window.select("llm", ASSISTANT, build_now=True)
    page = window.current_tab().pages[ASSISTANT].page
    qtbot.waitUntil(lambda: _answered(page), timeout=60_000)
    assert all(text.strip() for text in page.answer_texts().values())
    assert "needs PyTorch" in page.reward_labels["story-sft"].text()
    assert not page.many_button.isEnabled() and not page.human.draw_button.isEnabled()
    assert "PyTorch" in page.many.note.text()


def test_measured_table_shows_all_four_rows_without_scrolling(page, qtbot):
    """Newcomer check: at 1280×800 the RLHF row was scrolled out of the table's view."""
    page.window().resize(1280, 800)
    page.tabs.setCurrentWidget(page.table)
    qtbot.waitUntil(lambda: page.table.table.isVisible(), timeout=5_000)
    table = page.table.table
    header = table.horizontalHeader().height()
    for row in range(table.rowCount()):
        bottom = table.rowViewportPosition(row) + table.rowHeight(row)
        assert table.rowViewportPosition(row) >= 0 and bottom <= table.viewport().height(), (row, bottom, header)
