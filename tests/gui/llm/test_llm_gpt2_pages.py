"""Every LLM page with an imported GPT-2 (a tiny random one, 3 layers × 4 heads, byte-level BPE, built here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "engines" / "llm"))
from gpt2_folders import tiny_gpt2  # noqa: E402

GPT2_NAME = "gpt2-test"
TOKENS, NGRAMS, NEXT_WORD, ATTENTION, GENERATE, HOOD = 0, 1, 2, 3, 4, 7
LAYERS, HEADS = 3, 4


@pytest.fixture(scope="session")
def gpt2_model(tmp_path_factory) -> str:
    """Imported through the same job as the dialog: checked, installed, exported (fp32 + int8)."""
    import torch

    from engines.core.jobs import run_job
    from engines.core.paths import user_models_dir
    from engines.llm.gpt2_install import import_job

    torch.set_num_threads(1)
    if not (user_models_dir() / GPT2_NAME / "model.safetensors").is_file():
        source = tiny_gpt2(tmp_path_factory.mktemp("src") / GPT2_NAME, vocab=400, layers=LAYERS, heads=HEADS,
                           width=32, positions=256)
        run_job(import_job(source))
    return GPT2_NAME


@pytest.fixture
def gpt2_page(window, gpt2_model):
    def get(index: int):
        window.select("llm", index, build_now=True)
        page = window.current_tab().pages[index].page
        if getattr(page, "picker", None) is not None:
            page.picker.select(gpt2_model)
            assert page.picker.current_name() == gpt2_model
        return page

    return get


def test_attention_overview_has_every_head_and_a_click_opens_one(gpt2_page, qtbot):
    page = gpt2_page(ATTENTION)
    qtbot.waitUntil(lambda: page.data is not None and page.grid.shape == (LAYERS, HEADS), timeout=20_000)
    target = page.grid.cell_rect(2, 3).center()
    qtbot.mouseClick(page.grid, qtbot_button(), pos=target.toPoint())
    assert page.layer_box.value() == 2 and page.head_box.currentData() == 3
    assert page.heat_plot.plotItem.titleLabel.text == "Layer 2, head 3"
    assert (page.current_matrix() == page.data["attention"][2, 3]).all()
    assert page.grid.selected == (2, 3)


def test_attention_lines_stay_readable_on_a_long_prompt(gpt2_page, qtbot):
    from lab_app.tabs.llm.attention_lines import MIN_ROW

    page = gpt2_page(ATTENTION)
    prompt = "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea. " * 6
    page.prompt_box.setPlainText(prompt)
    qtbot.waitUntil(lambda: page.data is not None and "".join(page.data["tokens"]) == prompt, timeout=20_000)
    n = len(page.data["tokens"])
    assert n > 60 and page.lines.height() >= MIN_ROW * n  # taller than the page: the scroll area scrolls
    assert page.lines.height() > page.lines_scroll.viewport().height()
    bar = page.lines_scroll.verticalScrollBar()
    assert bar.value() > 0  # scrolled so the chosen (last) token is in view
    page.query_box.setCurrentIndex(0)
    assert bar.value() == 0


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_hood_races_fp32_and_int8_and_the_precision_choice_sticks(gpt2_page, qtbot):
    from engines.llm.gpt2_int8 import chosen_precision
    from engines.llm.model_store import resolve_model

    page = gpt2_page(HOOD)
    folder = resolve_model(GPT2_NAME)
    assert page.precision_box.currentData() == chosen_precision(folder)
    assert "Moby-Dick" in page.precision_label.text() and "%" in page.precision_label.text()
    page.tokens_box.setValue(6)
    with qtbot.waitSignal(page.runner.finished, timeout=120_000):
        page.run_button.click()
    fp32, int8 = page.results["ONNX Runtime CPU fp32, cache"], page.results["ONNX Runtime CPU int8, cache"]
    assert int8["weights_mb"] < fp32["weights_mb"]
    weights_column = [page.table.item(r, 3).text() for r in range(page.table.rowCount())]
    assert all(text.endswith("MB") for text in weights_column)
    other = "fp32" if page.precision_box.currentData() == "int8" else "int8"
    page.precision_box.setCurrentIndex(page.precision_box.findData(other))
    page.precision_box.activated.emit(page.precision_box.currentIndex())
    assert chosen_precision(folder) == other
    try:
        from lab_app.tabs.llm.common import open_cached

        runner = open_cached(GPT2_NAME, "onnx", "cpu", 1)[0]  # every page's ONNX runs now use that copy
        assert runner.path.name.endswith(".int8.onnx") == (other == "int8")
    finally:
        from engines.llm.gpt2_int8 import _choices_file

        _choices_file().unlink(missing_ok=True)


def test_tokens_page_shows_gpt2_pieces_with_visible_spaces_and_its_vocabulary(gpt2_page, qtbot):
    from engines.llm.model_store import load_model_tokenizer, resolve_model

    page = gpt2_page(TOKENS)
    qtbot.waitUntil(lambda: page.result is not None and "gpt2_ids" in page.result, timeout=20_000)
    page.text_box.setPlainText("Call me Ishmael")
    qtbot.waitUntil(lambda: page.result.get("gpt2_ids") and len(page.result["gpt2_ids"]) < 15, timeout=5000)
    tokenizer = load_model_tokenizer(resolve_model(GPT2_NAME))
    assert page.result["gpt2_ids"] == tokenizer.encode("Call me Ishmael")
    assert any(p.startswith("␣") for p in page.result["gpt2_pieces"]) and not any("Ġ" in p for p in
                                                                                 page.result["gpt2_pieces"])
    assert f"{tokenizer.vocab_size:,} pieces" in page.gpt2_title.text()
    assert "␣" in page.gpt2_view.toPlainText() and page.gpt2_view.isVisible()
    assert "gpt2-test tokens" in page.counts_label.text()


def test_spreadsheet_sizes_use_gpt2s_vocabulary_next_to_its_parameters(gpt2_page, qtbot):
    page = gpt2_page(NGRAMS)
    qtbot.waitUntil(lambda: page.model is not None, timeout=20_000)
    page.refresh()
    info = page.picker.current_info()
    html = page.size_view.toPlainText()
    vocab = info["vocab_size"]
    assert f"cells for {GPT2_NAME}'s {vocab:,} tokens" in html
    assert f"{info['parameters']:,}" in html and f"{vocab ** 2 / info['parameters']:,.0f} times" in html
    qtbot.waitUntil(lambda: len(page.gpt_bars.items) > 0, timeout=20_000)  # the GPT-2 guesses beside the table


def test_next_word_and_generate_run_with_gpt2(gpt2_page, qtbot):
    page = gpt2_page(NEXT_WORD)
    page.prompt_box.setPlainText("Call me")
    qtbot.waitUntil(lambda: page.last is not None and page.last["tokens"][-1].strip() == "me", timeout=20_000)
    page = gpt2_page(GENERATE)
    page.prompt_box.setPlainText("Call me")
    page.reset()
    page.step_button.click()
    qtbot.waitUntil(lambda: len(page.new_ids) == 1 and page.step_button.isEnabled(), timeout=20_000)
    assert page.full_text().startswith("Call me") and 0 <= page.new_ids[0] < 400


def test_sampling_tree_and_three_temperatures_run_with_gpt2(gpt2_page, qtbot):
    page = gpt2_page(GENERATE)
    page.prompt_box.setPlainText("Call me")
    tree = page.tree_view
    page.views.setCurrentWidget(tree)
    qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == tree.top(), timeout=20_000)
    probs = tree.children_probs()
    assert 0 < sum(probs) <= 1 + 1e-6 and probs == sorted(probs, reverse=True)
    page.compare_delay = 0.0
    page.views.setCurrentWidget(page.compare_view)
    page.length_box.setValue(4)
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.compare_view.run_button.click()
    texts = [page.compare_view.column_text(i) for i in range(3)]
    assert all(t.startswith("Call me") and len(t) > len("Call me") for t in texts)
