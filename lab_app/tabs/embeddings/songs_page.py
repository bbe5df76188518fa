"""Page "Songs as vectors": the talk's 3-genre toy. Tick the songs you like; your taste is their average, and the
songs nearest to it are recommended. The table is editable: change a song's numbers and watch it move."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QPushButton, QSpinBox, QStackedWidget, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from engines.embeddings.songs import GENRES, TOY_SONGS, Recommendation, Song, recommend, song_matrix, taste_vector
from lab_app.tabs.embeddings.gl_scene import new_scene, rgba
from lab_app.tabs.page import LabPage

GENRE_COLOURS = {"rock": "#e8590c", "classical": "#7048e8", "EDM": "#1098ad"}
TASTE_COLOUR, RECOMMEND_COLOUR = "#d62728", "#2f9e44"
START_LIKED = ("Here Comes the Sun", "Für Elise")

EXPLAINER_TOY = """
<p><b>Songs as three numbers.</b> Each song here gets a score for how rock, how classical and how EDM it is
(0 to 1, made up for this lesson), so it is a point in a 3D space: Für Elise sits far along the classical
axis, Levels along EDM, Bohemian Rhapsody mostly rock with some classical.</p>
<p><b>Your taste is an average.</b> Tick the songs you like: the red point is the average of their numbers
(thin red arrows run from each liked song to it). Like Here Comes the Sun and Für Elise and your taste lands
between rock and classical.</p>
<p><b>Recommendations are the nearest songs.</b> The green arrows point from your taste to the songs nearest to
it that you have not ticked; the list says how far each is and which of your songs it is closest to. A music
service does the same with vectors of a hundred or more numbers that it learns from which songs people play
together; nobody names those numbers, but songs that are played together end up close.</p>
"""

EXPLAINER_LEARNED = """
<p><b>Learning the numbers.</b> Here nobody scores the songs. item2vec gives every song 32 random numbers and
reads the playlists: two songs in the same playlist are pulled together, random other songs pushed apart (the
skip-gram of "Learn vectors live", with playlists for sentences). Songs that share playlists end up pointing the
same way. The map squeezes the 32 numbers to 3 by PCA and colours songs by genre, which training never sees.</p>
<p><b>Taste and recommendations.</b> Your taste is the average of the vectors of the songs you tick; the
recommendations are the songs whose vectors point most nearly the same way (cosine), and ← names the liked song
each is closest to. A listener is the average of all their songs, so "listeners like you" are the nearest such
averages.</p>
<p><b>Does it work?</b> A tenth of the playlists are kept out of training; from each, a fifth of the songs are
hidden and the rest are the taste. The score is how often a hidden song is in the top 10, against suggesting the
most played songs or random ones. The playlists come from a generated world (no real listening data is available
offline) whose listeners keep a playlist mostly to one genre, which is easier than real life; load your own CSV
of playlist_id,track rows to try real playlists.</p>
"""


class SongsPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.songs: list[Song] = list(TOY_SONGS)
        self.recommendations: list[Recommendation] = []
        self.taste: np.ndarray | None = None
        self._filling = False
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER_TOY)
        self.mode_box.currentIndexChanged.connect(self._on_mode)
        self.splitter.setSizes([410, 870])
        self.fill_table(START_LIKED)

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.mode_box = QComboBox()
        self.mode_box.addItems(["Toy: 3 genres you can edit", "Learned from playlists (item2vec)"])
        self.controls.addWidget(self.mode_box)
        self.control_stack, self.picture_stack = QStackedWidget(), QStackedWidget()
        self.mode_box.currentIndexChanged.connect(self.control_stack.setCurrentIndex)
        self.mode_box.currentIndexChanged.connect(self.picture_stack.setCurrentIndex)
        self.controls.addWidget(self.control_stack)
        toy_host = QWidget()
        toy = QVBoxLayout(toy_host)
        toy.setContentsMargins(0, 0, 0, 0)
        self.control_stack.addWidget(toy_host)
        self.table = QTableWidget(0, 1 + len(GENRES))
        self.table.setHorizontalHeaderLabels(["Song", *GENRES])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 1 + len(GENRES)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(380)
        self.table.itemChanged.connect(self._on_item_changed)
        hint = QLabel("Tick the songs you like. Double-click a number to change it (0 to 1).")
        hint.setWordWrap(True)
        toy.addWidget(hint)
        toy.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(QLabel("Recommend"))
        self.top_box = QSpinBox()
        self.top_box.setRange(1, 8)
        self.top_box.setValue(3)
        self.top_box.valueChanged.connect(lambda _v: self.update_taste())
        row.addWidget(self.top_box)
        row.addStretch(1)
        self.reset_button = QPushButton("Reset the table")
        self.reset_button.clicked.connect(lambda: self.fill_table(START_LIKED))
        row.addWidget(self.reset_button)
        toy.addLayout(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        toy.addWidget(self.message)

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QHBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scene = new_scene(distance=3.2, centre=(0.5, 0.5, 0.5))  # 3D, or flat where OpenGL is missing
        self.scene.frame((0.5, 0.5, 0.5), 0.85)
        layout.addWidget(self.scene.view, 3)
        box = QGroupBox("Recommended for you")
        bl = QVBoxLayout(box)
        self.taste_label = QLabel("")
        self.taste_label.setWordWrap(True)
        bl.addWidget(self.taste_label)
        self.recommend_list = QListWidget()
        self.recommend_list.setWordWrap(True)
        bl.addWidget(self.recommend_list, 1)
        box.setMinimumWidth(230)
        box.setMaximumWidth(320)
        layout.addWidget(box, 1)
        self.picture_stack.addWidget(host)
        from lab_app.tabs.embeddings.playlist_songs import PlaylistSongs

        self.learned = PlaylistSongs(self)
        self.control_stack.addWidget(self.learned.controls)
        self.picture_stack.addWidget(self.learned.picture)
        self.set_picture(self.picture_stack)

    def _on_mode(self, index: int) -> None:
        self.set_explainer(EXPLAINER_LEARNED if index == 1 else EXPLAINER_TOY)
        if index == 1:
            self.learned.load_shipped()

    # -- the table ------------------------------------------------------------------------
    def fill_table(self, liked) -> None:
        self._filling = True
        self.songs = list(TOY_SONGS)
        self.table.setRowCount(len(self.songs))
        for r, song in enumerate(self.songs):
            title = QTableWidgetItem(song.title)
            title.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            title.setCheckState(Qt.CheckState.Checked if song.title in liked else Qt.CheckState.Unchecked)
            title.setToolTip(f"{song.title} — {song.artist}")
            self.table.setItem(r, 0, title)
            for c, value in enumerate(song.scores):
                self.table.setItem(r, 1 + c, QTableWidgetItem(f"{value:.1f}"))
        self._filling = False
        self.update_taste()

    def liked(self) -> list[str]:
        return [self.songs[r].title for r in range(len(self.songs))
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]

    def set_liked(self, titles) -> None:
        """Tick exactly ``titles`` (used by tests and presets)."""
        self._filling = True
        for r, song in enumerate(self.songs):
            state = Qt.CheckState.Checked if song.title in titles else Qt.CheckState.Unchecked
            self.table.item(r, 0).setCheckState(state)
        self._filling = False
        self.update_taste()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        if item.column() >= 1:
            r, c = item.row(), item.column() - 1
            try:
                value = float(item.text().replace(",", "."))
            except ValueError:
                value = self.songs[r].scores[c]
                self.message.setText(f"{item.text()!r} is not a number: kept {value:.1f}.")
            value = min(1.0, max(0.0, value))
            scores = list(self.songs[r].scores)
            scores[c] = value
            self.songs[r] = Song(self.songs[r].title, self.songs[r].artist, tuple(scores))
            self._filling = True
            item.setText(f"{value:.2f}".rstrip("0").rstrip(".") if value not in (0.0, 1.0) else f"{value:.1f}")
            self._filling = False
        self.update_taste()

    # -- taste and recommendations ----------------------------------------------------------
    def update_taste(self) -> None:
        liked = self.liked()
        self.recommend_list.clear()
        if not liked:
            self.taste, self.recommendations = None, []
            self.taste_label.setText("Tick at least one song you like.")
        else:
            self.taste = taste_vector(self.songs, liked)
            self.recommendations = recommend(self.songs, liked, top=self.top_box.value())
            numbers = ", ".join(f"{g} {v:.2f}" for g, v in zip(GENRES, self.taste))
            self.taste_label.setText(f"<b>Your taste</b> = average of {len(liked)} song"
                                     f"{'s' if len(liked) > 1 else ''}: {numbers}")
            for rec in self.recommendations:
                self.recommend_list.addItem(f"{rec.title}\n   {rec.distance:.2f} from your taste; nearest of "
                                            f"yours: {rec.because}")
        self.draw()

    def draw(self) -> None:
        scene = self.scene
        pos = song_matrix(self.songs)
        scene.axes("axes", 1.2, [f"{g} →" for g in GENRES])
        scene.points("songs", pos, np.array([rgba(GENRE_COLOURS[s.genre], 0.9) for s in self.songs]), size=11)
        liked = set(self.liked())
        if self.taste is None:
            scene.labels("titles", pos, [s.title for s in self.songs])
            for key in ("taste", "taste_label", "spokes", "recommend", "story_titles"):
                scene.clear(key)
            return
        # the songs the picture is about (liked, recommended) always get their names; the rest fill the room left
        story = liked | {r.title for r in self.recommendations}
        rest = [i for i, s in enumerate(self.songs) if s.title not in story]
        scene.labels("titles", pos[rest], [self.songs[i].title for i in rest])
        liked_pos = np.array([pos[i] for i, s in enumerate(self.songs) if s.title in liked])
        scene.arrows("spokes", liked_pos, np.repeat(self.taste[None], len(liked_pos), axis=0), TASTE_COLOUR,
                     width=1.5, head=0.04)
        rows = {s.title: i for i, s in enumerate(self.songs)}
        targets = np.array([pos[rows[r.title]] for r in self.recommendations]).reshape(-1, 3)
        scene.arrows("recommend", np.repeat(self.taste[None], len(targets), axis=0), targets, RECOMMEND_COLOUR,
                     width=3.0, head=0.06)
        scene.points("taste", self.taste[None], np.array([rgba(TASTE_COLOUR)]), size=18)
        scene.labels("taste_label", self.taste[None], ["your taste"], bold=True, margin=14)  # clear of its 18-px dot
        named = [i for i, s in enumerate(self.songs) if s.title in story]  # placed after "your taste", before the rest
        scene.labels("story_titles", pos[named], [self.songs[i].title for i in named], force=True)
