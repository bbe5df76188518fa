"""Entry point: ``ai-lab`` / ``python -m lab_app``.

``ai-lab --version``; ``ai-lab --screenshot PATH [--tab T] [--page N] [--theme light|dark] [--size WxH]``
saves a PNG of the whole window and exits; ``--settings PATH`` uses another settings file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lab_app import APP_ID, APP_NAME, __version__

TAB_CHOICES = ("llm", "embeddings", "neuralnet", "diffusion")


def _guard_std_streams() -> None:
    # In a windowed frozen build there is no console: writes to None would crash.
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")


def _window_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = (0, 0)
    if not sep or min(size) < 200 or max(size) > 10000:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, like 1280x800, not {text!r}")
    return size


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ai-lab", description=f"{APP_NAME}: see how generative AI works.")
    parser.add_argument("--version", action="version", version=f"ai-lab {__version__}")
    parser.add_argument("--screenshot", metavar="PATH", type=Path,
                        help="open the window, save a PNG of it to PATH and exit")
    parser.add_argument("--tab", choices=TAB_CHOICES, help="tab to open")
    parser.add_argument("--page", type=int, help="page of the tab to open, counted from 0")
    parser.add_argument("--theme", choices=("system", "light", "dark"), help="theme for this run only")
    parser.add_argument("--size", metavar="WxH", type=_window_size,
                        help="window size in pixels for this run, e.g. 1280x800 (default: fits the screen)")
    parser.add_argument("--settings", metavar="PATH", type=Path, help="settings file to use (INI)")
    parser.add_argument("--settle-ms", type=int, default=800, help=argparse.SUPPRESS)
    parser.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--smoke-test", action="store_true",
                        help="build every tab and page, run one tiny inference per tab, print ok/FAIL lines; "
                             "exit 0 only if all pass")
    return parser.parse_args(argv)


def _prepare_environment(threads: int) -> None:
    # torch and onnxruntime read these when first imported; more threads than cores contend badly.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def main(argv: list[str] | None = None) -> int:
    t0 = time.time()
    if getattr(sys, "frozen", False):  # only a frozen build needs it; importing multiprocessing costs ~7 ms
        import multiprocessing

        multiprocessing.freeze_support()
    _guard_std_streams()
    args = parse_args(argv)
    if args.smoke_test:
        from lab_app.smoke_test import run

        return run(args)

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from lab_app.context import AppContext
    from lab_app.main_window import MainWindow
    from lab_app.settings import SettingsStore
    from lab_app.theme import apply_theme

    # Qt 6's default high-DPI rounding policy is PassThrough (what we want); not setting it keeps the
    # Qt namespace, whose first use in PySide6 costs ~15 ms, out of the way to the first paint.
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)

    settings = SettingsStore(args.settings)
    current = settings.load()
    _prepare_environment(current.threads)
    apply_theme(app, args.theme or current.theme)

    ctx = AppContext(settings)  # its ErrorReporter is made after the first paint, with the log file
    one_shot = args.screenshot is not None or args.exit_after_paint
    window = MainWindow(ctx, persist=not one_shot)

    def after_first_paint() -> None:
        from lab_app.errors import setup_logging

        window.log_path = setup_logging()
        ctx.errors.install()

    window.first_painted.connect(after_first_paint)
    if not one_shot:
        window.offer_tour_on_first_launch()
    if args.size:
        window.resize(*args.size)
    if args.tab:
        window.select(args.tab, args.page)
    elif args.page is not None:
        window.current_tab().set_page(args.page)

    if args.exit_after_paint:
        class FirstPaint(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt API
                if event.type() == QEvent.Type.Paint:
                    print(f"AI_LAB_FIRST_PAINT {time.time():.6f} main_started {t0:.6f}", flush=True)
                    obj.removeEventFilter(self)
                    QTimer.singleShot(0, window.close)
                return False

        painter_probe = FirstPaint(window)
        window.installEventFilter(painter_probe)

    if args.screenshot is not None:
        deadline = time.monotonic() + 10.0

        def shoot() -> None:
            # Wait (up to 10 s) for the device check so the status bar shows the real device.
            if ctx.device is None and time.monotonic() < deadline:
                QTimer.singleShot(100, shoot)
                return
            window.current_tab().pages[window.current_tab().current_index()].ensure_built()
            app.processEvents()
            QTimer.singleShot(max(0, args.settle_ms // 2), save)

        def save() -> None:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            ok = window.grab().save(str(args.screenshot), "PNG")
            print(f"saved {args.screenshot}" if ok else f"could not save {args.screenshot}", flush=True)
            app.setProperty("ai_lab_exit_code", 0 if ok else 1)
            window.close()

        QTimer.singleShot(max(0, args.settle_ms // 2), shoot)

    window.show()
    code = app.exec()
    override = app.property("ai_lab_exit_code")
    code = int(override) if override is not None else code
    # The window waited 2 s for its jobs; one stuck in a long call (importing torch, say) gets more time now
    # that nothing is on screen. Python must never destroy a QThread that still runs: Qt would abort.
    if not ctx.shutdown_jobs(15000):
        import logging

        logging.getLogger("ai_lab").warning("a job did not stop within 15 s of closing; leaving without cleanup")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
