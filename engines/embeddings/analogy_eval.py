"""Accuracy on an analogy question set (e.g. Google's questions-words.txt: "athens greece baghdad iraq").

Follows gensim's ``KeyedVectors.evaluate_word_analogies``: a question ``a b c expected`` asks
b − a + c; only the first ``restrict_vocab`` words are candidates, questions with a word outside
them are skipped, the three question words are never an answer, and case is ignored. Questions
are answered in batches (one matrix product per batch), so 19,544 questions take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engines.embeddings.vectors import WordVectors


@dataclass
class SectionScore:
    name: str
    correct: int = 0
    incorrect: int = 0
    wrong: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (a, b, c, expected, predicted)

    @property
    def total(self) -> int:
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class AnalogyScore:
    sections: list[SectionScore]
    skipped: int  # questions with a word outside the restricted vocabulary
    questions: int

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def read_questions(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """``[(section name, [(a, b, c, expected), …]), …]`` from a questions-words style file."""
    sections: list[tuple[str, list]] = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(": "):
            sections.append((line[2:].strip(), []))
            continue
        parts = line.split()
        if len(parts) != 4:
            continue
        if not sections:
            raise ValueError(f"{Path(path).name}, line {line_no}: a question before any ': section' line")
        sections[-1][1].append(tuple(p.lower() for p in parts))
    return sections


def evaluate_analogies(store: WordVectors, path: str | Path, restrict_vocab: int = 300_000,
                       method: str = "add", batch: int = 64, keep_wrong: int = 0) -> AnalogyScore:
    """Score ``store`` on the questions in ``path`` (see the module docstring for the rules)."""
    n = min(restrict_vocab, len(store))
    unit = store.unit[:n]
    lookup: dict[str, int] = {}
    for i, w in enumerate(store.words[:n]):
        lookup.setdefault(w.lower(), i)
    result, skipped, asked = [], 0, 0
    for name, questions in read_questions(path):
        section = SectionScore(name)
        known = []
        for q in questions:
            asked += 1
            if all(w in lookup for w in q):
                known.append(q)
            else:
                skipped += 1
        for start in range(0, len(known), batch):
            chunk = known[start:start + batch]
            rows = np.array([[lookup[w] for w in q] for q in chunk])  # (B, 4)
            if method == "add":
                query = unit[rows[:, 1]] - unit[rows[:, 0]] + unit[rows[:, 2]]
                scores = query @ unit.T  # (B, n); scaling each row does not change its best word
            elif method == "mul":
                sims = [(1 + unit[rows[:, j]] @ unit.T) / 2 for j in range(3)]
                scores = sims[1] * sims[2] / (sims[0] + 1e-6)
            else:
                raise ValueError(f"method must be 'add' or 'mul', not {method!r}")
            batch_index = np.arange(len(chunk))[:, None]
            scores[batch_index, rows[:, :3]] = -np.inf
            predicted = scores.argmax(axis=1)
            for q, row, guess in zip(chunk, rows, predicted):
                if guess == row[3]:
                    section.correct += 1
                else:
                    section.incorrect += 1
                    if len(section.wrong) < keep_wrong:
                        section.wrong.append((*q, store.words[guess]))
        result.append(section)
    return AnalogyScore(result, skipped, asked)
