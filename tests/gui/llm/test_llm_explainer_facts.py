"""Numbers and claims in the LLM tab's texts agree with the tokenizers, the tables and with each other."""

from __future__ import annotations

import re

import pytest


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">")


@pytest.fixture(scope="module")
def story_tools():
    from lab_app.tabs.llm.ngrams_page import build_ngrams
    from lab_app.tabs.llm.tokens_page import build_tokenizers

    word_tok, bpe_tok = build_tokenizers()
    return word_tok, bpe_tok, build_ngrams()


def test_word_dictionary_size_is_the_spreadsheets_words_plus_its_extras(story_tools):
    """326 on one page, 322 on the other: the title says where the difference comes from, from the tokenizer."""
    from lab_app.tabs.llm.tokens_page import word_title_text

    word_tok, _, ngrams = story_tools
    title = _plain(word_title_text(word_tok))
    entries, words, specials = (int(n.replace(",", "")) for n in
                                re.search(r"([\d,]+) entries: the ([\d,]+) different words.* and (\d+) special",
                                          title).groups())
    assert entries == word_tok.vocab_size
    assert words == ngrams.vocab_size  # the spreadsheet's "uses N different words and marks"
    assert entries == words + 1 + specials  # + the line break
    assert f"<unk> (id {word_tok.unk_id})" in title


def test_tokens_explainer_examples_are_true(story_tools):
    """'long' is unknown to the word dictionary; BPE splits 'Ben' but keeps 'ben' whole."""
    from lab_app.tabs.llm.tokens_page import EXPLAINER

    word_tok, bpe_tok, _ = story_tools
    assert "“long”" in EXPLAINER and "“Ben”" in EXPLAINER
    assert word_tok.encode("long") == [word_tok.unk_id]
    assert len(bpe_tok.encode(" long")) > 1
    assert len(bpe_tok.encode(" ben")) == 1 and len(bpe_tok.encode(" Ben")) > 1
