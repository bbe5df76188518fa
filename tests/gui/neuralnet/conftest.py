"""Fixtures shared by the Neural Net page tests."""

import pytest

from lab_app.tabs.neuralnet.classifier_page import ClassifierPage
from lab_app.tabs.spec import PageSpec


@pytest.fixture
def classifier_page(window, qtbot):
    """The image classifier page on its own, shown at 1200×800."""
    page = ClassifierPage(window.ctx, PageSpec("classifier", "Image classifier", "Digits."))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page
