"""Page 4: sentences as vectors: the heatmap orders the talk's sentences, encoders switch, search runs off the
GUI thread."""

import numpy as np
import pytest


@pytest.fixture
def page(window, qtbot):
    window.select("embeddings", 3, build_now=True)
    page = window.current_tab().pages[3].page
    qtbot.waitUntil(lambda: page.encoded is not None and page.search_result is not None, timeout=60_000)
    return page


def _encode_and_wait(page, qtbot, action):
    before = page.encoded
    action()
    qtbot.waitUntil(lambda: page.encoded is not before and not page.encoder_runner.is_running(), timeout=30_000)
    return page.encoded


def test_opens_with_the_talks_sentences_and_a_search(page):
    sim = page.encoded.similarity
    assert sim.shape == (5, 5) and page.heatmap.matrix.shape == (5, 5)
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[1, 2]  # lion ~ tiger, both far from New York
    assert page.sentence_list.item(0).text().startswith("S1  lion")
    assert page.map.coords.shape == (5, 2)
    assert "tiger" in page.results.item(0).text()
    assert "143 lines" in page.search_status.text()


def test_adding_a_sentence_and_switching_to_the_average(page, qtbot):
    page.sentence_edit.setText("the food was not good")
    encoded = _encode_and_wait(page, qtbot, page.add_button.click)
    assert encoded.similarity.shape == (6, 6) and encoded.texts[-1] == "the food was not good"
    index = page.encoder_box.findText("Average of word vectors (GloVe)")
    encoded = _encode_and_wait(page, qtbot, lambda: page.encoder_box.setCurrentIndex(index))
    assert encoded.vectors.shape[1] == 50
    assert encoded.similarity[3, 4] == pytest.approx(1.0, abs=1e-6)  # dog bites man == man bites dog
    page.sentence_list.setCurrentRow(5)
    encoded = _encode_and_wait(page, qtbot, page.remove_button.click)
    assert len(encoded.texts) == 5 and np.allclose(np.diag(encoded.similarity), 1.0, atol=1e-5)


def test_searching_a_users_file_and_a_binary_one(page, qtbot, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Buy milk and bread.\nThe exam is on Friday at nine.\nCall the plumber about the sink.\n")
    page.query_edit.setText("when is the test")
    page.set_search_file(notes)
    qtbot.waitUntil(lambda: page.search_result.lines_searched == 3, timeout=30_000)
    assert "The exam" in page.results.item(0).text()
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\x00\x00" * 50)
    page.set_search_file(binary)
    qtbot.waitUntil(lambda: page.search_status.text().startswith("Cannot search"), timeout=30_000)
    assert "binary" in page.search_status.text() and page.results.count() == 0


def test_example_sets(page, qtbot):
    page.examples_box.setCurrentText("Negation")
    encoded = _encode_and_wait(page, qtbot, page.reset_sentences)
    assert encoded.texts[1] == "the food was not good"
    sim = encoded.similarity
    assert sim[1, 2] > sim[1, 0]  # "not good" is nearer "bad" than "good" for the transformer


def test_the_map_labels_do_not_pile_up(window, page, qtbot):
    # at 1280x800 the five labels of the talk's sentences sit beside their own dots: none on another label or on
    # another sentence's dot, none cut off at the picture's edge (S4/S5 and S1/S2 lie close together)
    from PySide6.QtCore import QPointF

    window.resize(1280, 800)
    qtbot.wait(200)
    page.map.plot.grab()  # paints, which places the labels
    drawn = page.map.labels.drawn
    assert len(drawn) == 5
    box = page.map.plot.getPlotItem().vb
    bounds = box.sceneBoundingRect()
    dots = [box.mapViewToScene(QPointF(float(x), float(y))) for x, y in page.map.coords]
    rects = [rect for _, rect in drawn]
    for i, (text, rect) in enumerate(drawn):
        assert bounds.contains(rect), f"{text} cut off"
        assert not any(rect.intersects(other) for other in rects[i + 1:]), f"{text} on another label"
        assert not any(rect.adjusted(-4, -4, 4, 4).contains(dot) for j, dot in enumerate(dots) if j != i), \
            f"{text} on another sentence's dot"
