"""A word-vector store with the queries people know from gensim, in plain NumPy.

Every word is a row of a float32 matrix; a second matrix holds the same rows scaled to
length 1, so cosine similarity is one matrix–vector product. ``most_similar``,
``similarity``, ``doesnt_match`` and ``analogy`` follow gensim's ``KeyedVectors``
(query words are left out of the answers, as gensim does).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

WordOrVector = str | np.ndarray


MAX_SUGGEST_LEN = 64  # longer "words" get no spelling suggestions and are shortened in messages


class OutOfVocabularyError(KeyError):
    """A word the vectors do not know. ``suggestions`` lists known words spelled alike."""

    def __init__(self, word: str, suggestions: Sequence[str] = (), vocab_size: int | None = None) -> None:
        self.word = word
        self.suggestions = list(suggestions)
        size = f" of {vocab_size:,} words" if vocab_size else ""
        shown = word if len(word) <= MAX_SUGGEST_LEN else word[:MAX_SUGGEST_LEN] + "…"
        text = f"{shown!r} is not in the vocabulary{size}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(text)
        self.message = text

    def __str__(self) -> str:  # KeyError would print the repr of the message; users should read a sentence
        return self.message


@dataclass(frozen=True)
class AnalogyResult:
    """``a − b + c`` (e.g. king − man + woman): the best answers with scores, and where ``expected`` ranked."""

    a: str
    b: str
    c: str
    method: str
    answers: list[tuple[str, float]]
    expected: str | None = None
    expected_rank: int | None = None  # 1 = top answer; None when no expected word was given
    excluded: tuple[str, ...] = field(default_factory=tuple)

    @property
    def top(self) -> str:
        return self.answers[0][0]


def _top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` largest ``scores`` (unordered).

    A full ``argpartition`` over 400,000 scores costs about as much as the matrix product itself, so
    first take the k-th largest of every 32nd score: at least k scores reach it (those sampled), so
    every true top-k score does too, and only the few hundred rows above it need partitioning.
    """
    n = len(scores)
    sample = scores[::32]
    if n < 20_000 or len(sample) < 4 * k:
        return np.argpartition(-scores, k - 1)[:k]
    threshold = np.partition(sample, len(sample) - k)[len(sample) - k]
    if not np.isfinite(threshold):
        return np.argpartition(-scores, k - 1)[:k]
    candidates = np.flatnonzero(scores >= threshold)
    return candidates[np.argpartition(-scores[candidates], k - 1)[:k]]


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32, copy=False)


