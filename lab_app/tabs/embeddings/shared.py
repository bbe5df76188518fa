"""What the embedding pages hand to each other: vectors learned on "Learn vectors live" for "Real word vectors"."""

from __future__ import annotations

from engines.embeddings.vectors import WordVectors

_learned: list[WordVectors] = []


def publish_learned(store: WordVectors) -> None:
    _learned[:] = [store]


def learned() -> WordVectors | None:
    return _learned[0] if _learned else None
