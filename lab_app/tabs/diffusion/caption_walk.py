"""Steer with a caption, walking in between: one strip of pictures from the first caption to the second (same seed,
the caption numbers mixed) or from the seed to a second seed (same caption, the noises blended); the page's half
of :mod:`lab_app.tabs.diffusion.walk_panel`."""

from __future__ import annotations

from typing import Any

import numpy as np

from engines.diffusion.sample import image_grid
from engines.diffusion.steer import walk_job, walk_weights
from lab_app.tabs.diffusion.common import with_model


class CaptionWalk:
    """Mixed into the caption page: uses its form (prompt_edit, prompt_b_edit, the walk controls, _settings()),
    runner, ``strip_host``, ``grid_view``, ``save_button`` and ``show_encoding``."""

    def walk(self) -> None:
        """One strip of pictures between the two captions (same seed) or the two seeds (same caption)."""
        kind, frames = str(self.walk_box.currentData()), self.frames_box.value()
        settings = self._settings((self.prompt_edit.text(),))
        prompt_b, seed_b, ctx, name = self.prompt_b_edit.text(), self.seed_b_box.value(), self.ctx, self.model_name()
        if not self._can_start():
            return
        self.mode, self.result = "strip", None
        self._hide_tree()
        self.save_button.setEnabled(False)
        self._prepare_strip(walk_weights(frames), kind, settings.seed, seed_b)
        self._status(f"Sampling a strip of {frames} pictures in one batch, {settings.steps} steps…")
        self.runner.start(lambda cancel: with_model(ctx, name, lambda m: walk_job(
            m, settings, kind, prompt_b, seed_b, frames, cancel)), label="Sampling an interpolation strip")

    def _prepare_strip(self, weights: list[float], kind: str, seed: int, seed_b: int) -> None:
        self.strip_host.prepare(weights, kind, seed, seed_b)
        self.strip_host.setVisible(True)
        self._picture_grid.setRowStretch(2, 1)  # (no stretch while hidden: no empty band under the pictures)

    def _show_strip(self, images: np.ndarray) -> None:
        self.strip_host.show_images(images)
        self.grid_view.set_image(image_grid(np.asarray(images)[[0, -1]], 2, pad=2, fill=150))
        self.grid_view.set_title("The walk's two ends: w = 0 (left) and w = 1 (right); all steps below")

    def _strip_frame(self, payload: dict[str, Any]) -> None:
        self._show_strip(payload["x0"])
        self.show_encoding(payload["encoded"])

    def _strip_finished(self, result: dict[str, Any]) -> None:
        images = np.asarray(result["images"])
        self._show_strip(images)
        self.show_encoding(result["encoded"])
        self.save_button.setEnabled(True)
        what = "captions" if result["kind"] == "prompts" else "seeds"
        self._status(f"Done: {len(images)} pictures between the two {what}, left (w = 0) to right (w = 1).")
