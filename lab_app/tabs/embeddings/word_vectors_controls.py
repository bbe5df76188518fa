"""The left-hand controls of "Real word vectors in 3D": which vectors, how many words, the 3D squeeze, search,
arithmetic and odd one out (built onto the page, which owns the widgets and their actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QPushButton, QRadioButton, QSpinBox, QVBoxLayout)

from lab_app.tabs.embeddings.word_vectors_text import SOURCES

if TYPE_CHECKING:
    from lab_app.tabs.embeddings.word_vectors_page import WordVectorsPage


def build_controls(page: WordVectorsPage) -> None:
    """Create the controls as attributes of ``page`` and put them in its side panel."""
    page.source_box = QComboBox()
    from engines.embeddings.glove import full_glove_available

    if full_glove_available():
        page.source_box.addItem(SOURCES["full"], "full")
    page.source_box.addItem(SOURCES["shipped"], "shipped")
    page.source_box.addItem(SOURCES["learned"], "learned")
    page.source_box.addItem(SOURCES["file"], "file")
    page.source_box.activated.connect(page._on_source)
    page.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    page.source_box.setMinimumContentsLength(16)
    page.count_box = QSpinBox()
    page.count_box.setRange(500, 50_000)
    page.count_box.setSingleStep(1000)
    page.count_box.setValue(10_000)
    page.count_box.setToolTip("How many of the most frequent words to draw")
    page.count_box.editingFinished.connect(page.rebuild_cloud)
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: the names need the width
    form.addRow("Vectors", page.source_box)
    form.addRow("Words drawn", page.count_box)
    page.controls.addLayout(form)
    page.status_label = QLabel("Loading…")
    page.status_label.setWordWrap(True)
    page.controls.addWidget(page.status_label)

    proj = QGroupBox("Squeeze to 3D")
    pl = QVBoxLayout(proj)
    page.pca_radio = QRadioButton("PCA (directions of most spread)")
    page.axes_radio = QRadioButton("Your axes (from:to, groups with commas)")
    page.pca_radio.setChecked(True)
    page.axis_edits = [QLineEdit(t) for t in ("man:woman", "young:old", "")]
    page.axis_edits[2].setPlaceholderText("e.g. cold:hot (empty = PCA of the rest)")
    page.apply_axes_button = QPushButton("Apply")
    page.apply_axes_button.clicked.connect(page.rebuild_cloud)
    page.pca_radio.toggled.connect(lambda _on: page.rebuild_cloud())
    pl.addWidget(page.pca_radio)
    pl.addWidget(page.axes_radio)
    for edit in page.axis_edits:
        edit.returnPressed.connect(lambda: (page.axes_radio.setChecked(True), page.rebuild_cloud()))
        pl.addWidget(edit)
    pl.addWidget(page.apply_axes_button)
    page.controls.addWidget(proj)

    search = QGroupBox("Find a word and its neighbours")
    sl = QHBoxLayout(search)
    page.search_edit = QLineEdit("frog")
    page.search_button = QPushButton("Find")
    page.search_button.clicked.connect(lambda: page.find(page.search_edit.text()))
    page.search_edit.returnPressed.connect(page.search_button.click)
    sl.addWidget(page.search_edit)
    sl.addWidget(page.search_button)
    page.controls.addWidget(search)

    arith = QGroupBox("Arithmetic: A − B + C")
    al = QVBoxLayout(arith)
    row = QHBoxLayout()
    page.a_edit, page.b_edit, page.c_edit = QLineEdit("king"), QLineEdit("man"), QLineEdit("woman")
    for edit, sign in ((page.a_edit, "−"), (page.b_edit, "+"), (page.c_edit, "")):
        row.addWidget(edit)
        edit.returnPressed.connect(lambda: page.analogy())
        if sign:
            row.addWidget(QLabel(sign))
    al.addLayout(row)
    row2 = QHBoxLayout()
    page.method_box = QComboBox()
    page.method_box.addItem("3CosAdd", "add")
    page.method_box.addItem("3CosMul", "mul")
    page.analogy_button = QPushButton("Compute")
    page.analogy_button.clicked.connect(lambda: page.analogy())
    row2.addWidget(page.method_box)
    row2.addWidget(page.analogy_button)
    al.addLayout(row2)
    page.controls.addWidget(arith)

    page.results_title = QLabel("<b>Answers</b>")
    page.results_title.setWordWrap(True)
    page.results = QListWidget()
    page.results.setMinimumHeight(120)  # room for the note above it at 1280×800; it grows when there is room
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    page.results.setFont(mono)

    odd = QGroupBox("Odd one out")
    ol = QVBoxLayout(odd)
    orow = QVBoxLayout()  # the button under the field: the words need the panel's whole width
    page.odd_edit = QLineEdit("breakfast cereal dinner lunch")
    page.odd_button = QPushButton("Which?")
    page.odd_button.clicked.connect(page.odd_one_out)
    page.odd_edit.returnPressed.connect(page.odd_button.click)
    orow.addWidget(page.odd_edit)
    orow.addWidget(page.odd_button)
    ol.addLayout(orow)
    page.odd_label = QLabel("")
    page.odd_label.setWordWrap(True)
    ol.addWidget(page.odd_label)
    page.odd_box = odd

    page.fps_button = QPushButton("Measure smoothness (spin 2 s)")
    page.fps_button.clicked.connect(lambda: page.measure_fps(2.0))
    page.fps_label = QLabel("")
    page.fps_label.setWordWrap(True)

