"""The glossary: plain-words terms that each open a real page, search, keyboard-only use, Ctrl+K / F1, and the
links that explainer texts get in one place (hover: the one-liner; click: the entry)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolTip

from lab_app.glossary.linking import link_terms
from lab_app.glossary.terms import BY_KEY, TERMS, search
from lab_app.tour.controller import page_index

ISSUE_TERMS = ("token", "vocabulary", "embedding", "vector", "parameter", "transformer", "attention", "head",
               "context-window", "temperature", "autoregressive", "base-model", "sft", "reward-model", "rlhf",
               "kl-penalty", "neuron", "activation", "backpropagation", "gradient", "loss", "overfitting",
               "autoencoder", "latent", "diffusion", "noise-schedule", "guidance", "spectrogram", "onnx", "gpu")


def test_every_term_is_plain_and_opens_an_existing_page():
    assert set(ISSUE_TERMS) <= set(BY_KEY)
    for term in TERMS:
        assert term.one_liner.endswith(".") and len(term.one_liner) <= 110, term.key
        assert 80 <= len(term.paragraph) <= 420, term.key
        if term.page is not None:
            assert page_index(*term.page) is not None, f"{term.key}: no page {term.page}"


def test_search_puts_names_first_then_words_inside():
    assert search("att")[0].key == "attention"
    assert search("BACKPROP")[0].key == "backpropagation"
    assert [t.key for t in search("rlhf")][:1] == ["rlhf"]
    assert "kl-penalty" in [t.key for t in search("reward model")] or search("reward model")[0].key == "reward-model"
    assert search("zzzz") == []


def test_links_go_on_the_first_use_of_a_word_never_inside_tags_or_headings():
    text = "<h3>Tokens</h3><p>Each token has a number; every token again. <a href='x'>loss</a> and the Loss.</p>"
    linked = link_terms(text)
    assert linked.count('href="glossary:token"') == 1 and "<h3>Tokens</h3>" in linked
    assert "<a href='x'>loss</a>" in linked and '<a href="glossary:loss">Loss</a>' in linked  # case kept
    assert link_terms("<p>an attention head</p>").count("glossary:") == 1  # the longer term wins
    assert link_terms("no terms here") == "no terms here"


def test_ctrl_k_search_and_enter_open_the_page_by_keyboard_alone(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window._glossary_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search_edit, timeout=3000)  # type at once
    qtbot.keyClicks(dialog.search_edit, "backprop")
    assert dialog.current_key() == "backpropagation" and "chain rule" in dialog.detail.toPlainText()
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Return)
    tab = window.current_tab()
    assert (tab.spec.key, tab.spec.pages[tab.current_index()].key) == BY_KEY["backpropagation"].page
    dialog.search_edit.clear()  # all terms again, the chosen one kept
    row = dialog.term_list.currentRow()
    assert dialog.current_key() == "backpropagation" and dialog.term_list.count() == len(TERMS)
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Down)
    assert dialog.term_list.currentRow() == row + 1
    dialog.close()


def test_f1_opens_the_glossary_for_the_focused_control_or_the_page_in_view(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    tab = window.select("diffusion", page_index("diffusion", "add-noise"), build_now=True)
    tab.page_list.setFocus()
    qtbot.waitUntil(tab.page_list.hasFocus, timeout=3000)
    dialog = window.open_glossary_in_context()
    assert BY_KEY[dialog.current_key()].page == ("diffusion", "add-noise")
    dialog.close()
    tab = window.select("llm", page_index("llm", "generate"), build_now=True)
    slider = tab.pages[tab.current_index()].page.temp_slider
    window.activateWindow()
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus, timeout=3000)
    qtbot.keyClick(slider, Qt.Key.Key_F1)
    dialog = window._glossary_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.current_key() == "temperature"
    dialog.close()


def test_explainer_words_link_to_the_glossary(window, qtbot):
    tab = window.select("llm", page_index("llm", "tokens"), build_now=True)
    explainer = tab.pages[tab.current_index()].page.explainer
    shown = explainer.body.text()
    assert 'href="glossary:token"' in shown or 'href="glossary:vocabulary"' in shown
    assert "glossary:" not in explainer.text()  # the page's own text is kept as it was set
    key = "token" if 'href="glossary:token"' in shown else "vocabulary"
    explainer._on_link_hovered(f"glossary:{key}")
    assert BY_KEY[key].one_liner in QToolTip.text()
    explainer.body.linkActivated.emit(f"glossary:{key}")  # what a click or Enter on the link does
    dialog = window._glossary_dialog
    assert dialog.isVisible() and dialog.current_key() == key
    dialog.close()


def test_explainer_links_work_by_keyboard(qtbot):
    from lab_app.widgets.explainer import Explainer

    explainer = Explainer()
    qtbot.addWidget(explainer)
    explainer.set_text("<p>Each token has a number, and training lowers the loss.</p>")
    explainer.resize(500, 200)
    explainer.show()
    qtbot.waitExposed(explainer)
    explainer.body.setFocus()
    with qtbot.waitSignal(explainer.body.linkActivated) as activated:
        qtbot.keyClick(explainer.body, Qt.Key.Key_Tab)  # Tab moves to the first link, Enter follows it
        qtbot.keyClick(explainer.body, Qt.Key.Key_Return)
    assert activated.args == ["glossary:token"]
    dialog = explainer.window()._glossary_dialog
    assert dialog.isVisible() and dialog.current_key() == "token"
    dialog.close()
