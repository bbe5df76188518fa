"""Generate page extras: three temperatures side by side, and the sampling tree."""

from __future__ import annotations

import pytest

GENERATE = 4


def _compare(page, qtbot, n_tokens: int) -> list[str]:
    page.length_box.setValue(n_tokens)
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.compare_view.run_button.click()
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=5000)
    return [page.compare_view.column_text(i) for i in range(3)]


def test_three_temperatures_fill_three_columns_and_zero_repeats(llm_page, qtbot):
    page = llm_page(GENERATE)
    page.compare_delay = 0.0
    page.prompt_box.setPlainText("hey, how are")
    page.views.setCurrentWidget(page.compare_view)
    assert page.compare_view.temperatures() == [0.0, 0.8, 2.5]  # the third column shows what "too high" does
    assert "always the same" in page.compare_view.notes[0].text()
    assert "too high" in page.compare_view.notes[2].text()
    first = _compare(page, qtbot, 6)
    for i, text in enumerate(first):
        assert text.startswith("hey, how are") and len(text) > len("hey, how are"), i
        assert len(page.compare_view.texts[i]) > 0
    page.seed_box.setValue(11)  # another seed: the dice change, the greedy column cannot
    second = _compare(page, qtbot, 6)
    assert second[0] == first[0]
    assert _compare(page, qtbot, 6) == second  # same seed, same three texts
    page.compare_view.temp_boxes[2].setValue(0.0)
    assert "always the same" in page.compare_view.notes[2].text()
    third = _compare(page, qtbot, 6)
    assert third[2] == third[0]


def test_sampling_tree_branches_and_path_grows(llm_page, qtbot):
    page = llm_page(GENERATE)
    page.prompt_box.setPlainText("hey, how are")
    tree = page.tree_view
    page.views.setCurrentWidget(tree)  # opening the tab grows the first level
    qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == tree.top(), timeout=15_000)
    top = tree.children_probs()
    assert 0 < sum(top) <= 1 + 1e-6 and top == sorted(top, reverse=True)
    assert tree.path_text() == "hey, how are"
    first = tree.tree.topLevelItem(0)
    tree.click(first)
    qtbot.waitUntil(lambda: first.childCount() == tree.top(), timeout=15_000)
    probs = tree.children_probs(first)
    assert 0 < sum(probs) <= 1 + 1e-6
    one = tree.path_text()
    assert len(one) > len("hey, how are") and one.startswith("hey, how are")
    child = first.child(1)  # not the favourite: branching from any candidate
    tree.click(child)
    qtbot.waitUntil(lambda: child.childCount() == tree.top(), timeout=15_000)
    assert 0 < sum(tree.children_probs(child)) <= 1 + 1e-6
    assert len(tree.path_text()) > len(one)
    assert first.isExpanded() and child.isExpanded()
    page.prompt_box.setPlainText("my dog")  # a new prompt starts a new tree
    qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == tree.top(), timeout=15_000)
    assert tree.path_text() == "my dog"


def test_sampling_tree_restart_uses_new_width(llm_page, qtbot):
    page = llm_page(GENERATE)
    tree = page.tree_view
    page.views.setCurrentWidget(tree)
    qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == tree.top(), timeout=15_000)
    tree.top_box.setValue(8)
    tree.grow_button.click()
    qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == 8, timeout=15_000)
    assert sum(tree.children_probs()) <= 1 + 1e-6


def test_page_opens_writing_without_a_press(window, qtbot):
    """First sight (newcomer check): the shipped model starts writing after the prompt on its own; Reset stops it."""
    window.select("llm", 4, build_now=True)
    page = window.current_tab().pages[4].page
    if page.picker.current_name() is None:
        pytest.skip("no shipped model")
    qtbot.waitUntil(lambda: len(page.new_ids) >= 3, timeout=30_000)
    assert page.generated_text.strip() and "Step" in page.bars.title
    page.reset_button.click()
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=10_000)
    assert page.new_ids == []


def test_tree_restarted_with_another_n_while_a_run_ends_shows_that_n(llm_page, qtbot):
    """Found when Generate began writing on open: switching to the tree while a run was stopping queued the first
    level twice, and an answer asked for with Top 5 landed after "Start from the prompt" with Top 3."""
    page = llm_page(GENERATE)
    page.play_button.click()  # a run going on while the tree is opened and restarted
    tree = page.tree_view
    page.views.setCurrentWidget(tree)
    tree.grow_button.click()
    assert page._branch_queue.count([]) <= 1
    tree.top_box.setValue(3)
    tree.grow_button.click()
    page.play_button.click() if page.play_button.text() == "Pause" else None
    qtbot.waitUntil(lambda: not page.runner.is_running() and not page._branch_queue, timeout=30_000)
    assert tree.tree.topLevelItemCount() == 3
