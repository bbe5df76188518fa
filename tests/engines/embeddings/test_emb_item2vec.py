"""Songs learned from playlists (item2vec): the generated world, training, held-out scores, user CSVs."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from engines.core.jobs import Frame, collect  # noqa: E402
from engines.embeddings.__main__ import main  # noqa: E402
from engines.embeddings.item2vec import (Item2VecConfig, recommend_songs, taste_of,  # noqa: E402
                                         train_and_evaluate)
from engines.embeddings.listening_world import (PlaylistFileError, generate_world,  # noqa: E402
                                                read_playlists_csv)


@pytest.fixture(scope="module")
def trained():
    world = generate_world(seed=0)
    events, model = collect(train_and_evaluate(world, Item2VecConfig(steps=600, frame_every=200)))
    return world, events, model


def test_world_is_seeded_and_long_tailed():
    a, b = generate_world(seed=3, n_listeners=50), generate_world(seed=3, n_listeners=50)
    assert [t.title for t in a.tracks] == [t.title for t in b.tracks] and a.playlists == b.playlists
    assert len({t.title for t in a.tracks}) == len(a.tracks) >= 200
    pop = np.sort([t.popularity for t in a.tracks])[::-1]
    assert pop[:10].sum() > 5 * pop[-10:].sum()  # a few hits, a long tail
    assert all(len(set(p)) == len(p) for p in a.playlists)


def test_learned_vectors_beat_popularity_and_random_on_held_out_playlists(trained):
    _, events, model = trained
    learned, popular, rand = (model.metrics[k]["hit_rate@10"] for k in ("learned", "popularity", "random"))
    assert model.metrics["learned"]["playlists"] >= 100
    assert learned > popular + 0.3 and popular > rand, model.metrics
    assert model.metrics["learned"]["recall@10"] > 2 * model.metrics["popularity"]["recall@10"]
    frames = [e for e in events if isinstance(e, Frame)]
    assert len(frames) >= 3 and frames[-1].payload["coords"].shape == (len(model.vectors), 3)
    assert model.losses[-1][1] < model.losses[0][1]


def test_taste_is_the_mean_and_recommendations_skip_played_songs(trained):
    world, _, model = trained
    songs = world.playlists[0][:4]
    np.testing.assert_allclose(taste_of(model.vectors, songs), model.vectors[songs].mean(axis=0), atol=1e-6)
    recs = recommend_songs(model.vectors, songs, top=10)
    assert len(recs) == 10 and not set(songs) & {s for s, _ in recs}
    genre = world.tracks[songs[0]].genre
    assert sum(world.tracks[s].genre == genre for s, _ in recs) >= 6  # the playlist's genre dominates
    assert model.listeners.shape == (world.listeners, model.vectors.shape[1])


def test_csv_rows_reported_by_line_number(tmp_path):
    path = tmp_path / "lists.csv"
    path.write_text("playlist_id,track\np1,Song A\np1,Song B\nbroken row without comma\np2,Song B\n"
                    "p2,Song C\np2,\np3,Lonely\n,Song D\n")
    world = read_playlists_csv(path)
    assert len(world.playlists) == 2 and len(world.tracks) == 3  # p3 has one song: dropped
    assert [n.split(":")[0] for n in world.notes] == ["line 4", "line 7", "line 9"]
    (tmp_path / "bad.csv").write_bytes(b"\x00\x01binary")
    with pytest.raises(PlaylistFileError, match="binary"):
        read_playlists_csv(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("playlist_id,track\n")
    with pytest.raises(PlaylistFileError, match="no playlist"):
        read_playlists_csv(tmp_path / "empty.csv")


def test_cli_train_songs_on_a_csv(tmp_path, capsys):
    rows = ["playlist_id,track"] + [f"p{i},{s}" for i in range(30) for s in (["a", "b", "c"] if i % 2 else
                                                                            ["x", "y", "z"])] + ["oops"]
    (tmp_path / "lists.csv").write_text("\n".join(rows) + "\n")
    assert main(["train-songs", "--playlists", str(tmp_path / "lists.csv"), "--steps", "200", "--json",
                 "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["songs"] == 6 and report["skipped_rows"][0].startswith("line 92")
    assert "line 92" in captured.err and (tmp_path / "out" / "model.safetensors").is_file()
    assert main(["train-songs", "--playlists", str(tmp_path / "nothing.csv")]) == 2
