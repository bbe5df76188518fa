"""Play a short clip through QtMultimedia, or say plainly why it can't be played.

QtMultimedia ships in PySide6-Addons, which the app installs (the lite bundle leaves it
out). Without it, or without an audio output device, :meth:`SoundPlayer.play` does nothing and
:attr:`SoundPlayer.unavailable` holds the sentence to show instead ("Export WAV" always works).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, QUrl, Signal


def _multimedia():
    try:
        from PySide6 import QtMultimedia  # noqa: F401  (PySide6-Addons)
    except ImportError:
        return None
    return QtMultimedia


def playback_problem() -> str:
    """'' when sound can be played here, else why not (one short sentence)."""
    if os.environ.get("AI_LAB_NO_AUDIO"):
        return "Sound is switched off (AI_LAB_NO_AUDIO): use Export WAV to listen."
    mm = _multimedia()
    if mm is None:
        return "No sound player here (QtMultimedia, part of PySide6-Addons, is not installed): use Export WAV."
    try:
        if not mm.QMediaDevices.audioOutputs():
            return "No audio output device found: use Export WAV to listen elsewhere."
    except Exception as exc:  # noqa: BLE001 - a broken backend is a message, never a crash
        return f"Sound output is not working here ({exc}): use Export WAV."
    return ""


class SoundPlayer(QObject):
    """Plays float samples; ``position`` reports the playhead as a 0…1 fraction, ``stopped`` at the end."""

    position = Signal(float)
    stopped = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unavailable = playback_problem()
        self._player = self._output = None
        self._dir = tempfile.TemporaryDirectory(prefix="ai-lab-sound-")
        self._n = 0
        self._length_s = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)
        if not self.unavailable:
            mm = _multimedia()
            self._player = mm.QMediaPlayer(self)
            self._output = mm.QAudioOutput(self)
            self._player.setAudioOutput(self._output)
            self._player.playbackStateChanged.connect(self._on_state)

    @property
    def available(self) -> bool:
        return not self.unavailable

    def play(self, samples: np.ndarray, rate: int) -> bool:
        """Start playing; False (and nothing happens) when sound is unavailable here."""
        if self._player is None:
            return False
        from engines.diffusion.audio import write_wav

        self.stop()
        self._n += 1
        path = Path(self._dir.name) / f"clip-{self._n}.wav"  # a new name: the player caches by URL
        write_wav(path, samples, rate)
        self._length_s = len(samples) / rate
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()
        self._timer.start()
        return True

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        self._timer.stop()

    def _tick(self) -> None:
        if self._player is not None and self._length_s > 0:
            self.position.emit(min(1.0, self._player.position() / 1000.0 / self._length_s))

    def _on_state(self, state) -> None:
        mm = _multimedia()
        if mm is not None and state == mm.QMediaPlayer.PlaybackState.StoppedState:
            self._timer.stop()
            self.stopped.emit()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
