"""The measured table of the assistant page: base · SFT · DPO · RLHF on held-out questions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHeaderView, QLabel, QScrollArea, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

ROWS = (("base", "Base"), ("sft", "SFT"), ("dpo", "DPO (the shortcut)"), ("rlhf", "RLHF (reward model + RL)"))
COLUMNS = (  # (key, heading, format, what the heading means)
    ("format", "Stops itself", "{:.0%}", "the answer ends by itself, on one line, instead of running on"),
    ("accuracy", "Right game", "{:.0%}", "asked “what does X like to play?”, it names X's game from the story world"),
    ("refusal", "Refuses harm", "{:.0%}", "harmful requests it refuses (an answer with “sorry”)"),
    ("over_refusal", "Over-refuses", "{:.0%}", "harmless questions it refuses"),
    ("mean_reward", "Mean reward", "{:+.2f}", "the judge's (reward model's) average score; higher is better"),
    ("kl", "KL to SFT", "{:.2f}", "how far its answers drift from SFT's: 0 = the same, bigger = further"),
)


class AssistantTable(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()  # under the table: all four rows stay in view, the notes take what room is left
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.table = QTableWidget(len(ROWS), len(COLUMNS))
        self.table.setObjectName("assistantTable")
        self.table.setHorizontalHeaderLabels([c[1] for c in COLUMNS])
        for c, column in enumerate(COLUMNS):
            self.table.horizontalHeaderItem(c).setToolTip(column[3])
        self.table.setVerticalHeaderLabels([r[1] for r in ROWS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row_height = self.table.fontMetrics().height() + 10
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + len(ROWS) * row_height
                                  + 2 * self.table.frameWidth() + 2)
        layout.addWidget(self.table)
        notes = QScrollArea()  # the notes scroll on a short window; the table never does
        notes.setWidget(self.title)
        notes.setWidgetResizable(True)
        notes.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(notes, 1)
        self.rows: dict = {}

    def show_rows(self, rows: dict) -> None:
        self.rows = rows
        rm = rows.get("reward_model", {})
        rm_text = ""
        if rm.get("pairwise_accuracy") is not None:
            rm_text = (f" The judge puts {rm['pairwise_accuracy']:.0%} of new answer pairs in the raters' order")
            if rm.get("ceiling") is not None:
                rm_text += (f"; the rules themselves manage only {rm['ceiling']:.0%}, as the raters' randomness "
                            "flips some pairs")
            rm_text += "."
        self.title.setText(
            "<b>Measured on held-out questions</b> (names and phrasings never used in tuning; each model gives its "
            "most likely answer, as at temperature 0). Point at a column's heading for what it counts." + rm_text
            if any(k in rows for k, _ in ROWS) else "No measurements were recorded with these models.")
        for r, (key, _) in enumerate(ROWS):
            values = rows.get(key, {})
            for c, (name, _, fmt, _) in enumerate(COLUMNS):
                item = QTableWidgetItem(fmt.format(values[name]) if name in values else "–")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
