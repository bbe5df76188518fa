"""A page that says what will be there: used until a tab's issue builds the real page."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from lab_app.tabs.page import LabPage


class PlannedPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.controls.addWidget(QLabel("<i>No controls yet.</i>"))
        items = "".join(f"<li style='margin-bottom:6px'>{escape(p)}</li>" for p in spec.plans)
        picture = QLabel(
            "<div style='font-size:large'>"
            "<p><b>This experiment is being built.</b> When it is ready you will find here:</p>"
            f"<ul>{items}</ul>"
            "<p>Every experiment runs a real model and shows what happens inside it, live.</p></div>"
        )
        picture.setObjectName("plannedPicture")
        picture.setWordWrap(True)
        picture.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        picture.setMargin(16)
        self.set_picture(picture)
