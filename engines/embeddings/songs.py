"""Songs as vectors, the talk's toy: every song gets three numbers (how rock, how classical, how EDM it is),
a listener's taste is the **average** of the songs they like, and the recommendations are the songs whose
points lie nearest to that taste point.

The scores are made up for the lesson (0 = not at all, 1 = fully); a music service learns hundreds of such
numbers per song from what people play together, and nobody names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GENRES = ("rock", "classical", "EDM")


@dataclass(frozen=True)
class Song:
    title: str
    artist: str
    scores: tuple[float, float, float]  # rock, classical, EDM, each 0 … 1

    @property
    def genre(self) -> str:
        """The genre with the highest score."""
        return GENRES[int(np.argmax(self.scores))]


TOY_SONGS: tuple[Song, ...] = (
    Song("Here Comes the Sun", "The Beatles", (0.8, 0.2, 0.0)),
    Song("Bohemian Rhapsody", "Queen", (0.9, 0.5, 0.0)),
    Song("Stairway to Heaven", "Led Zeppelin", (0.9, 0.2, 0.0)),
    Song("Smells Like Teen Spirit", "Nirvana", (1.0, 0.0, 0.0)),
    Song("Back in Black", "AC/DC", (1.0, 0.0, 0.1)),
    Song("Bitter Sweet Symphony", "The Verve", (0.6, 0.5, 0.1)),
    Song("Für Elise", "Beethoven", (0.0, 1.0, 0.0)),
    Song("Moonlight Sonata", "Beethoven", (0.0, 1.0, 0.0)),
    Song("Clair de Lune", "Debussy", (0.0, 0.9, 0.1)),
    Song("Spring (The Four Seasons)", "Vivaldi", (0.1, 1.0, 0.0)),
    Song("Canon in D", "Pachelbel", (0.1, 0.9, 0.1)),
    Song("Adagio for Strings (remix)", "Tiësto", (0.0, 0.6, 0.9)),
    Song("Levels", "Avicii", (0.1, 0.0, 1.0)),
    Song("Wake Me Up", "Avicii", (0.4, 0.0, 0.8)),
    Song("One More Time", "Daft Punk", (0.2, 0.0, 0.9)),
    Song("Sandstorm", "Darude", (0.0, 0.0, 1.0)),
    Song("Strobe", "deadmau5", (0.0, 0.2, 1.0)),
    Song("Titanium", "David Guetta ft. Sia", (0.2, 0.1, 0.9)),
)


@dataclass(frozen=True)
class Recommendation:
    title: str
    distance: float  # from the taste point, in the 3-number space
    because: str  # the liked song lying nearest to this one
    because_distance: float


def song_matrix(songs: Sequence[Song]) -> np.ndarray:
    """(N, 3) scores."""
    return np.array([s.scores for s in songs], dtype=np.float32).reshape(len(songs), len(GENRES))


def _rows(songs: Sequence[Song], titles: Sequence[str]) -> list[int]:
    index = {s.title.lower(): i for i, s in enumerate(songs)}
    rows = []
    for title in titles:
        if title.lower() not in index:
            close = [s.title for s in songs if title.lower() in s.title.lower()]
            hint = f"; did you mean {', '.join(repr(c) for c in close[:3])}?" if close else ""
            raise KeyError(f"no song called {title!r} in the table{hint}")
        rows.append(index[title.lower()])
    return rows


def taste_vector(songs: Sequence[Song], liked: Sequence[str]) -> np.ndarray:
    """The average of the liked songs' scores, (3,). Raises ValueError when nothing is liked."""
    if not liked:
        raise ValueError("pick at least one song you like")
    return song_matrix(songs)[_rows(songs, liked)].mean(axis=0)


def recommend(songs: Sequence[Song], liked: Sequence[str], top: int = 3) -> list[Recommendation]:
    """The ``top`` songs (not already liked) nearest to the taste point, each with the liked song it is nearest to."""
    matrix = song_matrix(songs)
    liked_rows = _rows(songs, liked)
    taste = matrix[liked_rows].mean(axis=0) if liked_rows else None
    if taste is None:
        raise ValueError("pick at least one song you like")
    distance = np.linalg.norm(matrix - taste, axis=1)
    order = [i for i in np.argsort(distance, kind="stable") if i not in set(liked_rows)][:top]
    out = []
    for i in order:
        to_liked = np.linalg.norm(matrix[liked_rows] - matrix[i], axis=1)
        j = int(np.argmin(to_liked))
        out.append(Recommendation(songs[i].title, float(distance[i]), songs[liked_rows[j]].title, float(to_liked[j])))
    return out
