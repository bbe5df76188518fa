"""The Compression page's "A sentence in 3 numbers" box: a tiny network squeezes a 6-word sentence and back."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QPushButton, QVBoxLayout

from engines.neuralnet.sentence_code import RoundTrip, SentenceCodec, all_sentences, round_trip, train_sentence_codec


class SentenceSqueezeBox(QGroupBox):
    """Pick or type a sentence, squeeze it into 3 numbers and show which words come back.

    ``runner`` (a page's job runner) trains the sentence network the first time the button is pressed.
    """

    def __init__(self, runner, parent=None) -> None:
        super().__init__("A sentence in 3 numbers", parent)
        self.runner = runner
        self.codec: SentenceCodec | None = None
        self.last_round_trip: RoundTrip | None = None
        runner.finished.connect(self._on_codec)
        runner.failed.connect(lambda f: self.sentence_result.setText(f"Failed: {f.message}"))
        layout = QVBoxLayout(self)
        self.sentence_box = QComboBox()
        self.sentence_box.setEditable(True)
        self.sentence_box.addItems([" ".join(s) for s in all_sentences()])
        self.sentence_box.setToolTip("Pick one of the 54 sentences, or type your own from the same 12 words")
        self.squeeze_button = QPushButton("Squeeze into 3 numbers and back")
        self.squeeze_button.clicked.connect(self.squeeze)
        self.sentence_box.activated.connect(lambda _i: self.squeeze() if self.codec else None)
        self.sentence_code = QLabel("")
        self.sentence_result = QLabel("The little sentence network trains the first time you press the button.")
        self.sentence_result.setWordWrap(True)
        for widget in (self.sentence_box, self.squeeze_button, self.sentence_code, self.sentence_result):
            layout.addWidget(widget)
        layout.addStretch(1)

    def squeeze(self) -> None:
        if self.codec is None:
            self.sentence_result.setText("Teaching the sentence network (a second)…")
            self.squeeze_button.setEnabled(False)
            self.runner.start(lambda cancel: train_sentence_codec(None, cancel), label="Sentence code")
            return
        try:
            trip = round_trip(self.codec, self.sentence_box.currentText())
        except ValueError as exc:
            self.sentence_code.setText("")
            self.sentence_result.setText(str(exc))
            return
        self.last_round_trip = trip
        self.sentence_code.setText("3 numbers: <b>" + ", ".join(f"{c:+.2f}" for c in trip.code) + "</b>")
        words = " ".join(w if ok else f"<span style='color:#d62728'><s>{o}</s> {w}</span>"
                         for o, w, ok in zip(trip.original, trip.decoded, trip.survived))
        seen = "a sentence it practised" if trip.seen_in_training else "a sentence it never saw"
        self.sentence_result.setText(f"Back out: <b>{words}</b><br>{trip.n_survived} of 6 words survived "
                                     f"({seen}).")

    def _on_codec(self, codec: SentenceCodec) -> None:
        self.codec = codec
        self.squeeze_button.setEnabled(True)
        self.squeeze()
