"""The 3-genre song toy: taste is the mean of the liked songs; recommendations are the nearest songs not liked."""

import json

import numpy as np
import pytest

from engines.embeddings.__main__ import main
from engines.embeddings.songs import TOY_SONGS, Song, recommend, song_matrix, taste_vector


def test_taste_is_the_mean_of_the_liked_songs():
    liked = ["Here Comes the Sun", "Für Elise", "Levels"]
    rows = [next(s.scores for s in TOY_SONGS if s.title == t) for t in liked]
    np.testing.assert_allclose(taste_vector(TOY_SONGS, liked), np.mean(rows, axis=0), atol=1e-6)
    assert taste_vector(TOY_SONGS, ["für elise"]).tolist() == [0.0, 1.0, 0.0]  # titles match in any case


def test_recommendations_are_nearest_unliked_songs_with_a_reason():
    liked = ["Für Elise"]
    recs = recommend(TOY_SONGS, liked, top=3)
    assert [r.title for r in recs][0] == "Moonlight Sonata" and "Für Elise" not in [r.title for r in recs]
    assert all(r.because == "Für Elise" for r in recs)
    assert [r.distance for r in recs] == sorted(r.distance for r in recs)
    everything = recommend(TOY_SONGS, liked, top=100)
    assert len(everything) == len(TOY_SONGS) - 1
    mixed = recommend(TOY_SONGS, ["Here Comes the Sun", "Für Elise"], top=1)[0]
    assert mixed.title == "Bitter Sweet Symphony"  # half rock, half classical, like the taste between them


def test_editing_a_songs_numbers_moves_it():
    songs = list(TOY_SONGS)
    levels = next(i for i, s in enumerate(songs) if s.title == "Levels")
    songs[levels] = Song("Levels", "Avicii", (0.0, 1.0, 0.0))  # now "classical"
    assert recommend(songs, ["Für Elise"], top=1)[0].title in ("Levels", "Moonlight Sonata")
    assert song_matrix(songs)[levels].tolist() == [0.0, 1.0, 0.0]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="at least one"):
        taste_vector(TOY_SONGS, [])
    with pytest.raises(KeyError, match="did you mean 'Here Comes the Sun'"):
        recommend(TOY_SONGS, ["Sun"])


def test_cli_recommend(capsys):
    assert main(["recommend", "--songs", "Here Comes the Sun", "Für Elise", "--top", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["taste"] == {"rock": 0.4, "classical": 0.6, "EDM": 0.0}
    assert [r["title"] for r in report["recommendations"]] == ["Bitter Sweet Symphony", "Canon in D"]
    assert main(["recommend", "--songs", "No Such Song"]) == 2
    assert "no song called" in capsys.readouterr().err


def test_cli_recommend_with_the_shipped_learned_vectors(capsys):
    assert main(["recommend", "--learned", "--songs", "Gold Home", "--top", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["liked"] == ["Gold Home — The Wild Tides"] and len(report["recommendations"]) == 5
    assert all(r["because"] == "Gold Home — The Wild Tides" for r in report["recommendations"])
    assert len(report["similar_listeners"]) == 3
    assert main(["recommend", "--learned", "--songs", "Home"]) == 2
    assert "matches" in capsys.readouterr().err
