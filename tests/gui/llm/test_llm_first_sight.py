"""LLM pages at first sight: the spreadsheet is a real grid of the engine's counts that zooms out to show the
explosion; Next word and Attention say what loads; Under the hood waits to be asked; temperature goes to 3."""

from __future__ import annotations

import numpy as np

NGRAMS, NEXT_WORD, ATTENTION, GENERATE, HOOD = 1, 2, 3, 4, 7
BEN = "my dog's name is ben. ben likes to play"


def ready_sheet(llm_page, qtbot):
    page = llm_page(NGRAMS)
    qtbot.waitUntil(lambda: page.model is not None and page.sheet.window is not None, timeout=20_000)
    return page


def test_spreadsheet_grid_shows_the_engines_counts_for_the_ben_preset(llm_page, qtbot):
    from engines.llm.tokenizers import split_words

    page = ready_sheet(llm_page, qtbot)
    page.use_preset(BEN)
    words = [w for w in split_words(BEN)]
    for n in (1, 2, 3):
        page.n_group.button(n).setChecked(True)
        sheet = page.sheet.window
        context = tuple(words[-n:])
        assert sheet.row_contexts[sheet.focus] == context
        expected = page.model.tables[n][context]
        for j, word in enumerate(sheet.columns):
            assert sheet.counts[sheet.focus, j] == expected.get(word, 0), (n, word)
        assert set(sheet.columns[:2]) == {"fetch", "soccer"}  # the near coin-flip, side by side
        assert sheet.total_rows == page.model.vocab_size ** n
        # every other shown row holds the engine's counts too, empty where the text never had that context
        for i, row in enumerate(sheet.row_contexts):
            counts = page.model.tables[n].get(row, {})
            assert sheet.counts[i].sum() == sum(counts.get(w, 0) for w in sheet.columns)
    assert "33,076,161 rows" in page.sheet_label.text().replace("<b>", "").replace("</b>", "")


def test_zooming_out_shows_more_cells_and_the_rows_exploding(llm_page, qtbot):
    page = ready_sheet(llm_page, qtbot)
    page.use_preset(BEN)
    page.n_group.button(1).setChecked(True)
    near = page.sheet.window.counts.shape
    page.zoom_slider.setValue(page.zoom_slider.maximum())
    far = page.sheet.window.counts.shape
    assert far[0] > near[0] * 4 and far[1] > near[1] * 4
    shares = []
    for n in (1, 2, 3):
        page.n_group.button(n).setChecked(True)
        shares.append(page.sheet.shown_fraction())
    assert shares[0] > 100 * shares[1] > 100 * 100 * shares[2]  # each word of context: ~321 times more rows
    filled = int((page.sheet.window.counts > 0).sum())
    assert 0 < filled < 0.01 * page.sheet.window.counts.size  # 3 words of context: the grid is almost all empty


def test_spreadsheet_and_next_word_offer_the_same_ben_prompt(llm_page, qtbot):
    from lab_app.tabs.llm import next_word_page, ngrams_page

    assert BEN in ngrams_page.PRESETS
    assert BEN in dict(next_word_page.EXAMPLES).values()
    assert next_word_page.DEFAULT_PROMPT == BEN
    page = ready_sheet(llm_page, qtbot)
    qtbot.waitUntil(lambda: len(page.gpt_bars.items) > 0, timeout=30_000)  # the transformer's guess beside the table's
    assert "reading all 11 tokens" in page.gpt_bars.title
    assert [w for w, _, _ in page.bars.items[:2]] == ["fetch", "soccer"]


def test_next_word_and_attention_say_what_loads_then_show_the_result(llm_page, qtbot):
    page = llm_page(NEXT_WORD)
    if not page.bars.items:
        assert "Loading" in page.bars.placeholder
    qtbot.waitUntil(lambda: len(page.bars.items) > 0, timeout=30_000)

    page = llm_page(ATTENTION)
    qtbot.waitUntil(lambda: page.data is not None, timeout=30_000)
    assert not page.placeholder.is_showing()
    page.prompt_box.setPlainText("")
    assert not page.placeholder.is_showing()  # a result was shown: the note does not come back over it


def test_attention_note_covers_the_heatmap_until_the_first_result(llm_page, qtbot, window):
    page = llm_page(ATTENTION)
    if page.data is None:
        assert page.placeholder.is_showing() and "Loading" in page.placeholder.text()
        assert page.placeholder.geometry() == page.picture.rect()


def test_under_the_hood_waits_to_be_asked(llm_page, qtbot):
    page = llm_page(HOOD)
    qtbot.wait(500)
    assert not page.runner.is_running() and page.results is None
    assert page.placeholder.is_showing() and "Run the race" in page.placeholder.text()


def test_running_median_removes_one_off_spikes():
    from lab_app.tabs.llm.hood_page import running_median

    ms = np.array([2.0, 2.1, 2.0, 280.0, 2.2, 2.1, 2.3, 2.2, 2.4])
    smooth = running_median(ms, 7)
    assert smooth.max() < 3.0 and len(smooth) == len(ms)
    assert np.allclose(running_median(np.arange(10.0), 3)[1:-1], np.arange(1.0, 9.0))  # a trend stays a trend


def test_temperature_reaches_too_high(llm_page):
    page = llm_page(GENERATE)
    page.temp_slider.setValue(page.temp_slider.maximum())
    assert page.temperature == 3.0
    assert "too high" in page.temp_note.text()
    page.temp_slider.setValue(80)
    assert "too high" not in page.temp_note.text()
    boxes = page.compare_view.temp_boxes
    assert boxes[-1].maximum() >= 3.0 and boxes[-1].value() >= 2.0  # one column shows "too high" by default


def test_attention_note_says_why_when_the_model_cannot_load(llm_page, qtbot, monkeypatch):
    from lab_app.tabs.llm import attention_page

    def broken(*_args):
        raise ValueError("the model file is damaged")

    page = llm_page(ATTENTION)
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=30_000)
    page.data = None  # as before any result
    monkeypatch.setattr(attention_page, "attention_for", broken)
    with qtbot.waitSignal(page.runner.failed, timeout=10_000):
        page.compute()
    assert page.placeholder.is_showing() and "damaged" in page.placeholder.text()


def test_attention_resizing_only_refits_the_token_labels_once_at_rest(llm_page, qtbot, window, monkeypatch):
    """Dragging the window edge sends many resizes: the heatmap and the lines are not redrawn for each; the labels
    under the heatmap are refitted once the size rests, fewer of them when the plot got narrower."""
    from lab_app.tabs.llm.attention_page import TICK_PX

    window.resize(1600, 1000)
    page = llm_page(ATTENTION)
    page.prompt_box.setPlainText(" ".join([BEN] * 6))
    qtbot.waitUntil(lambda: page.data is not None and len(page.data["tokens"]) >= 30, timeout=30_000)
    qtbot.wait(300)
    labels = lambda: len(page.heat_plot.getAxis("bottom")._tickLevels[0])  # noqa: E731
    wide = labels()
    redraws = []
    monkeypatch.setattr(page.lines, "set_data", lambda *a, **k: redraws.append(a))
    for width in (1500, 1300, 1100, 900, 800):
        window.resize(width, 1000)
        qtbot.wait(10)
    assert labels() == wide  # not refitted while the size is still changing
    qtbot.waitUntil(lambda: labels() < wide, timeout=3_000)
    assert labels() <= max(2, page.heat_plot.width() // TICK_PX)
    assert redraws == []  # the heatmap's picture and the lines did not change, so they were not redrawn
