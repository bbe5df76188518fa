"""The "learned from playlists" half of the Songs page: train item2vec (live loss and map), pick songs, see the
taste point, the recommendations with the liked song each came from, similar listeners and held-out scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engines.core.jobs import Frame, Log, Progress
from lab_app.plotting import pg, themed
from lab_app.tabs.embeddings.gl_scene import new_scene, rgba
from lab_app.widgets.placeholder import Placeholder

GENRE_COLOURS = {"rock": "#e8590c", "pop": "#e64980", "hip-hop": "#f59f00", "electronic": "#1098ad",
                 "classical": "#7048e8", "jazz": "#2f9e44", "country": "#a0522d", "metal": "#495057", "?": "#868e96"}
TASTE_COLOUR, RECOMMEND_COLOUR = "#d62728", "#2f9e44"


class PlaylistSongs:
    """Builds ``controls`` and ``picture`` widgets for a page and runs training on the page's runner."""

    def __init__(self, page) -> None:
        self.page = page
        self.model = None  # engines.embeddings.item2vec.SongModel once trained
        self.coords: np.ndarray | None = None  # (songs, 3) from the latest frame
        self.csv_path: Path | None = None
        self.recommendations: list[tuple[int, float]] = []
        self.runner = page.new_runner("item2vec")
        self.runner.frame.connect(self._on_frame)
        self.runner.progress.connect(self._on_progress)
        self.runner.log.connect(self._on_log)
        self.runner.finished.connect(self._on_trained)
        self.runner.failed.connect(lambda f: self.status.setText(f"Could not train: {f.message}"))
        self.runner.running_changed.connect(self._on_running)
        self.controls = self._build_controls()
        self.picture = self._build_picture()

    def _build_controls(self) -> QWidget:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.source_label = QLabel("Playlists: a generated listening world (358 songs, 600 listeners)")
        self.source_label.setWordWrap(True)
        layout.addWidget(self.source_label)
        row = QHBoxLayout()
        self.csv_button = QPushButton("Load playlists CSV…")
        self.csv_button.setToolTip("Rows of playlist_id,track (a header row is optional)")
        self.csv_button.clicked.connect(self.pick_csv)
        self.world_button = QPushButton("Generated world")
        self.world_button.clicked.connect(lambda: self.set_source(None))
        row.addWidget(self.csv_button)
        row.addWidget(self.world_button)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Steps"))
        self.steps_box = QSpinBox()
        self.steps_box.setRange(100, 20_000)
        self.steps_box.setSingleStep(500)
        self.steps_box.setValue(1500)
        row.addWidget(self.steps_box)
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.runner.cancel)
        row.addWidget(self.train_button)
        row.addWidget(self.stop_button)
        layout.addLayout(row)
        self.status = QLabel("Press Train: item2vec learns a vector per song from which songs share playlists.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        box = QGroupBox("Songs you like")
        bl = QVBoxLayout(box)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by title, artist or genre")
        self.filter_edit.textChanged.connect(self._filter)
        bl.addWidget(self.filter_edit)
        self.song_list = QListWidget()
        self.song_list.setMinimumHeight(260)
        self.song_list.itemChanged.connect(lambda _item: self.update_taste())
        bl.addWidget(self.song_list)
        self.liked_label = QLabel("")
        self.liked_label.setWordWrap(True)
        bl.addWidget(self.liked_label)
        layout.addWidget(box)
        self.metrics_label = QLabel("")
        self.metrics_label.setWordWrap(True)
        layout.addWidget(self.metrics_label)
        return host

    def _build_picture(self) -> QWidget:
        host = QWidget()
        layout = QHBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scene = new_scene(distance=3.0)
        self.scene.frame((0.0, 0.0, 0.0), 1.1)
        left = QVBoxLayout()
        left.addWidget(self.scene.view, 1)
        legend = QLabel("Genres (training never sees them): " + "  ".join(
            f"<span style='color:{c}'>●</span> {g}" for g, c in GENRE_COLOURS.items() if g != "?"))
        legend.setWordWrap(True)
        left.addWidget(legend)
        layout.addLayout(left, 3)
        side = QVBoxLayout()
        self.loss_plot = themed(pg().PlotWidget(title="Loss"))
        self.loss_plot.setMaximumHeight(170)
        self.loss_plot.setLabel("bottom", "step")
        self.loss_curve = self.loss_plot.plot([], [], pen=pg().mkPen("#2e86de", width=2))
        self.loss_note = Placeholder(self.loss_plot, "Press Train: the loss falls here")
        side.addWidget(self.loss_plot)
        side.addWidget(QLabel("<b>Recommended</b> (cosine with your taste; the liked song it is nearest to)"))
        self.recommend_list = QListWidget()
        self.recommend_list.setWordWrap(True)
        side.addWidget(self.recommend_list, 2)
        side.addWidget(QLabel("<b>Listeners like you</b>"))
        self.listener_list = QListWidget()
        side.addWidget(self.listener_list, 1)
        holder = QWidget()
        holder.setLayout(side)
        holder.setMinimumWidth(250)
        holder.setMaximumWidth(340)
        layout.addWidget(holder, 2)
        return host

    # -- training ------------------------------------------------------------------------
    def pick_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.page, "Playlists (playlist_id,track per row)", "",
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.set_source(Path(path))

    def set_source(self, path: Path | None) -> None:
        self.csv_path = path
        self.source_label.setText("Playlists: a generated listening world (358 songs, 600 listeners)" if path is None
                                  else f"Playlists: {path.name}")
        self.train()

    def load_shipped(self) -> None:
        """Open on the shipped vectors (once), so the map and recommendations show before any training."""
        if self.model is not None or self.runner.is_running():
            return
        from engines.embeddings.item2vec import load_shipped_songs

        self.status.setText("Loading the shipped song vectors…")
        self.runner.start(load_shipped_songs, label="Load song vectors")

    def train(self) -> None:
        from engines.core.device import torch_available
        from engines.embeddings.item2vec import songs_training_job

        if not torch_available():
            self.status.setText("Training needs PyTorch, which this build leaves out (the full build has it). "
                                "The shipped song vectors work here.")
            self.load_shipped()
            return

        csv, steps = (str(self.csv_path) if self.csv_path else None), self.steps_box.value()
        self.status.setText("Starting…")
        self.runner.start(lambda cancel: songs_training_job(csv, steps, 0, cancel), label="Train song vectors")

    def _on_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _on_log(self, log: Log) -> None:
        self.status.setText(log.text)

    def _on_progress(self, progress: Progress) -> None:
        self.status.setText(f"Step {progress.step:,} of {progress.total:,}: loss {progress.metrics['loss']:.3f}")

    def _on_frame(self, frame: Frame) -> None:
        payload = frame.payload
        coords = np.asarray(payload["coords"], dtype=np.float32)
        self.coords = coords / (np.abs(coords).max() or 1.0)
        if payload["losses"]:
            steps, values = zip(*payload["losses"])
            self.loss_curve.setData(list(steps), list(values))
            self.loss_note.clear()
        if self.model is None or self.model.vectors.shape[0] == len(coords):
            self.draw()

    def _on_trained(self, model) -> None:
        self.model = model
        world = model.world
        if self.coords is None or len(self.coords) != len(world.tracks) or not model.losses:
            from engines.embeddings.projection import pca_projection

            coords = pca_projection(model.vectors)(model.vectors)
            self.coords = coords / (np.abs(coords).max() or 1.0)
        self.song_list.blockSignals(True)
        self.song_list.clear()
        first = set(world.playlists[0][:3])
        for i, track in enumerate(world.tracks):
            item = QListWidgetItem(f"{track.title}  ({track.genre}, {track.era})" if track.genre != "?"
                                   else track.title)
            item.setData(Qt.ItemDataRole.UserRole, i)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if i in first else Qt.CheckState.Unchecked)
            self.song_list.addItem(item)
        self.song_list.blockSignals(False)
        m = model.metrics
        self.metrics_label.setText(
            f"<b>Held-out playlists</b> ({m['learned']['playlists']}; a fifth of each hidden). A hidden song in the "
            f"top 10: learned {m['learned']['hit_rate@10']:.0%}, most played {m['popularity']['hit_rate@10']:.0%}, "
            f"random {m['random']['hit_rate@10']:.0%}. Share of hidden songs found: "
            f"{m['learned']['recall@10']:.0%} / {m['popularity']['recall@10']:.0%} / {m['random']['recall@10']:.0%}.")
        self.status.setText(f"Trained in {model.seconds:.0f} s on {world.name}. Tick songs you like." if model.losses
                            else "Shipped song vectors (tools/train_song_vectors.py). Tick songs you like; press "
                                 "Train to watch them being learned.")
        self.update_taste()

    # -- taste ---------------------------------------------------------------------------
    def _filter(self, text: str) -> None:
        text = text.lower().strip()
        for r in range(self.song_list.count()):
            item = self.song_list.item(r)
            item.setHidden(bool(text) and text not in item.text().lower())

    def liked(self) -> list[int]:
        return [self.song_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.song_list.count())
                if self.song_list.item(r).checkState() == Qt.CheckState.Checked]

    def update_taste(self) -> None:
        from engines.embeddings.item2vec import nearest_liked, recommend_songs, similar_listeners

        self.recommend_list.clear()
        self.listener_list.clear()
        liked = self.liked()
        self.recommendations = []
        if self.model is not None:
            names = [self.model.world.tracks[i].title for i in liked]
            self.liked_label.setText(f"Ticked ({len(names)}): " + "; ".join(names) if names else
                                     "Tick at least one song you like.")
        if self.model is not None and liked:
            tracks, vectors = self.model.world.tracks, self.model.vectors
            self.recommendations = recommend_songs(vectors, liked, top=10)
            for song, score in self.recommendations:
                because, _ = nearest_liked(vectors, liked, song)
                self.recommend_list.addItem(f"{score:.2f}  {tracks[song].title}\n      ← "
                                            f"{tracks[because].title.split(' — ')[0]}")
            for listener, score, genres in similar_listeners(self.model, liked):
                self.listener_list.addItem(f"{score:.2f}  listener {listener + 1}: {', '.join(genres)}")
        self.draw()

    def draw(self) -> None:
        if self.coords is None:
            return
        scene, coords = self.scene, self.coords
        world = self.model.world if self.model is not None else None
        colours = (np.array([rgba(GENRE_COLOURS.get(t.genre, "#868e96"), 0.8) for t in world.tracks])
                   if world is not None else (0.4, 0.5, 0.7, 0.8))
        scene.points("songs", coords, colours, size=7)
        liked = self.liked() if world is not None else []
        if not liked:
            for key in ("taste", "spokes", "recommend", "names"):
                scene.clear(key)
            return
        taste = coords[liked].mean(axis=0)  # PCA and alignment are affine: the mean's point is the points' mean
        targets = coords[[s for s, _ in self.recommendations]]
        scene.arrows("spokes", coords[liked], np.repeat(taste[None], len(liked), axis=0), TASTE_COLOUR, width=1.0,
                     head=0.03)
        scene.arrows("recommend", np.repeat(taste[None], len(targets), axis=0), targets, RECOMMEND_COLOUR,
                     width=2.0, head=0.04)
        scene.points("taste", taste[None], np.array([rgba(TASTE_COLOUR)]), size=16)
        names = [world.tracks[s].title.split(" — ")[0] for s, _ in self.recommendations[:5]]
        scene.labels("names", np.vstack([taste[None], targets[:5]]), ["your taste", *names])
