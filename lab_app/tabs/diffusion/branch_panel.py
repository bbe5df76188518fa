"""The run as a tree of filmstrips: pause, pick any frame, change the caption, guidance or noise, branch.

:class:`BranchPanel` shows :func:`engines.diffusion.branches.tree_image` and turns a click on a frame
into "branch from here"; :func:`tree_job` runs one row of the tree (the page owns the tree and the runner).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFileDialog, QGridLayout, QLabel, QPushButton, QWidget

from engines.core.jobs import Frame
from engines.diffusion.branches import columns_that_fit, recolour_tree
from engines.diffusion.model_store import get_model
from lab_app.errors import warn_could_not_save
from lab_app.tabs.diffusion.common import backend_for
from lab_app.widgets.pixel_view import PixelView

FRAME_PX = 64  # each frame of the tree on screen: twice a 32-px picture, big enough to see what it shows
HINT = ("Pause at any step (or click any frame of the tree), change the caption, guidance or seed on the left, "
        "then press <b>Branch from here</b>: the picture goes on from that frame with the change, as a new row.")


def tree_job(ctx, model_name: str, tree, row_id: int, gate, cancel, trunk_settings=None, max_columns: int = 26):
    """Run (or go on with) row ``row_id`` of ``tree``, pausing at ``gate``; a new tree's trunk is made first
    from ``trunk_settings`` (it needs the model's picture size). The picture has at most ``max_columns`` steps
    (see :meth:`BranchPanel.columns_that_fit`). Frame payload: {"step", "branch", "tree", "cells"}."""
    from engines.diffusion.branches import tree_image

    backend, device = backend_for(ctx)
    model = get_model(model_name, backend, device, ctx.current.threads)
    if trunk_settings is not None:
        tree.trunk(trunk_settings, model.image_shape)
    job = gate.pace(tree.run_job(model, row_id, cancel), cancel)
    try:
        while True:
            event = next(job)
            if isinstance(event, Frame):
                image, cells = tree_image(tree, max_columns)
                event = Frame({**event.payload, "tree": image, "cells": cells}, step=event.step)
            yield event
    except StopIteration as stop:
        image, cells = tree_image(tree, max_columns)
        return {"images": stop.value.states[stop.value.total], "branch": row_id, "tree": image, "cells": cells}


class BranchPanel(QWidget):
    """The tree view, what is picked, and the buttons. ``branch_clicked`` asks the page to branch from
    :attr:`picked` (row, step); ``picked`` follows clicks and, while running, the frame reached."""

    branch_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picked: tuple[int, int] | None = None
        self.cells: list = []
        self.image: np.ndarray | None = None
        self.notes: list[str] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.view = PixelView("The run as a tree: each frame is the network's guess of the finished picture", 60)
        self.view.set_placeholder("Run, then pause or click a frame to branch")
        self.view.clicked.connect(self._on_click)
        self.label = QLabel(HINT)
        self.label.setWordWrap(True)
        self.branch_button = QPushButton("Branch from here")
        self.branch_button.setToolTip("Go on from the picked frame with the caption, guidance and seed now set on the "
                                      "left (a new seed swaps the remaining noise, keeping what is decided)")
        self.branch_button.clicked.connect(self.branch_clicked)
        self.save_button = QPushButton("Save tree PNG…")
        self.save_button.clicked.connect(self._ask_save)
        for button in (self.branch_button, self.save_button):
            button.setEnabled(False)
        grid.addWidget(self.view, 0, 0, 1, 3)
        grid.addWidget(self.label, 1, 0)
        grid.addWidget(self.branch_button, 1, 1)
        grid.addWidget(self.save_button, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(0, 1)

    def columns_that_fit(self, size: int) -> int:
        """How many steps the tree may show side by side at the view's width, each frame ``FRAME_PX`` wide
        (a long run shows every n-th step; at 1280×800 all 26 frames of a 25-step run were 25 px)."""
        return columns_that_fit(self.view.width(), size, FRAME_PX)

    def clear(self) -> None:
        self.picked, self.cells, self.image = None, [], None
        self.view.set_image(None)
        self.label.setText(HINT)
        for button in (self.branch_button, self.save_button):
            button.setEnabled(False)

    def show_tree(self, image: np.ndarray, cells: list, notes: list[str], reached: tuple[int, int] | None = None) -> None:
        """Draw the tree; ``reached`` (row, step) becomes the picked frame (where a pause stands)."""
        self.image, self.cells, self.notes = image, cells, notes
        if reached is not None:
            self.picked = reached
        self._draw()
        self.save_button.setEnabled(True)

    def theme_colours(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """The tree's empty area in the page's own colour, its lines 70 % of the way to the text colour."""
        window = self.palette().color(QPalette.ColorRole.Window)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        back = (window.red(), window.green(), window.blue())
        line = tuple(round(0.3 * b + 0.7 * t) for b, t in zip(back, (text.red(), text.green(), text.blue())))
        return back, line

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed: redraw on its colours
            self._draw()
        super().changeEvent(event)

    def _draw(self) -> None:
        if self.image is None:
            return
        image = recolour_tree(self.image, self.cells, *self.theme_colours())
        cell = next((c for c in self.cells if (c.branch, c.step) == self.picked), None)
        if cell is not None:  # a frame around the picked frame
            y0, y1, x0, x1 = cell.y - 1, cell.y + cell.size, cell.x - 1, cell.x + cell.size
            image[y0, x0:x1 + 1] = image[y1, x0:x1 + 1] = (230, 120, 0)
            image[y0:y1 + 1, x0] = image[y0:y1 + 1, x1] = (230, 120, 0)
        self.view.set_image(image)
        finished = False
        if self.picked is not None:
            row, step = self.picked
            name = "the trunk" if row == 0 else f"branch {row}"
            finished = step == max(c.step for c in self.cells)
            self.label.setText(f"Picked: the finished picture of {name}; pick an earlier frame to branch from."
                               if finished else f"Picked: step {step + 1} of {name}. Change the caption, guidance "
                               "or seed, then Branch from here.")
        self.branch_button.setEnabled(self.picked is not None and not finished)

    def _on_click(self, x: int, y: int) -> None:
        for c in self.cells:
            if c.x - 1 <= x <= c.x + c.size and c.y - 1 <= y <= c.y + c.size:
                self.picked = (c.branch, c.step)
                self._draw()
                return

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the tree", "branches.png", "PNG (*.png)")
        if path:
            try:
                self.save_png(path)
            except (OSError, ValueError) as exc:  # a folder of that name, no permission, a device, "/"
                warn_could_not_save(self, path, exc)

    def save_png(self, path: str, meta: dict[str, str] | None = None) -> None:
        """The tree enlarged 4× (nearest neighbour), each row's change written into the file."""
        from engines.diffusion.png import write_png

        if self.image is None:
            raise ValueError("nothing to save yet")
        big = np.repeat(np.repeat(self.image, 4, axis=0), 4, axis=1)
        rows = {("trunk" if i == 0 else f"branch {i}"): note for i, note in enumerate(self.notes)}
        write_png(path, big, {**rows, **(meta or {}), "Software": "AI Lab (Diffusion tab)"})
