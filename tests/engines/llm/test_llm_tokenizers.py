"""Tokenizers: every word gets a number; BPE round-trips any text; spans cover the text for colouring."""

import json
import random

import pytest

from engines.llm.storyworld import generate_story_world
from engines.llm.tokenizers import (
    BPE_EOS,
    META_NAME,
    BPETokenizer,
    HFTokenizer,
    TokenizerError,
    WordTokenizer,
    join_words,
    load_tokenizer,
    split_words,
)

TEXTS = [
    "My dog's name is Ben. Ben likes to play fetch!",
    "héllo wörld — naïve café 🙂🐕 中文字符 ελληνικά",
    "  leading and trailing spaces \t tabs\n\n\nnewlines \r\n windows  ",
    f"a special token spelled out: {BPE_EOS} stays text",
    "",
    "'quotes' \"double\" (brackets) [x] {y} 3.14 100% #tag @user",
]


@pytest.fixture(scope="module")
def corpus() -> str:
    return generate_story_world(seed=0, target_chars=150_000)


@pytest.fixture(scope="module")
def bpe(corpus) -> BPETokenizer:
    return BPETokenizer.train(corpus, vocab_size=600)


@pytest.fixture(scope="module")
def word(corpus) -> WordTokenizer:
    return WordTokenizer.train(corpus, max_vocab=5000)


def test_split_and_join_words():
    assert split_words("My dog's name is Ben.\nHi!") == ["my", "dog", "'s", "name", "is", "ben", ".", "\n", "hi", "!"]
    assert join_words(["my", "dog", "'s", "name", "is", "ben", ".", "\n", "hi", ",", "you", "?"]) == \
        "my dog's name is ben.\nhi, you?"


def test_word_tokenizer_numbers_words_and_marks_unknown(word):
    assert word.token_strings(range(3)) == ["<pad>", "<unk>", "<eos>"]
    assert word.vocab_size < 1000  # the story world has a small vocabulary
    ids = word.encode("My dog's name is Ben. Ben likes to play fetch.")
    assert word.unk_id not in ids
    assert word.decode(ids) == "my dog's name is ben. ben likes to play fetch."
    ids = word.encode("ben likes zebras")
    assert ids[-1] == word.unk_id and word.decode(ids) == "ben likes <unk>"
    small = WordTokenizer.train("a a a b b c", max_vocab=5)
    assert small.vocab == ["<pad>", "<unk>", "<eos>", "a", "b"]
    with pytest.raises(ValueError):
        WordTokenizer.train("a b", max_vocab=3)


def test_word_spans_cover_the_text(word):
    text = "Hey, how are you? My Zebra's name is Xyzzy!"
    spans = word.spans(text)
    covered = set()
    for start, end, token_id, unknown in spans:
        covered |= set(range(start, end))
        assert unknown == (token_id == word.unk_id)
        if not unknown:
            assert word.token_strings([token_id])[0] == text[start:end].lower()
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}
    assert [text[s:e] for s, e, _, u in spans if u] == ["Zebra", "Xyzzy"]
    assert [s[2] for s in spans] == word.encode(text)


@pytest.mark.parametrize("text", TEXTS)
def test_bpe_round_trips_exactly(bpe, text):
    ids = bpe.encode(text)
    assert bpe.decode(ids) == text
    assert all(0 <= i < bpe.vocab_size for i in ids)
    assert len(bpe.token_strings(ids)) == len(ids)


def test_bpe_round_trips_random_unicode(bpe):
    rng = random.Random(0)
    for _ in range(50):
        chars = []
        for _ in range(rng.randrange(1, 40)):
            cp = rng.choice((rng.randrange(32, 127), rng.randrange(0x80, 0xD800), rng.randrange(0x1F300, 0x1FAFF),
                             ord(rng.choice(" \n\t"))))
            chars.append(chr(cp))
        text = "".join(chars)
        assert bpe.decode(bpe.encode(text)) == text


def test_bpe_learns_words_and_spans_cover_text(bpe):
    assert 300 < bpe.vocab_size <= 600
    assert len(bpe.encode(" likes to play fetch")) == 4  # whole words after training on the story world
    text = "ben likes to play fetch 🙂 naïve"
    spans = bpe.spans(text)
    assert {i for s, e, _, _ in spans for i in range(s, e)} == set(range(len(text)))
    assert not any(u for *_, u in spans)
    assert [s[2] for s in spans] == bpe.encode(text)
    assert bpe.eos_id == bpe.hf.token_to_id(BPE_EOS)


def test_save_and_load_round_trip(tmp_path, word, bpe):
    text = "my dog's name is ben. ben likes zebras 🙂"
    for tok in (word, bpe):
        folder = tok.save(tmp_path / tok.kind)
        loaded = load_tokenizer(folder)
        assert type(loaded) is type(tok)
        assert loaded.encode(text) == tok.encode(text) and loaded.vocab_size == tok.vocab_size
    meta = json.loads((tmp_path / "word" / META_NAME).read_text())
    assert meta["kind"] == "word" and meta["vocab"][:3] == ["<pad>", "<unk>", "<eos>"]
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temporaries


def test_loads_a_hugging_face_tokenizer_json(tmp_path, bpe):
    folder = tmp_path / "gpt2-like"
    folder.mkdir()
    (folder / "tokenizer.json").write_text(bpe.hf.to_str(), encoding="utf-8")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    tok = load_tokenizer(folder)
    assert isinstance(tok, HFTokenizer) and tok.kind == "hf"
    assert tok.decode(tok.encode("hello 🙂 world")) == "hello 🙂 world"
    assert tok.eos_id is not None
    assert isinstance(load_tokenizer(folder / "tokenizer.json"), HFTokenizer)
    assert all(t.startswith("Ġ") for t in tok.raw_tokens(tok.encode(" likes to")))


def test_bad_tokenizer_folders(tmp_path):
    with pytest.raises(TokenizerError, match="no tokenizer"):
        load_tokenizer(tmp_path)
    (tmp_path / META_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(TokenizerError, match="not valid JSON"):
        load_tokenizer(tmp_path)
    (tmp_path / META_NAME).write_text('{"kind": "morse"}', encoding="utf-8")
    with pytest.raises(TokenizerError, match="unknown tokenizer kind"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(TokenizerError, match="not a valid"):
        HFTokenizer.from_file(tmp_path / "tokenizer.json")
