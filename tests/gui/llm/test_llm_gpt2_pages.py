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
