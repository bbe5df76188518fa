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
