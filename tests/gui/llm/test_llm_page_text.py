"""Words are numbers, the spreadsheet and next-word bars react to what the user types."""

from __future__ import annotations

TOKENS, NGRAMS, NEXT_WORD = 0, 1, 2


def test_tokens_page_numbers_words_and_marks_unknown_ones(llm_page, qtbot):
    page = llm_page(TOKENS)
    qtbot.waitUntil(lambda: page.result is not None, timeout=10_000)
    page.text_box.setPlainText("how are you zorblax")
    qtbot.waitUntil(lambda: len(page.result["word_ids"]) == 4, timeout=3000)
    assert page.result["unknown"] == ["zorblax"]
    assert len(page.result["bpe_ids"]) > 4  # the made-up word falls apart into BPE pieces
    assert "1 unknown" in page.counts_label.text().replace("<b>", "").replace("</b>", "")
    assert "&lt;unk&gt;" in page.word_view.toHtml() or "<unk>" in page.word_view.toPlainText()


def test_a_pasted_book_is_counted_whole_but_drawn_in_part(llm_page, qtbot):
    """Found by the monkey: 100,000 characters froze the window for seconds while every token was drawn."""
    import time

    from lab_app.tabs.llm.tokens_page import MAX_SHOWN_TOKENS

    page = llm_page(TOKENS)
    qtbot.waitUntil(lambda: page.result is not None, timeout=10_000)
    page.text_box.setPlainText("my dog's name is ben. " * 5000)  # 7 word tokens each: my dog 's name is ben .
    page.debounce.timer.stop()
    started = time.perf_counter()
    page.refresh()
    took = time.perf_counter() - started
    assert len(page.result["word_ids"]) == 35_000
    assert "35000" in page.counts_label.text()
    assert page.word_view.toPlainText().count("ben") == MAX_SHOWN_TOKENS // 7
    assert f"{35_000 - MAX_SHOWN_TOKENS:,} more tokens" in page.word_view.toPlainText()
    assert took < 2.0, f"refresh took {took:.1f} s"


def test_spreadsheet_says_you_after_how_are(llm_page, qtbot):
    page = llm_page(NGRAMS)
    qtbot.waitUntil(lambda: page.model is not None, timeout=10_000)
    page.use_preset("how are")
    assert page.table.context_used == ("how", "are")
    assert page.table.rows[0][0] == "you"
    row = page.sheet.window.focus  # the spreadsheet's own row for "how are": its biggest count is under "you"
    assert page.sheet.window.row_contexts[row] == ("how", "are") and page.sheet.window.columns[0] == "you"
    assert page.bars.items[0][0] == "you"
    assert "50,000" in page.size_view.toPlainText()
    page.n_group.button(1).setChecked(True)
    assert page.table.context_used == ("are",)


def test_next_word_bars_follow_typing_and_click_appends(llm_page, qtbot):
    page = llm_page(NEXT_WORD)
    page.prompt_box.setPlainText("hey, how are")
    qtbot.waitUntil(lambda: page.last is not None and page.last["tokens"][-1] == "are", timeout=10_000)
    assert len(page.bars.items) == 20
    assert page.bars.items[0][0] == "you"
    first = page.bars.items[0][0]
    page.bars.clicked.emit(0)
    assert page.prompt_box.toPlainText() == "hey, how are " + first
    qtbot.waitUntil(lambda: page.last["tokens"][-1] == first, timeout=10_000)


ATTENTION, GENERATE = 3, 4


def test_attention_heatmap_is_tokens_by_tokens_and_exports(llm_page, qtbot, tmp_path):
    page = llm_page(ATTENTION)
    page.prompt_box.setPlainText("my dog's name is ben. ben likes to play")
    qtbot.waitUntil(lambda: page.data is not None and page.data["tokens"][-1] == "play", timeout=10_000)
    n = len(page.data["tokens"])
    assert page.heat_image.image.shape == (n, n)
    assert abs(page.current_matrix()[-1].sum() - 1.0) < 1e-4  # each row of attention sums to 1
    assert page.current_matrix()[0, 1:].sum() == 0  # the first token cannot look ahead
    page.head_box.setCurrentIndex(0)  # average of heads
    assert page.heat_image.image.shape == (n, n)
    page.query_box.setCurrentIndex(3)
    assert page.lines.query == 3
    png, csv = page.export_png(tmp_path / "a.png"), page.export_csv(tmp_path / "a.csv")
    assert png.stat().st_size > 1000
    assert len(csv.read_text().splitlines()) == n + 1


def test_attention_export_to_a_place_it_cannot_write_says_so(llm_page, qtbot, tmp_path, monkeypatch):
    # Found by the monkey (seed 2, 300 s): exporting the CSV to /proc/self/mem raised in the event loop.
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    page = llm_page(ATTENTION)
    page.prompt_box.setPlainText("my dog's name is ben")
    qtbot.waitUntil(lambda: page.data is not None, timeout=10_000)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, title, text: shown.append(text)))
    for target in ("/proc/self/mem", "/", str(tmp_path)):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, t=target, **_k: (t, "")))
        page.csv_button.click()
        page.png_button.click()
    assert len(shown) == 6 and all(text.startswith("Could not save") for text in shown)
    assert "that is a folder" in shown[-1]


def _generate(page, qtbot, steps: int) -> str:
    page.reset()
    for _ in range(steps):
        before = len(page.new_ids)
        page.step_button.click()
        qtbot.waitUntil(lambda: len(page.new_ids) == before + 1 and page.step_button.isEnabled(), timeout=10_000)
    return page.full_text()


def test_stepping_appends_tokens_and_temperature_zero_repeats(llm_page, qtbot):
    page = llm_page(GENERATE)
    page.prompt_box.setPlainText("hey, how are")
    page.temp_slider.setValue(0)
    first = _generate(page, qtbot, 3)
    assert len(page.new_ids) == 3 and page.bars.chosen_id == page.new_ids[-1]
    assert first.startswith("hey, how are") and len(first) > len("hey, how are")
    assert _generate(page, qtbot, 3) == first
    page.temp_slider.setValue(150)
    page.seed_box.setValue(3)
    a = _generate(page, qtbot, 4)
    assert _generate(page, qtbot, 4) == a  # same seed, same dice
    page.reset()
    page.length_box.setValue(5)
    with qtbot.waitSignal(page.runner.finished, timeout=20_000):
        page.play_button.click()
    assert len(page.new_ids) == 5


def test_the_spreadsheet_size_table_shows_all_its_rows_at_1280x800(llm_page, window, qtbot):
    # the "How big is the spreadsheet?" table ends with the 3-words row (6.25 × 10¹⁸ cells, which the explainer
    # quotes): it is on screen without scrolling the box
    window.resize(1280, 800)
    page = llm_page(NGRAMS)
    qtbot.waitUntil(lambda: page.model is not None, timeout=10_000)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800), timeout=3000)
    qtbot.wait(200)
    view = page.size_view
    last_row = view.document().find("10¹⁸")
    assert not last_row.isNull(), view.toPlainText()[:300]
    view.verticalScrollBar().setValue(0)
    assert view.cursorRect(last_row).bottom() <= view.viewport().height(), (view.cursorRect(last_row),
                                                                           view.viewport().height())
