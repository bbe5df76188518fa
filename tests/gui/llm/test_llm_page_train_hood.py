"""Training on a small text file makes a model the other pages can pick; the engine race fills its table."""

from __future__ import annotations

TRAIN, HOOD, NEXT_WORD = 6, 7, 2


def test_training_on_a_tiny_file_adds_a_model_to_the_pickers(llm_page, window, qtbot, tmp_path):
    from engines.llm.storyworld import generate_story_world

    text_file = tmp_path / "tiny.txt"
    text_file.write_text(generate_story_world(1, 8000), encoding="utf-8")
    page = llm_page(TRAIN)
    page.set_source(str(text_file))
    page.steps_box.setValue(30)
    page.name_edit.setText("from tiny file")
    with qtbot.waitSignal(page.runner.finished, timeout=45_000):
        page.train_button.click()
    assert page.result.steps == 30
    assert page.folder.name.startswith("from-tiny-file")
    assert "Saved as" in page.status_label.text()
    assert len(page.losses) >= 1 and page.train_button.isEnabled()

    other = llm_page(NEXT_WORD)  # showEvent refreshes the picker
    assert other.picker.findData(page.folder.name) >= 0


def test_engine_race_times_torch_and_onnx_with_and_without_cache(llm_page, qtbot):
    page = llm_page(HOOD)
    assert not page.runner.is_running() and page.results is None  # opening the page starts no race
    assert page.placeholder.is_showing() and "Run the race" in page.placeholder.text()
    page.tokens_box.setValue(8)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.run_button.click()
    assert not page.placeholder.is_showing()
    labels = set(page.results)
    assert {"PyTorch CPU, cache", "PyTorch CPU, no cache", "ONNX Runtime CPU fp32, cache",
            "ONNX Runtime CPU int8, cache"} <= labels
    assert page.table.rowCount() == len(labels)
    cached = page.results["PyTorch CPU, cache"]["cache"]
    assert cached == sorted(cached) and cached[-1] > cached[0]  # the cache grows one position per token
    # the int8 rows made the int8 copy: the note under "ONNX precision" says what its check found, not "no copy yet"
    assert "int8 check on" in page.precision_label.text()


def test_a_pasted_paragraph_as_the_model_name_gives_a_usable_folder(tmp_path, monkeypatch):
    # Found by the monkey (seed 6, step 164): 100,000 characters typed as the name made Train raise "File name too
    # long" in the event loop.
    from lab_app.tabs.llm.train_page import unique_model_folder

    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    name = "the little dog plays fetch in the park every day. " * 2000
    first = unique_model_folder(name)
    first.mkdir(parents=True)
    second = unique_model_folder(name)
    second.mkdir()
    assert first.name.startswith("the-little-dog-plays-fetch") and len(first.name) <= 60
    assert second.name == first.name + "-2"


def test_the_race_table_shows_every_engine_in_full(llm_page, window, qtbot):
    # at 1280x800 each engine's name fits its cell on one line and all six CPU rows show without scrolling
    window.resize(1280, 800)
    page = llm_page(HOOD)
    page._show({label: {"ms": [1.0, 1.0], "cached": "no cache" not in label, "cache": [1, 2], "weights_mb": 4}
                for label in ("PyTorch CPU, cache", "PyTorch CPU, no cache", "ONNX Runtime CPU fp32, cache",
                              "ONNX Runtime CPU fp32, no cache", "ONNX Runtime CPU int8, cache",
                              "ONNX Runtime CPU int8, no cache")})
    qtbot.wait(100)
    table = page.table
    assert table.verticalScrollBar().maximum() == 0
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        text = table.item(row, 0).text()
        assert metrics.horizontalAdvance(text) + 12 <= table.columnWidth(0), text
