"""The log file and the readable error dialog that keeps the app alive after an exception."""

from __future__ import annotations

import errno
import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from engines.core.paths import user_data_dir

log = logging.getLogger("ai_lab")


# What the operating system's error numbers mean, in the words a user needs (errno names → plain words).
_OS_REASONS = {
    "EEXIST": "a file of that name is in the way (a folder was needed)",
    "EISDIR": "that is a folder",
    "ENOTDIR": "part of that path is a file, not a folder",
    "ENOENT": "there is no such file or folder",
    "EACCES": "you do not have permission",
    "EPERM": "you do not have permission",
    "EROFS": "that place is read-only",
    "ENOSPC": "the disk is full",
    "ENAMETOOLONG": "the name is too long",
    "EIO": "the system could not read or write it (it may be a device, not a file)",
}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(errno.errorcode.get(exc.errno or 0, ""), exc.strerror[:1].lower() + exc.strerror[1:])


def plain_os_error(exc: BaseException, path: str | Path | None = None) -> str:
    """``exc`` as one short sentence: "name: reason" for operating-system errors ("[Errno 17] File exists: '/…'"
    becomes "notes.txt: a file of that name is in the way (a folder was needed)"), else its own text. ``path``
    names the file when the error itself does not (a failed read has no file name)."""
    if not isinstance(exc, OSError) or not exc.strerror:
        return str(exc) or exc.__class__.__name__
    why = _os_reason(exc)
    where = exc.filename or path
    name = Path(str(where)).name if where else ""
    return f"{name}: {why}" if name else why[:1].upper() + why[1:]


def could_not_save(path: str | Path, exc: BaseException) -> str:
    """The sentence shown when a file cannot be written: a folder of that name, no permission, a full disk, a
    device such as /proc/self/mem, or "/" (no file name)."""
    path = Path(path)
    if path.is_dir():
        why = "that is a folder"
    elif isinstance(exc, OSError) and exc.strerror:
        why = _os_reason(exc)
    else:
        why = str(exc)
    return f"Could not save {path.name or path}: {why}. Choose another name or place."


def warn_could_not_save(parent: QWidget, path: str | Path, exc: BaseException) -> None:
    QMessageBox.warning(parent, "Could not save", could_not_save(path, exc))


def setup_logging(folder: Path | None = None) -> Path:
    """Log to ``<user data>/logs/ai-lab.log`` (rotated at 1 MB, 3 kept); return the file's path."""
    folder = folder or (user_data_dir() / "logs")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ai-lab.log"
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class ErrorReporter(QObject):
    """Shows errors as dialogs (one at a time; repeats are counted) and logs them.

    ``install()`` routes uncaught exceptions (slots, timers, plain threads) here, so a bug
    shows a message instead of ending the app.
    """

    reported = Signal(str, str)  # title, message
    _from_thread = Signal(str, str, str)

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self.parent_widget = parent_widget
        self.dialog: QMessageBox | None = None
        self.history: list[tuple[str, str]] = []
        self._repeats = 0
        self._from_thread.connect(self._show)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = lambda args: self._excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _excepthook(self, exc_type, exc_value, exc_tb) -> None:
        details = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        message = f"{exc_type.__name__}: {exc_value}"
        self.report("Something went wrong", message, details)

    def report(self, title: str, message: str, details: str = "") -> None:
        """Log the error and show it; safe to call from any thread."""
        log.error("%s: %s\n%s", title, message, details)
        app = QApplication.instance()
        if app is None:
            print(f"{title}: {message}\n{details}", file=sys.stderr)
            return
        if threading.current_thread() is not threading.main_thread():
            self._from_thread.emit(title, message, details)
        else:
            self._show(title, message, details)

    @Slot(str, str, str)
    def _show(self, title: str, message: str, details: str) -> None:
        self.history.append((title, message))
        self.reported.emit(title, message)
        if self.dialog is not None and self.dialog.isVisible():
            self._repeats += 1
            self.dialog.setInformativeText(f"{self._repeats} more error(s) happened since; see the log file.")
            return
        self._repeats = 0
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"AI Lab: {title}")
        box.setText(message)
        box.setInformativeText("The app is still running. Details are in the log file (Help → Open log folder).")
        if details:
            box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setModal(False)
        self.dialog = box
        box.show()  # not exec()/open(): the rest of the app stays usable while it is up
