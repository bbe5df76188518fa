"""A truth table that shows what a neuron (or network) answers for every row, wrong rows highlighted."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

WRONG = QColor(224, 49, 49, 110)
RIGHT = QColor(47, 158, 68, 60)


class TruthTable(QTableWidget):
    """Columns ``a1 … an | want | says``; a row the neuron gets wrong is tinted red."""

    def __init__(self) -> None:
        super().__init__()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.wrong_rows: list[int] = []

    def show_rows(self, inputs: np.ndarray, targets: np.ndarray, answers: Sequence[float]) -> None:
        """``inputs (R, n)``, ``targets (R,)`` and the neuron's ``answers (R,)`` (0/1)."""
        n_rows, n_in = inputs.shape
        self.setRowCount(n_rows)
        self.setColumnCount(n_in + 2)
        self.setHorizontalHeaderLabels([f"a{i + 1}" for i in range(n_in)] + ["want", "says"])
        self.wrong_rows = []
        for r in range(n_rows):
            wrong = bool(answers[r] != targets[r])
            if wrong:
                self.wrong_rows.append(r)
            values = [*inputs[r], targets[r], answers[r]]
            for c, value in enumerate(values):
                item = QTableWidgetItem(f"{value:g}" + (" ✗" if wrong and c == n_in + 1 else ""))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(WRONG if wrong else RIGHT))
                self.setItem(r, c, item)
        height = self.horizontalHeader().height() + sum(self.rowHeight(r) for r in range(n_rows)) + 4
        self.setFixedHeight(min(height, 300))
