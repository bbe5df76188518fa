"""Page "A 3-number universe": words described by a few hand-picked numbers, drawn in 3D, with king − man + woman."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engines.embeddings.vectors import WordVectors
from lab_app.tabs.embeddings.gl_scene import GROUP_COLOURS, new_scene, rgba
from lab_app.tabs.page import LabPage
from lab_app.widgets.accessibility import emphasise

MAX_WORD_LETTERS = 24  # a word, not a pasted paragraph: it becomes a table row and a label in the picture
DIMENSIONS = ("royalty", "masculinity", "femininity")
PRESET: dict[str, tuple[float, float, float]] = {
    "king": (0.95, 0.95, 0.05), "queen": (0.95, 0.05, 0.95),
    "man": (0.05, 0.95, 0.05), "woman": (0.05, 0.05, 0.95),
    "prince": (0.80, 0.90, 0.05), "princess": (0.80, 0.05, 0.90),
    "boy": (0.05, 0.85, 0.05), "girl": (0.05, 0.05, 0.85),
}
AGE = {"king": 0.70, "queen": 0.70, "man": 0.60, "woman": 0.60, "prince": 0.20, "princess": 0.20,
       "boy": 0.10, "girl": 0.10}
MINUS_COLOUR, PLUS_COLOUR, RESULT_COLOUR = "#d62728", "#2ca02c", "#9467bd"

EXPLAINER = """
<p><b>Words as lists of numbers.</b> Here you are the model: each word gets a score between 0 and 1 for
a few qualities you choose. <i>king</i> is very royal and very masculine, <i>woman</i> is not royal
and very feminine. Three numbers are a position in space, so every word becomes a point, and the
arrow from the centre to it is its <i>vector</i>.</p>
<p><b>Arithmetic with meaning.</b> Start at king, take away man (the masculine part goes, the royal
part stays), add woman: you land on the numbers of queen. The nearest word is found by comparing
directions (cosine similarity), the same way the real models on the next page do it, and the words
you typed in are left out of the answer.</p>
<p><b>Why more numbers?</b> With only these three, boy looks just like man. Press <i>Add a dimension: age</i>
and the table grows a column; now they differ. Word-vector models such as GloVe (next page) use 50 to 300
numbers per word, and large language models use hundreds to thousands (GPT-2 small: 768). They learn them from
text instead of having a person fill them in, so nobody can name what each number means.</p>
"""


class ThreeNumbersPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.dimensions: list[str] = list(DIMENSIONS)
        self._filling = False
        self.last_result: dict | None = None
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        self.splitter.setSizes([400, 800])
        self.fill_table(PRESET)
        self.set_query("king", "man", "woman")

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.controls.addWidget(QLabel("<b>Your words and their numbers</b> (0 = not at all, 1 = very)"))
        self.table = QTableWidget(0, len(self.dimensions))
        self.table.setHorizontalHeaderLabels(self.dimensions)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(60)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setMaximumWidth(150)  # a long word is cut with "…", not the page made 40,000 px wide
        self.table.setMinimumHeight(250)
        self.table.itemChanged.connect(self._on_item_changed)
        self.controls.addWidget(self.table)
        row = QHBoxLayout()
        self.new_word = QLineEdit()
        self.new_word.setPlaceholderText("new word")
        self.new_word.setMaxLength(MAX_WORD_LETTERS)
        self.add_word_button = QPushButton("Add word")
        self.add_word_button.clicked.connect(lambda: self.add_word(self.new_word.text()))
        self.new_word.returnPressed.connect(self.add_word_button.click)
        row.addWidget(self.new_word)
        row.addWidget(self.add_word_button)
        self.controls.addLayout(row)
        self.add_dim_button = QPushButton("Add a dimension: age")
        self.add_dim_button.setToolTip("Give every word a fourth number: how old it is")
        self.add_dim_button.clicked.connect(self.add_age)
        self.controls.addWidget(self.add_dim_button)
        self.reset_button = QPushButton("Back to the 8 preset words")
        self.reset_button.clicked.connect(self.reset)
        self.controls.addWidget(self.reset_button)
        self.shown_row = QWidget()
        shown = QHBoxLayout(self.shown_row)
        shown.setContentsMargins(0, 0, 0, 0)
        shown.addWidget(QLabel("Drawn axes:"))
        self.axis_boxes = [QComboBox() for _ in range(3)]
        for box in self.axis_boxes:
            box.currentIndexChanged.connect(self.redraw)
            shown.addWidget(box)
        self.shown_row.setToolTip("With more than three numbers per word, pick which three to draw")
        self.controls.addWidget(self.shown_row)
        self.shown_row.setVisible(False)

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.word_a, self.word_b, self.word_c = QComboBox(), QComboBox(), QComboBox()
        for widget, text in ((self.word_a, None), (None, "−"), (self.word_b, None), (None, "+"), (self.word_c, None),
                             (None, "=")):
            if widget is None:
                label = QLabel(text)
                emphasise(label, 1.25)  # follows the system font size
                bar.addWidget(label)
            else:
                widget.setMinimumWidth(90)
                widget.currentIndexChanged.connect(self.compute)
                bar.addWidget(widget)
        self.answer_label = QLabel("?")
        emphasise(self.answer_label, 1.25)
        self.answer_label.setStyleSheet(f"color: {RESULT_COLOUR}")
        bar.addWidget(self.answer_label)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.steps_label = QLabel()
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps_label.setWordWrap(True)
        layout.addWidget(self.steps_label)
        self.scene = new_scene(distance=3.2, centre=(0.5, 0.5, 0.5))  # 3D, or flat where OpenGL is missing
        self.scene.frame((0.5, 0.5, 0.5), 1.0)  # the unit cube and the axis names stay in view at any size
        layout.addWidget(self.scene.view, 1)
        self.set_picture(host)

    # -- table ------------------------------------------------------------------------------
    def fill_table(self, values: dict[str, tuple[float, ...]]) -> None:
        self._filling = True
        self.table.setRowCount(0)
        self.table.setColumnCount(len(self.dimensions))
        self.table.setHorizontalHeaderLabels(self.dimensions)
        for word, numbers in values.items():
            self._append_row(word, numbers)
        self._filling = False
        self._refresh_choices()

    def _append_row(self, word: str, numbers) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setVerticalHeaderItem(row, QTableWidgetItem(word))
        for col in range(len(self.dimensions)):
            value = float(numbers[col]) if col < len(numbers) else 0.0
            self.table.setItem(row, col, QTableWidgetItem(f"{value:.2f}"))

    def words(self) -> list[str]:
        return [self.table.verticalHeaderItem(r).text() for r in range(self.table.rowCount())]

    def matrix(self) -> np.ndarray:
        """The table as (words, dimensions) numbers; cells that are not numbers count as 0."""
        out = np.zeros((self.table.rowCount(), self.table.columnCount()), dtype=np.float32)
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                item = self.table.item(r, c)
                try:
                    out[r, c] = float(item.text().replace(",", ".")) if item else 0.0
                except ValueError:
                    out[r, c] = 0.0
        return out

    def set_value(self, word: str, dimension: str, value: float) -> None:
        row, col = self.words().index(word), self.dimensions.index(dimension)
        self.table.item(row, col).setText(f"{value:.2f}")

    def add_word(self, word: str, numbers=None) -> None:
        word = word.strip().lower()[:MAX_WORD_LETTERS]  # it is shown in the table, the sums and the picture
        if not word or word in self.words():
            return
        self._filling = True
        self._append_row(word, numbers if numbers is not None else [0.5] * len(self.dimensions))
        self._filling = False
        self.new_word.clear()
        self._refresh_choices()

    def add_age(self) -> None:
        """Grow the table by a column 'age' (preset words get sensible ages, others 0.5)."""
        if "age" in self.dimensions:
            return
        self._filling = True
        self.dimensions.append("age")
        col = self.table.columnCount()
        self.table.insertColumn(col)
        self.table.setHorizontalHeaderItem(col, QTableWidgetItem("age"))
        for row, word in enumerate(self.words()):
            self.table.setItem(row, col, QTableWidgetItem(f"{AGE.get(word, 0.5):.2f}"))
        self._filling = False
        self.add_dim_button.setEnabled(False)
        self.add_dim_button.setText("Age added: 4 numbers per word")
        self._refresh_choices()

    def reset(self) -> None:
        self.dimensions = list(DIMENSIONS)
        self.add_dim_button.setEnabled(True)
        self.add_dim_button.setText("Add a dimension: age")
        self.fill_table(PRESET)
        self.set_query("king", "man", "woman")

    def _on_item_changed(self, _item) -> None:
        if not self._filling:
            self.compute()

    def _refresh_choices(self) -> None:
        words = self.words()
        for box in (self.word_a, self.word_b, self.word_c):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(words)
            if current in words:
                box.setCurrentText(current)
            box.blockSignals(False)
        many = len(self.dimensions) > 3
        self.shown_row.setVisible(many)
        for i, box in enumerate(self.axis_boxes):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(self.dimensions)
            box.setCurrentText(current if current in self.dimensions else self.dimensions[i])
            box.blockSignals(False)
        self.compute()

    def set_query(self, a: str, b: str, c: str) -> None:
        for box, word in ((self.word_a, a), (self.word_b, b), (self.word_c, c)):
            box.blockSignals(True)
            box.setCurrentText(word)
            box.blockSignals(False)
        self.compute()

    # -- arithmetic ---------------------------------------------------------------------------
    def compute(self) -> dict | None:
        """Work out A − B + C with the table's numbers and find the nearest other word; redraw."""
        words, matrix = self.words(), self.matrix()
        a, b, c = self.word_a.currentText(), self.word_b.currentText(), self.word_c.currentText()
        if not words or not all(w in words for w in (a, b, c)):
            self.last_result = None
            self.redraw()
            return None
        va, vb, vc = (matrix[words.index(w)] for w in (a, b, c))
        middle = va - vb
        result = middle + vc
        store = WordVectors(words, matrix)
        others = [w for w in words if w not in (a, b, c)]
        nearest = store.nearest(result, topn=3, exclude=(a, b, c)) if others else []
        self.last_result = {"a": a, "b": b, "c": c, "middle": middle, "result": result,
                            "nearest": nearest, "answer": nearest[0][0] if nearest else None}

        def fmt(v):
            return "(" + ", ".join(f"{x:.2f}" for x in v) + ")"

        self.steps_label.setText(
            f"<b>{a}</b> {fmt(va)} <span style='color:{MINUS_COLOUR}'><b>− {b}</b> {fmt(vb)}</span> = {fmt(middle)}"
            f"<br><span style='color:{PLUS_COLOUR}'><b>+ {c}</b> {fmt(vc)}</span> = "
            f"<span style='color:{RESULT_COLOUR}'><b>{fmt(result)}</b></span>"
            + ("" if not nearest else "<br>nearest word (not counting the three above): "
               + ", ".join(f"<b>{w}</b> {s:.3f}" if i == 0 else f"{w} {s:.3f}" for i, (w, s) in enumerate(nearest))
               + " <small>(cosine similarity: 1 = same direction)</small>"))
        self.answer_label.setText(self.last_result["answer"] or "?")
        self.redraw()
        return self.last_result

    # -- 3D -----------------------------------------------------------------------------------
    def shown_columns(self) -> list[int]:
        if len(self.dimensions) <= 3:
            return list(range(len(self.dimensions)))
        return [max(0, self.dimensions.index(b.currentText())) if b.currentText() in self.dimensions else i
                for i, b in enumerate(self.axis_boxes)]

    def redraw(self) -> None:
        words, matrix = self.words(), self.matrix()
        cols = self.shown_columns()
        pos = np.zeros((len(words), 3), np.float32)
        pos[:, :len(cols)] = matrix[:, cols][:, :3] if len(words) else pos[:, :len(cols)]
        colours = np.array([rgba(GROUP_COLOURS[i % len(GROUP_COLOURS)]) for i in range(len(words))], np.float32)
        scene = self.scene
        scene.axes("axes", 1.3, [self.dimensions[c] for c in cols])
        if len(words):
            scene.points("points", pos, colours, size=14)
            scene.labels("labels", pos, words)
            scene.arrows("spokes", np.zeros_like(pos), pos, "#9aa5b1", width=1.5, head=0.05)
        else:
            for key in ("points", "labels", "spokes"):
                scene.clear(key)
        r = self.last_result
        if r is None:
            for key in ("minus", "plus", "result", "result_label"):
                scene.clear(key)
            return
        va = pos[words.index(r["a"])]
        middle = np.zeros(3, np.float32)
        middle[:len(cols)] = r["middle"][cols][:3]
        result = np.zeros(3, np.float32)
        result[:len(cols)] = r["result"][cols][:3]
        scene.arrows("minus", [va], [middle], MINUS_COLOUR, width=4)
        scene.arrows("plus", [middle], [result], PLUS_COLOUR, width=4)
        scene.points("result", np.array([middle, result]), np.array([rgba(MINUS_COLOUR, 0.8),
                                                                     rgba(RESULT_COLOUR)]), size=20)
        texts, where = [f"{r['a']} − {r['b']}"], [middle]
        answer_pos = pos[words.index(r["answer"])] if r["answer"] else None
        if answer_pos is None or np.linalg.norm(answer_pos - result) > 0.08:  # else the answer's own label says it
            texts.append("= ?" if answer_pos is None else f"≈ {r['answer']}")
            where.append(result)
        scene.labels("result_label", np.array(where), texts, bold=True)
