""""Many answers": N answers to one question, ranked by the reward model, as a table with score bars."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, \
    QWidget

from lab_app.tabs.llm.common import escape

NOTE = ("The same model asked the same question {n} times at temperature {t:.2f}: each answer is drawn word by "
        "word, so they differ. The reward model scored each one; best first. In RLHF, raters rank answers like "
        "these (people for real chatbots, a script here), a reward model learns to score them, and the assistant "
        "is trained towards the top of such lists.")


class ManyAnswersView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantManyList")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel("Press “Many answers” on the left.")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["#", "Reward", "Answer"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.rows: list[dict] = []

    def show_message(self, text: str) -> None:
        self.note.setText(escape(text))

    def show_ranked(self, rows: list[dict], model: str, temperature: float) -> None:
        self.rows = rows
        distinct = len({r["text"] for r in rows})
        self.note.setText(NOTE.format(n=len(rows), t=temperature) + f" ({model}; {distinct} different answers)")
        self.table.setRowCount(len(rows))
        if not rows:
            return
        top, bottom = rows[0]["reward"], rows[-1]["reward"]
        for i, row in enumerate(rows):
            share = 1.0 if top == bottom else (row["reward"] - bottom) / (top - bottom)
            cells = (str(row["rank"]), f"{row['reward']:+.2f}", row["text"] + ("" if row["stopped"] else " …"))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col < 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if col == 1:
                    from PySide6.QtGui import QColor

                    item.setBackground(QColor.fromHsvF(0.33 * share, 0.45, 0.95))
                    item.setForeground(QColor("black"))
                self.table.setItem(i, col, item)
