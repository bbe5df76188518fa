"""Page 5: songs as vectors: ticking songs moves the taste point and changes the recommendations."""

import numpy as np
import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def page(window):
    window.select("embeddings", 4, build_now=True)
    return window.current_tab().pages[4].page


def test_opens_with_a_taste_between_rock_and_classical(page):
    assert page.liked() == ["Here Comes the Sun", "Für Elise"]
    np.testing.assert_allclose(page.taste, [0.4, 0.6, 0.0], atol=1e-6)
    assert page.recommend_list.count() == 3
    assert page.recommend_list.item(0).text().startswith("Bitter Sweet Symphony")
    assert len(page.scene.items("recommend")) == 1


def test_ticking_and_editing_update_the_taste(page):
    page.set_liked(["Levels", "Sandstorm"])
    np.testing.assert_allclose(page.taste, [0.05, 0.0, 1.0], atol=1e-6)
    assert page.recommendations[0].title not in ("Levels", "Sandstorm")
    row = next(r for r, s in enumerate(page.songs) if s.title == "Sandstorm")
    page.table.item(row, 1).setText("1")  # Sandstorm is now full rock too
    np.testing.assert_allclose(page.taste, [0.55, 0.0, 1.0], atol=1e-6)
    page.table.item(row, 2).setText("lots")  # not a number: kept, and said so
    assert "not a number" in page.message.text()
    page.top_box.setValue(5)
    assert page.recommend_list.count() == 5


def test_no_song_ticked(page):
    page.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    row = next(r for r, s in enumerate(page.songs) if s.title == "Für Elise")
    page.table.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    assert page.taste is None and page.recommend_list.count() == 0
    assert "at least one" in page.taste_label.text()
    page.reset_button.click()
    assert len(page.liked()) == 2


def test_learned_mode_trains_live_and_recommends(page, qtbot, tmp_path):
    pytest.importorskip("torch")
    learned = page.learned
    page.mode_box.setCurrentIndex(1)
    assert page.picture_stack.currentIndex() == 1 and "item2vec" in page.explainer.text()
    qtbot.waitUntil(lambda: learned.model is not None and not learned.runner.is_running(), timeout=60_000)
    assert not learned.model.losses and learned.recommend_list.count() == 10  # the shipped vectors, at once
    assert learned.model.metrics["learned"]["hit_rate@10"] > learned.model.metrics["popularity"]["hit_rate@10"]
    shipped = learned.model
    learned.steps_box.setValue(300)
    learned.train_button.click()
    qtbot.waitUntil(lambda: learned.model is not shipped, timeout=120_000)
    qtbot.waitUntil(lambda: learned.model is not None and not learned.runner.is_running(), timeout=120_000)
    assert learned.coords.shape == (len(learned.model.world.tracks), 3)
    assert len(learned.loss_curve.getData()[0]) >= 3
    assert "Held-out playlists" in learned.metrics_label.text()
    assert learned.recommend_list.count() == 10 and learned.listener_list.count() == 5
    liked = learned.liked()
    assert len(liked) == 3 and not set(liked) & {s for s, _ in learned.recommendations}
    before = list(learned.recommendations)
    learned.song_list.item(liked[0]).setCheckState(Qt.CheckState.Unchecked)
    assert learned.recommendations != before and len(learned.liked()) == 2
    learned.filter_edit.setText("classical")
    visible = [learned.song_list.item(r) for r in range(learned.song_list.count())
               if not learned.song_list.item(r).isHidden()]
    assert visible and all("classical" in item.text() for item in visible)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02")
    learned.set_source(bad)
    qtbot.waitUntil(lambda: learned.status.text().startswith("Could not train"), timeout=30_000)
    assert "binary" in learned.status.text()


def test_the_liked_and_recommended_songs_always_get_their_names(page):
    # the songs the picture is about keep their names in a crowd (at 1280x800, with "your taste" kept off the green
    # arrows, the liked Here Comes the Sun and the recommended Spring lost theirs to the room it took)
    page.scene.render_array(420, 300)  # paints, which places the labels
    named = {text for key in ("titles", "story_titles", "taste_label") for labels in page.scene.items(key)
             for text, _ in labels.drawn}
    story = set(page.liked()) | {r.title for r in page.recommendations}
    assert len(story) == 5 and story | {"your taste"} <= named, story - named
