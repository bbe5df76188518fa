"""A generated listening world: a catalogue of songs and the playlists of simulated listeners, from a seed.

No real playlist data is distributed by the package registries (see shared/DATA.md), so this is the stand-in,
built to have the shape of the real thing: artists belong to a genre and an era; song popularity follows a long
tail (a few hits, many songs few people play); each listener likes one to three genres and an era, and makes
playlists that mostly stick to one of their genres, often play two songs by one artist, and favour hits.
Users can load real playlists instead (:func:`read_playlists_csv`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GENRES = ("rock", "pop", "hip-hop", "electronic", "classical", "jazz", "country", "metal")
ERAS = ("1960s", "1970s", "1980s", "1990s", "2000s", "2010s", "2020s")
_FIRST = ("Crimson", "Neon", "Silver", "Velvet", "Midnight", "Golden", "Electric", "Quiet", "Wild", "Blue", "Broken",
          "Paper", "Iron", "Lucky", "Hollow", "Northern", "Violet", "Stone", "Glass", "Summer")
_SECOND = ("Harbour", "Wolves", "Rivers", "Engines", "Gardens", "Foxes", "Lanterns", "Orchard", "Echoes", "Pilots",
           "Tides", "Ravens", "Satellites", "Hearts", "Canyons", "Mirrors", "Strangers", "Comets", "Kings", "Bells")
_WORDS = ("Rain", "Fire", "Highway", "Heart", "Moon", "Night", "Dance", "River", "Light", "Storm", "Home", "Dream",
          "Gold", "City", "Shadow", "Summer", "Road", "Ghost", "Ocean", "Sky", "Thunder", "Roses", "Echo", "Train")
MAX_CSV_BYTES = 50 * 1024**2


@dataclass(frozen=True)
class Track:
    title: str  # "Title — Artist": unique in the catalogue
    artist: str
    genre: str
    era: str
    popularity: float  # share of plays in the long tail (sums to 1 over the catalogue)


@dataclass
class ListeningWorld:
    tracks: list[Track]
    playlists: list[list[int]]  # track indices
    owners: list[int]  # playlist → listener id
    name: str = "generated listening world"
    notes: list[str] = field(default_factory=list)

    @property
    def listeners(self) -> int:
        return max(self.owners) + 1 if self.owners else 0


def _names(rng: np.random.Generator, n: int, make) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < n:
        out.setdefault(make(rng))
    return list(out)


def generate_world(seed: int = 0, n_artists: int = 80, songs_per_artist: tuple[int, int] = (2, 7),
                   n_listeners: int = 600, playlists_per_listener: tuple[int, int] = (2, 6),
                   playlist_length: tuple[int, int] = (8, 25)) -> ListeningWorld:
    """Build the catalogue and the playlists (same seed → same world)."""
    rng = np.random.default_rng(seed)
    artists = _names(rng, n_artists, lambda r: f"The {r.choice(_FIRST)} {r.choice(_SECOND)}")
    artist_genre = rng.integers(0, len(GENRES), n_artists)
    artist_era = rng.integers(0, len(ERAS), n_artists)
    tracks_meta = []
    for a, artist in enumerate(artists):
        count = int(rng.integers(songs_per_artist[0], songs_per_artist[1] + 1))
        titles = _names(rng, count, lambda r: " ".join(r.choice(_WORDS, size=int(r.integers(1, 3)), replace=False)))
        for t in titles:
            era = int(np.clip(artist_era[a] + rng.choice((-1, 0, 0, 0, 1)), 0, len(ERAS) - 1))
            tracks_meta.append((f"{t} — {artist}", artist, int(artist_genre[a]), era))
    n = len(tracks_meta)
    ranks = rng.permutation(n)
    popularity = 1.0 / (ranks + 1.0) ** 0.9  # Zipf-like long tail
    popularity /= popularity.sum()
    tracks = [Track(title, artist, GENRES[g], ERAS[e], float(p))
              for (title, artist, g, e), p in zip(tracks_meta, popularity)]
    genre_of = np.array([m[2] for m in tracks_meta])
    era_of = np.array([m[3] for m in tracks_meta])
    artist_of = np.array([artists.index(m[1]) for m in tracks_meta])
    by_artist = [np.flatnonzero(artist_of == a) for a in range(n_artists)]

    playlists, owners = [], []
    for listener in range(n_listeners):
        taste = rng.dirichlet(np.full(len(GENRES), 0.25))  # most listeners love one or two genres
        era_centre = rng.uniform(0, len(ERAS) - 1)
        era_weight = np.exp(-0.5 * ((era_of - era_centre) / 1.3) ** 2)
        for _ in range(int(rng.integers(playlists_per_listener[0], playlists_per_listener[1] + 1))):
            mood = rng.choice(len(GENRES), p=taste)  # a playlist mostly keeps to one genre
            genre_weight = np.where(genre_of == mood, 1.0, 0.04 * taste[genre_of])
            weights = popularity ** 0.6 * genre_weight * era_weight
            length = min(int(rng.integers(playlist_length[0], playlist_length[1] + 1)), n)
            # weighted sampling without replacement in one go: the top keys of log(weight) + Gumbel noise
            order = np.argsort(-(np.log(weights) + rng.gumbel(size=n)))
            chosen: list[int] = []
            taken = np.zeros(n, dtype=bool)
            for candidate in order:
                if len(chosen) >= length:
                    break
                if taken[candidate]:
                    continue
                chosen.append(int(candidate))
                taken[candidate] = True
                if len(chosen) < length and rng.random() < 0.3:  # another song by the same artist
                    same = [int(i) for i in by_artist[artist_of[candidate]] if not taken[i]]
                    if same:
                        pick = same[int(rng.integers(len(same)))]
                        chosen.append(pick)
                        taken[pick] = True
            playlists.append(chosen)
            owners.append(listener)
    return ListeningWorld(tracks, playlists, owners, name=f"generated listening world (seed {seed})")


class PlaylistFileError(ValueError):
    """A playlist CSV that cannot be used at all (missing, binary, no valid rows)."""


def read_playlists_csv(path: str | Path, min_length: int = 2) -> ListeningWorld:
    """Playlists from a CSV of ``playlist_id,track`` rows (a header row is optional).

    Malformed rows are skipped and reported by line number in ``world.notes``; playlists with fewer than
    ``min_length`` tracks are dropped (they teach nothing). Raises :class:`PlaylistFileError` when nothing usable
    is left. Tracks get genre and era ``"?"``; popularity is their share of plays in the file.
    """
    from engines.llm.corpus import CorpusError, read_text_corpus

    path = Path(path)
    try:
        text = read_text_corpus(path, min_chars=1, max_bytes=MAX_CSV_BYTES)
    except CorpusError as exc:
        raise PlaylistFileError(str(exc)) from None
    problems: list[str] = []
    lists: dict[str, list[str]] = {}
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_no == 1 and [c.strip().lower() for c in row] == ["playlist_id", "track"]:
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            problems.append(f"line {line_no}: expected 'playlist_id,track', got {','.join(row)[:60]!r}")
            continue
        lists.setdefault(row[0].strip(), []).append(row[1].strip())
    names: dict[str, int] = {}
    playlists = []
    for tracks in lists.values():
        unique = list(dict.fromkeys(tracks))
        if len(unique) >= min_length:
            playlists.append([names.setdefault(t, len(names)) for t in unique])
    if not playlists:
        detail = f" ({len(problems)} malformed rows, first: {problems[0]})" if problems else ""
        raise PlaylistFileError(f"{path.name} has no playlist with {min_length}+ tracks{detail}")
    plays = np.bincount(np.concatenate(playlists), minlength=len(names)).astype(float)
    tracks = [Track(t, "?", "?", "?", float(plays[i] / plays.sum())) for t, i in names.items()]
    notes = problems[:20] + ([f"… and {len(problems) - 20} more malformed rows"] if len(problems) > 20 else [])
    return ListeningWorld(tracks, playlists, list(range(len(playlists))), name=path.name, notes=notes)
