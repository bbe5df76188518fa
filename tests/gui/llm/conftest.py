"""A tiny word-level GPT trained once per session on a slice of the story world (a few seconds)."""

from __future__ import annotations

import numpy as np
import pytest

TINY_MODEL = "tiny-test-gpt"


@pytest.fixture(scope="session")
def tiny_model() -> str:
    from engines.core.jobs import run_job
    from engines.core.paths import user_models_dir
    from engines.llm.storyworld import generate_story_world
    from engines.llm.tokenizers import WordTokenizer
    from engines.llm.train import TrainConfig, train_gpt

    folder = user_models_dir() / TINY_MODEL
    if not (folder / "model.safetensors").is_file():
        text = generate_story_world(0, 100_000)
        tokenizer = WordTokenizer.train(text)
        ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
        config = TrainConfig.preset_config("tiny", n_layer=2, n_head=2, n_embd=48, block_size=32, batch_size=16,
                                           max_steps=200, lr=5e-3, eval_interval=100, sample_interval=0,
                                           checkpoint_interval=1000)
        run_job(train_gpt(ids, config, folder, tokenizer=tokenizer))
    return TINY_MODEL


@pytest.fixture
def llm_page(window, qtbot, tiny_model):
    """``llm_page(i)``: page i of the LLM tab, built, with the tiny model picked where there is a picker."""

    def get(index: int):
        window.select("llm", index, build_now=True)
        page = window.current_tab().pages[index].page
        picker = getattr(page, "picker", None)
        if picker is not None:
            picker.select(tiny_model)
        return page

    return get
