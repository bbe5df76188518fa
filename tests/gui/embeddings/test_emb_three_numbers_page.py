"""Page 0: the 3-number universe builds, king − man + woman shows queen, the table grows an age column."""

import os

import numpy as np
import pytest

needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen", reason="offscreen Qt has no OpenGL")


@pytest.fixture
def page(window):
    window.select("embeddings", 0, build_now=True)
    return window.current_tab().pages[0].page


def test_preset_arithmetic_shows_queen(page):
    assert page.words() == ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl"]
    assert page.table.columnCount() == 3
    assert page.answer_label.text() == "queen"
    assert page.last_result["answer"] == "queen"
    np.testing.assert_allclose(page.last_result["result"], [0.95, 0.05, 0.95], atol=1e-6)
    text = page.steps_label.text()
    assert "(0.90, 0.00, 0.00)" in text and "queen" in text  # each step's numbers are shown


def test_editing_the_table_changes_the_answer(page):
    page.set_query("prince", "boy", "girl")
    assert page.answer_label.text() == "princess"
    page.set_value("princess", "royalty", 0.0)  # a princess with no royalty is no longer the answer
    assert page.answer_label.text() != "princess"


def test_add_age_grows_the_table(page):
    page.add_age()
    assert page.table.columnCount() == 4 and page.dimensions[-1] == "age"
    assert page.shown_row.isVisibleTo(page)
    assert page.table.item(page.words().index("boy"), 3).text() == "0.10"
    assert page.answer_label.text() == "queen"
    assert len(page.last_result["result"]) == 4
    page.add_word("elder")
    assert "elder" in page.words() and page.table.rowCount() == 9
    page.reset()
    assert page.table.columnCount() == 3


@pytest.mark.gl
@needs_gl
def test_3d_view_draws_pixels(page, qtbot):
    view = page.scene.view
    qtbot.waitExposed(view)
    if not view.context() or not view.context().isValid():
        pytest.skip("no valid OpenGL context")
    image = page.scene.render_array(320, 240)
    assert image[..., :3].std() > 5
    assert len(page.scene.items("labels")[0].texts) == 8


def test_a_pasted_paragraph_is_not_taken_as_a_new_word(page, qtbot):
    """Typing 5,000 letters into 'new word' keeps a word's length; the table and the picture stay usable."""
    from lab_app.tabs.embeddings.three_numbers_page import MAX_WORD_LETTERS

    qtbot.keyClicks(page.new_word, "a" * 500)
    assert len(page.new_word.text()) == MAX_WORD_LETTERS
    page.add_word_button.click()
    assert "a" * MAX_WORD_LETTERS in page.words()
    page.add_word("b" * 5000)  # a word that comes another way is cut to a word's length too
    page.word_a.setCurrentText("b" * MAX_WORD_LETTERS)
    qtbot.wait(100)
    assert "b" * MAX_WORD_LETTERS in page.words()
    assert page.minimumSizeHint().width() < 3000  # the page fits a screen (5,000 letters asked for 37,000 px)
