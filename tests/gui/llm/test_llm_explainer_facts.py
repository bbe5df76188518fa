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


def test_spreadsheet_sizes_in_the_sentence_are_computed_and_match_the_size_table(llm_page, qtbot):
    """Flag 1: 50,000⁴ = 6.25 × 10¹⁸ cells for three words, not 'more than atoms on Earth'; the page's table agrees."""
    from engines.llm.ngrams import cells_needed, context_to_outnumber
    from lab_app.tabs.llm.common import human_count
    from lab_app.tabs.llm.ngrams_page import BIG_VOCAB, EARTH_ATOMS, EXPLAINER

    text = " ".join(_plain(EXPLAINER).split())
    assert human_count(50_000**2) == "2.5 billion" and human_count(50_000**4) == "6.25 × 10¹⁸"
    assert "2.5 billion cells" in text and "three words 6.25 × 10¹⁸" in text
    assert "25 million terabytes" in text  # 6.25e18 cells × 4 bytes = 2.5e19 bytes
    words = context_to_outnumber(BIG_VOCAB, EARTH_ATOMS)
    assert cells_needed(BIG_VOCAB, words) < EARTH_ATOMS < cells_needed(BIG_VOCAB, words + 1) and words == 10
    assert f"from {words} words of context on" in text
    page = llm_page(1)
    qtbot.waitUntil(lambda: page.model is not None, timeout=10_000)
    sizes = page.size_view.toPlainText()
    for k in (1, 2, 3):
        assert human_count(cells_needed(BIG_VOCAB, k + 1)) in sizes
    assert f"{page.model.vocab_size:,} different words and punctuation marks" in sizes


def test_sampling_tree_says_how_many_candidates_it_shows(llm_page, qtbot):
    """Flag 9: the tree shows the top n per branch, not every possible token, and its intro says n."""
    page = llm_page(4)
    tree = page.tree_view
    page.views.setCurrentWidget(tree)
    for n in (5, 3):
        tree.top_box.setValue(n)
        tree.grow_button.click()
        qtbot.waitUntil(lambda: tree.tree.topLevelItemCount() == n, timeout=15_000)
        assert tree.intro.text().startswith(f"The {n} most likely next tokens")
    assert "Every possible" not in tree.intro.text()

