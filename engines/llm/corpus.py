"""Training text: the user's own UTF-8 file (checked, with clear errors), the story world or Moby-Dick.

:func:`read_text_corpus` is the one reader of a text file a user picks (training text here, lines to search and
playlist CSVs in engines.embeddings).

:func:`read_text_corpus` refuses, each with its own :class:`CorpusError` subclass and a message
a person can act on: a missing path, an empty or whitespace-only file, a binary file (NUL bytes,
a PDF/Word/zip signature, or mostly control characters), text that is not UTF-8 (with the byte
offset of the first bad byte), a file too short to learn from (saying how much is needed) and
a file over the size cap.
"""

from __future__ import annotations

from pathlib import Path

MIN_CORPUS_CHARS = 1000
MAX_CORPUS_BYTES = 100 * 1024**2
MOBY_DICK_ASSET = "llm/moby-dick.txt"
BUILTIN_CORPORA = ("storyworld", "mobydick")

_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive (Word .docx, OpenDocument and e-book files are zips)",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office document",
    b"{\\rtf": "an RTF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}
_SAVE_AS_TEXT = "save it as plain text (.txt, UTF-8) and pick that file"


class CorpusError(ValueError):
    """A text file that cannot be used for training. ``path`` says which."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path.name}: {message}")


class CorpusMissingError(CorpusError):
    pass


class CorpusEmptyError(CorpusError):
    pass


class CorpusBinaryError(CorpusError):
    pass


class CorpusEncodingError(CorpusError):
    def __init__(self, path: str | Path, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(path, message)


class CorpusTooShortError(CorpusError):
    def __init__(self, path: str | Path, message: str, found: int, needed: int) -> None:
        self.found, self.needed = found, needed
        super().__init__(path, message)


class CorpusTooLargeError(CorpusError):
    pass


def read_text_corpus(path: str | Path, min_chars: int = MIN_CORPUS_CHARS,
                     max_bytes: int = MAX_CORPUS_BYTES) -> str:
    """Return the text of the UTF-8 file ``path`` (line endings made ``\\n``, a BOM dropped).

    Raises a :class:`CorpusError` subclass when the file is missing, empty, binary, not UTF-8,
    shorter than ``min_chars`` non-space-trimmed characters or larger than ``max_bytes``.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusMissingError(path, "the file does not exist")
    if not path.is_file():
        raise CorpusMissingError(path, "this is a folder (or a device), not a text file")
    size = path.stat().st_size
    if size > max_bytes:
        raise CorpusTooLargeError(path, f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB "
                                        "(use a part of it)")
    data = path.read_bytes()
    if not data:
        raise CorpusEmptyError(path, "the file is empty")
    for magic, what in _SIGNATURES.items():
        if data.startswith(magic):
            raise CorpusBinaryError(path, f"this is {what} (a binary file), not plain text; {_SAVE_AS_TEXT}")
    nul = data.find(b"\x00")
    if nul >= 0:
        hint = " (it may be UTF-16 text: save it as UTF-8)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise CorpusBinaryError(path, f"this is a binary file, not text: it has a NUL byte at offset {nul}{hint}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start: exc.start + 1]
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusEncodingError(
            path, f"the text is not UTF-8: byte 0x{bad.hex()} at offset {exc.start} (line {line}) cannot be decoded; "
                  "it may be Latin-1 or Windows-1252 text: save it as UTF-8", exc.start) from None
    controls = sum(1 for ch in text[:100_000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text[:100_000]) // 100):
        raise CorpusBinaryError(path, f"this looks like a binary file ({controls} control characters); {_SAVE_AS_TEXT}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusEmptyError(path, "the file is empty: it holds only spaces and line breaks")
    found = len(text.strip())
    if found < min_chars:
        raise CorpusTooShortError(path, f"the text is too short to learn from: {found} characters, "
                                        f"at least {min_chars} are needed", found, min_chars)
    return text


def moby_dick_text() -> str:
    """The shipped Moby-Dick text (verified against its sha256 in the asset manifest)."""
    from engines.core.assets import AssetRegistry

    return AssetRegistry().path(MOBY_DICK_ASSET).read_text(encoding="utf-8")


def load_corpus(spec: str, storyworld_chars: int = 3_000_000, seed: int = 0,
                min_chars: int = MIN_CORPUS_CHARS) -> tuple[str, str]:
    """``"storyworld"``, ``"mobydick"`` or a file path → ``(text, description)``."""
    if spec == "storyworld":
        from engines.llm.storyworld import generate_story_world

        return generate_story_world(seed, storyworld_chars), f"story world (seed {seed}, {storyworld_chars} chars)"
    if spec in ("mobydick", "moby-dick"):
        return moby_dick_text(), "Moby-Dick (Herman Melville, 1851; CC0)"
    return read_text_corpus(spec, min_chars=min_chars), str(spec)
