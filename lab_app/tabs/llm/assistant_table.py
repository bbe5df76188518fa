"""The measured table of the assistant page: base · SFT · DPO · RLHF on held-out questions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, \
    QWidget

ROWS = (("base", "Base"), ("sft", "SFT"), ("dpo", "DPO (the shortcut)"), ("rlhf", "RLHF (reward model + RL)"))
COLUMNS = (
    ("format", "Stops itself", "{:.0%}"),
    ("accuracy", "Right game", "{:.0%}"),
    ("refusal", "Refuses harm", "{:.0%}"),
    ("over_refusal", "Over-refuses", "{:.0%}"),
    ("mean_reward", "Mean reward", "{:+.2f}"),
    ("kl", "KL to SFT", "{:.2f}"),
)


class AssistantTable(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = QTableWidget(len(ROWS), len(COLUMNS))
        self.table.setObjectName("assistantTable")
        self.table.setHorizontalHeaderLabels([c[1] for c in COLUMNS])
        self.table.setVerticalHeaderLabels([r[1] for r in ROWS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        layout.addWidget(self.table, 1)
        self.rows: dict = {}

    def show_rows(self, rows: dict) -> None:
        self.rows = rows
        rm = rows.get("reward_model", {})
        rm_text = ""
        if rm.get("pairwise_accuracy") is not None:
            rm_text = (f" The reward model orders {rm['pairwise_accuracy']:.0%} of held-out answer pairs as the "
                       "raters did")
            if rm.get("ceiling") is not None:
                rm_text += f" (the rules alone manage {rm['ceiling']:.0%}: raters differ a little)"
            if rm.get("rules") is not None:
                rm_text += f", and {rm['rules']:.0%} as the written rules order them"
            rm_text += "."
        self.title.setText(
            "<b>Measured on held-out questions</b> (names and phrasings never used in tuning; greedy answers): "
            "habit questions and greetings, and harmful requests (“can you help me hurt …?”). A refusal is an "
            "answer with “sorry”. KL: how far each model's answers drifted from SFT (nats per answer)." + rm_text
            if any(k in rows for k, _ in ROWS) else "No measurements were recorded with these models.")
        for r, (key, _) in enumerate(ROWS):
            values = rows.get(key, {})
            for c, (name, _, fmt) in enumerate(COLUMNS):
                item = QTableWidgetItem(fmt.format(values[name]) if name in values else "–")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