class WordVectors:
    """``words`` (n,) and their ``vectors`` (n, d). Rows are best in frequency order (most frequent first)."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, name: str = "") -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"{len(words)} words need a matrix of {len(words)} rows, got shape {vectors.shape}")
        self.words: list[str] = list(words)
        self.key_to_index: dict[str, int] = {}
        for i, w in enumerate(self.words):
            self.key_to_index.setdefault(w, i)  # the first (most frequent) copy wins, as in gensim
        self.vectors = vectors
        self.unit = unit_rows(vectors)
        self.name = name

    # -- vocabulary --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def suggest(self, word: str, n: int = 3, search_top: int = 50_000) -> list[str]:
        """Known words spelled like ``word`` (searched among the ``search_top`` most frequent, for speed)."""
        lowered = word.lower().strip()
        found = [lowered] if lowered != word and lowered in self.key_to_index else []
        if len(lowered) > MAX_SUGGEST_LEN:  # a pasted paragraph is no misspelt word; spelling it out would take seconds
            return found
        # one typo away (a swap, a missing, extra or wrong letter), most frequent first
        letters = "abcdefghijklmnopqrstuvwxyz"
        splits = [(lowered[:i], lowered[i:]) for i in range(len(lowered) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
        edits |= {a + c + b for a, b in splits for c in letters}
        near = sorted((self.key_to_index[e], e) for e in edits if e in self.key_to_index and e != lowered)
        found += [e for _, e in near if e not in found][:n]
        if len(found) >= n:
            return found[:n]
        pool = [w for w in self.words[:search_top] if abs(len(w) - len(lowered)) <= 2]
        found += [w for w in difflib.get_close_matches(lowered, pool, n=n, cutoff=0.75) if w not in found]
        return found[:n]

    def index(self, word: str) -> int:
        """Row of ``word``; raises :class:`OutOfVocabularyError` (a KeyError) with close spellings."""
        try:
            return self.key_to_index[word]
        except KeyError:
            raise OutOfVocabularyError(word, self.suggest(word), len(self)) from None

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index(word)]

    def unit_vector(self, item: WordOrVector) -> np.ndarray:
        if isinstance(item, str):
            return self.unit[self.index(item)]
        return unit_rows(np.asarray(item, dtype=np.float32)[None, :])[0]

    # -- queries -------------------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        return float(self.unit[self.index(a)] @ self.unit[self.index(b)])

    def cosine_scores(self, query: np.ndarray, restrict_vocab: int | None = None) -> np.ndarray:
        """Cosine of ``query`` (d,) with every word (or the first ``restrict_vocab``) → ``(n,)``."""
        unit = self.unit if restrict_vocab is None else self.unit[:restrict_vocab]
        return unit @ self.unit_vector(query)

    def top_of(self, scores: np.ndarray, topn: int, exclude: Iterable[int] = ()) -> list[tuple[str, float]]:
        """The ``topn`` best ``(word, score)`` of ``scores``, best first, leaving out rows in ``exclude``."""
        scores = np.array(scores, dtype=np.float32, copy=True)
        excluded = [i for i in exclude if i < len(scores)]
        scores[excluded] = -np.inf
        k = min(topn, len(scores) - len(excluded))
        if k <= 0:
            return []
        best = _top_k_rows(scores, k)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def _combine(self, positive: Sequence[WordOrVector],
                 negative: Sequence[WordOrVector]) -> tuple[np.ndarray, list[int]]:
        if isinstance(positive, (str, np.ndarray)):
            positive = [positive]
        if isinstance(negative, (str, np.ndarray)):
            negative = [negative]
        if not positive and not negative:
            raise ValueError("give at least one word")
        parts, used = [], []
        for sign, items in ((1.0, positive), (-1.0, negative)):
            for item in items:
                if isinstance(item, str):
                    used.append(self.index(item))
                parts.append(sign * self.unit_vector(item))
        return np.mean(parts, axis=0), used

    def most_similar(self, positive: Sequence[WordOrVector] = (), negative: Sequence[WordOrVector] = (),
                     topn: int = 10, restrict_vocab: int | None = None,
                     exclude_query: bool = True) -> list[tuple[str, float]]:
        """Words nearest (cosine) to the mean of the unit vectors of ``positive`` minus ``negative`` (gensim's 3CosAdd).

        Returns ``[(word, cosine), …]`` best first; the query words themselves are left out unless
        ``exclude_query`` is False.
        """
        query, used = self._combine(positive, negative)
        scores = self.cosine_scores(query, restrict_vocab)
        return self.top_of(scores, topn, used if exclude_query else ())

    def most_similar_cosmul(self, positive: Sequence[str] = (), negative: Sequence[str] = (), topn: int = 10,
                            restrict_vocab: int | None = None,
                            exclude_query: bool = True) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014), as gensim: prod((1+cos(p))/2) / (prod((1+cos(n))/2) + 1e-6)."""
        scores, used = self._cosmul_scores(positive, negative, restrict_vocab)
        return self.top_of(scores, topn, used if exclude_query else ())

    def _cosmul_scores(self, positive, negative, restrict_vocab):
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        unit = self.unit if restrict_vocab is None else self.unit[:restrict_vocab]
        used = [self.index(w) for w in positive + negative]
        # one pass over the matrix for all query words, written so each word's row is contiguous → (q, n)
        sims = np.empty((len(used), unit.shape[0]), dtype=np.float32)
        np.matmul(unit, self.unit[used].T, out=sims.T)
        sims += 1
        sims *= 0.5
        npos = len(positive)
        scores = sims[0].copy()
        for row in sims[1:npos]:
            scores *= row
        if len(sims) > npos:
            below = sims[npos].copy()
            for row in sims[npos + 1:]:
                below *= row
            below += 1e-6
            scores /= below
        return scores.astype(np.float32), used

    def analogy(self, a: str, b: str, c: str, topn: int = 10, method: str = "add",
                expected: str | None = None, exclude_query: bool = True,
                restrict_vocab: int | None = None) -> AnalogyResult:
        """``a − b + c``: for king, man, woman the answer should be queen.

        ``method`` is ``"add"`` (3CosAdd) or ``"mul"`` (3CosMul). ``expected_rank`` is where
        ``expected`` lands among all candidates (1 = top), counting only words that are not excluded.
        """
        if method == "add":
            query, used = self._combine([a, c], [b])
            scores = self.cosine_scores(query, restrict_vocab)
        elif method == "mul":
            scores, used = self._cosmul_scores([a, c], [b], restrict_vocab)
        else:
            raise ValueError(f"method must be 'add' or 'mul', not {method!r}")
        excluded = used if exclude_query else []
        answers = self.top_of(scores, topn, excluded)
        rank = None
        if expected is not None:
            row = self.index(expected)
            if row in excluded:
                rank = None
            else:
                masked = scores.copy()
                masked[excluded] = -np.inf
                rank = 1 + int(np.sum(masked > masked[row]))
        return AnalogyResult(a, b, c, method, answers, expected, rank,
                             tuple(self.words[i] for i in excluded))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the others' directions (gensim's rule: lowest cosine to the mean)."""
        return self.odd_one_out(words)[0][0]

    def odd_one_out(self, words: Sequence[str]) -> list[tuple[str, float]]:
        """Each word with its cosine to the group's mean direction, least fitting first."""
        if len(words) < 2:
            raise ValueError("give at least two words")
        rows = [self.index(w) for w in words]
        mean = unit_rows(self.unit[rows].mean(axis=0)[None, :])[0]
        scores = self.unit[rows] @ mean
        order = np.argsort(scores, kind="stable")
        return [(words[i], float(scores[i])) for i in order]

    def nearest(self, vector: np.ndarray, topn: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Words nearest (cosine) to a raw ``vector`` (d,), leaving out ``exclude``."""
        rows = [self.key_to_index[w] for w in exclude if w in self.key_to_index]
        return self.top_of(self.cosine_scores(vector), topn, rows)

    def subset(self, words: Sequence[str]) -> WordVectors:
        """A new store with only ``words`` (in the order given)."""
        rows = [self.index(w) for w in words]
        return WordVectors([self.words[i] for i in rows], self.vectors[rows], name=self.name)

    def head(self, n: int) -> WordVectors:
        """The first ``n`` (most frequent) words."""
        return WordVectors(self.words[:n], self.vectors[:n], name=self.name)
