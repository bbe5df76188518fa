"""Shared helpers for the robustness tests: a tiny random GPT with a character tokenizer, and timing."""

from __future__ import annotations

import tempfile

import pytest

try:  # hypothesis keeps caches in .hypothesis/ under the working folder; keep them out of the checkout
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="ai-lab-hypothesis-"))
except ImportError:
    pass

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from rob_helpers import TEXT


@pytest.fixture(scope="session")
def char_tokenizer():
    from engines.llm.char_tokenizer import CharTokenizer

    return CharTokenizer.from_text(TEXT)


@pytest.fixture(scope="session")
def tiny_gpt(char_tokenizer):
    from engines.llm.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    return GPT(GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=32, vocab_size=char_tokenizer.vocab_size)).eval()


@pytest.fixture(scope="session")
def tiny_runner(tiny_gpt):
    from engines.llm.runners import TorchGPTRunner

    return TorchGPTRunner(tiny_gpt)
