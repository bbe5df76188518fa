"""Steer with a caption, read by both clues: the first caption drawn by the faces model with GloVe word vectors
and by the one with MiniLM phrase vectors, from the same noise, and how each clue reads the caption's new words."""

from __future__ import annotations

from typing import Any

import numpy as np

from engines.diffusion.model_store import CLUES, get_model
from engines.diffusion.steer import clues_job
from lab_app.tabs.diffusion.caption_text import clue_readings_html
from lab_app.tabs.diffusion.common import backend_for


def _clue_models(ctx):
    backend, device = backend_for(ctx)
    return {label: get_model(key, backend, device, ctx.current.threads) for label, key in
            (("GloVe words", CLUES["glove"]), ("MiniLM phrases", CLUES["minilm"]))}


class ClueCompare:
    """Mixed into the caption page: uses its form (prompt_edit, grid_box, _settings()), runner, ``grid_view``,
    ``words_label``, ``save_button`` and ``_mosaic``."""

    def compare_clues(self) -> None:
        """The first caption from both faces models (GloVe words, MiniLM phrases), the same noise for each."""
        n = int(self.grid_box.currentData())
        settings, ctx = self._settings((self.prompt_edit.text(),) * n), self.ctx
        self.mode, self.result = "clues", None
        self._hide_tree()
        self.save_button.setEnabled(False)
        self._status(f"Drawing the caption with both clues, {n} picture(s) each…")
        self.runner.start(lambda cancel: clues_job(_clue_models(ctx), settings, cancel),
                          label="Comparing the two clues")

    def _clues_frame(self, payload: dict[str, Any], step_no: int) -> None:
        self.grid_view.set_image(self._mosaic(payload["x0"]))
        self.grid_view.set_title(f"Step {step_no}: one clue's current guess")

    def _show_clues(self, result: dict[str, Any]) -> None:
        """Two mosaics side by side (GloVe left, MiniLM right) and how each clue read the new words."""
        names = list(result["images"])
        mosaics = [self._mosaic(result["images"][n]) for n in names]
        gap = np.full((mosaics[0].shape[0], 6, 3), 150, np.uint8)  # the grey between pictures (white glared on dark)
        self.grid_view.set_image(np.concatenate([mosaics[0], gap, mosaics[1]], axis=1))
        self.grid_view.set_title(f"Same noise: {names[0]} (left), {names[1]} (right)")
        self.words_label.setText(clue_readings_html(result["readings"]))
        self.save_button.setEnabled(True)
        self._status("Done: the same caption and noise, read by two clues. New words decide the difference.")
