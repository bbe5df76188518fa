"""The "Be the human" panel: draw a few answers, drag them into your order, teach, watch RL move the model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engines.core.jobs import Progress
from lab_app.tabs.llm.common import escape

HOW = ("<b>Be the human.</b> 1 · <i>Draw</i> a few answers to the question on the left. 2 · Drag them into "
       "<b>your</b> order, best at the top (your values: short answers, no small talk, refuse something the "
       "scripted raters allow …). 3 · <i>Teach</i>: the reward model learns your order, then the assistant "
       "practises on the question for a few steps: it tries answers and the reward model, now carrying your "
       "taste, scores them. The curves show its reward and how far it moved from the SFT model (KL).")


def _draw_job(session_box: dict, prompt: str, cancel, config=None):
    from engines.llm.human_feedback import HumanFeedbackSession

    yield Progress(0, 1, message="opening the models")
    if session_box.get("session") is None:
        session_box["session"] = HumanFeedbackSession(config=config)
    cancel.raise_if_cancelled()
    return session_box["session"].draw(prompt, 4)


class BeTheHumanPanel(QWidget):
    """``prompt()`` gives the page's current question (or raises ValueError); ``runner`` runs the jobs."""

    def __init__(self, runner, prompt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantBeHuman")
        self.runner, self.prompt = runner, prompt
        self.box: dict = {"session": None}  # the session lives in the jobs' thread, one job at a time
        self.feedback_config = None  # engines.llm.human_feedback.FeedbackConfig; None = its defaults
        self._mode = ""
        layout = QVBoxLayout(self)
        how = QLabel(HOW)
        how.setWordWrap(True)
        layout.addWidget(how)
        buttons = QHBoxLayout()
        self.draw_button = QPushButton("Draw 4 answers")
        self.draw_button.setObjectName("assistantDraw")
        self.teach_button = QPushButton("Teach the model my order")
        self.teach_button.setObjectName("assistantTeach")
        self.reset_button = QPushButton("Reset to the shipped models")
        self.reset_button.setObjectName("assistantReset")
        for b in (self.draw_button, self.teach_button, self.reset_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        self.ranking = QListWidget()
        self.ranking.setObjectName("assistantRanking")
        self.ranking.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.ranking.setWordWrap(True)
        self.ranking.setMinimumHeight(110)
        row.addWidget(self.ranking, 3)
        self.plot = self._make_plot()
        row.addWidget(self.plot, 2)
        layout.addLayout(row, 1)
        self.status = QLabel("Press “Draw 4 answers”.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.draw_button.clicked.connect(self.draw)
        self.teach_button.clicked.connect(self.teach)
        self.reset_button.clicked.connect(self.reset)
        self.runner.finished.connect(self._finished)
        self.runner.progress.connect(self._progress)
        self.runner.failed.connect(lambda failure: self._set_status(f"Stopped: {failure.message}"))
        self.runner.cancelled.connect(lambda: self._set_status("Cancelled. The models keep the steps already "
                                                               "taken; Reset returns to the shipped ones."))
        self.runner.running_changed.connect(self._running)
        self.teach_button.setEnabled(False)

    def _make_plot(self):
        from lab_app.plotting import pg, themed

        plot = themed(pg().PlotWidget())
        plot.setMinimumHeight(110)
        plot.addLegend(offset=(5, 5))
        plot.setLabel("bottom", "RL step")
        self.reward_curve = plot.plot([], [], pen=pg().mkPen("#2f9e44", width=2), name="reward")
        self.kl_curve = plot.plot([], [], pen=pg().mkPen("#e8590c", width=2), name="KL to SFT")
        return plot

    # -- actions ----------------------------------------------------------------------------------
    def draw(self) -> None:
        try:
            prompt = self.prompt()
        except ValueError as exc:
            self._set_status(str(exc))
            return
        self._mode, self._prompt = "draw", prompt
        config = self.feedback_config
        self.runner.start(lambda cancel: _draw_job(self.box, prompt, cancel, config), label="Drawing answers")

    def ordered(self) -> list[tuple[str, bool]]:
        return [self.ranking.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.ranking.count())]

    def teach(self) -> None:
        if self.runner.is_running():  # the button reads "Stop" while a job runs
            self.runner.cancel()
            return
        session, ordered = self.box.get("session"), self.ordered()
        if session is None or len(set(ordered)) < 2:
            self._set_status("Draw answers first: at least two different ones are needed to order.")
            return
        self._mode = "teach"
        prompt = self._prompt
        self.runner.start(lambda cancel: session.learn(prompt, ordered, cancel), label="Teaching your order")

    def reset(self) -> None:
        self.runner.cancel()
        if self.box.get("session") is not None:
            self.box["session"] = None  # the next Draw opens fresh copies of the shipped models
        self.ranking.clear()
        self.reward_curve.setData([], [])
        self.kl_curve.setData([], [])
        self.teach_button.setEnabled(False)
        self._set_status("Back to the shipped models: your rankings are forgotten.")

    # -- results ----------------------------------------------------------------------------------
    def _running(self, running: bool) -> None:
        self.draw_button.setEnabled(not running)
        self.teach_button.setText("Stop" if running else "Teach the model my order")
        self.teach_button.setEnabled(running or self.ranking.count() >= 2)

    def _progress(self, event) -> None:
        if self._mode == "teach" and event.total:
            what = "the reward model learns your order" if event.metrics.get("phase") == 0 else \
                f"RL step: reward {event.metrics.get('reward', 0):.2f}, KL {event.metrics.get('kl', 0):.2f}"
            self._set_status(f"Step {event.step}/{event.total}: {what}")
            session = self.box.get("session")
            if session is not None and session.curve:
                self._plot(session.curve)

    def _plot(self, curve) -> None:
        xs = list(range(1, len(curve) + 1))
        self.reward_curve.setData(xs, [c["reward"] for c in curve])
        self.kl_curve.setData(xs, [c["kl"] for c in curve])

    def _finished(self, result) -> None:
        if self._mode == "draw" and isinstance(result, list):
            self.ranking.clear()
            for row in result:
                end = "" if row["stopped"] else " …"
                item = QListWidgetItem(f"{row['text']}{end}    (reward {row['reward']:+.2f})")
                item.setData(Qt.ItemDataRole.UserRole, (row["text"], row["stopped"]))
                self.ranking.addItem(item)
            self.teach_button.setEnabled(self.ranking.count() >= 2)
            self._set_status("Drag the answers into your order (best at the top), then press Teach.")
        elif self._mode == "teach" and isinstance(result, dict):
            self._plot(result["curve"])
            scores = dict(zip(dict.fromkeys(self.ordered()), result["order_scores"]))
            for i in range(self.ranking.count()):  # the reward model's new scores: your order, learned
                item = self.ranking.item(i)
                text, stopped = item.data(Qt.ItemDataRole.UserRole)
                item.setText(f"{text}{'' if stopped else ' …'}    (reward {scores[(text, stopped)]:+.2f})")
            before, after = result["before"]["text"], result["after"]["text"]
            same = " (unchanged: teach again, or order more clearly)" if before == after else ""
            self._set_status(f"Round {result['rounds']} done. Its answer (temperature 0) before: "
                             f"<i>{escape(before)}</i> → now: <b>{escape(after)}</b>{same}")

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
