"""Run a job from a command line: a text progress bar on stderr, Ctrl-C cancels it."""

from __future__ import annotations

import sys
import time
from typing import TextIO, TypeVar

from engines.core.jobs import CancelToken, Event, Frame, Job, JobCancelled, Log, Progress, run_job

R = TypeVar("R")


def format_bar(progress: Progress, width: int = 30) -> str:
    """One line such as ``[#####-----]  50/100  loss=0.31``."""
    frac = progress.fraction
    if frac is None:
        head = f"[{'?' * width}] {progress.step}"
    else:
        filled = int(round(frac * width))
        head = f"[{'#' * filled}{'-' * (width - filled)}] {progress.step}/{progress.total}"
    metrics = "  ".join(f"{k}={v:.4g}" for k, v in progress.metrics.items())
    parts = [head, metrics, progress.message]
    return "  ".join(p for p in parts if p)


def run_with_progress(
    job: Job[R],
    cancel: CancelToken | None = None,
    stream: TextIO | None = None,
    quiet: bool = False,
    min_interval_s: float = 0.1,
) -> R:
    """Run ``job``, drawing its progress on ``stream`` (stderr by default).

    Ctrl-C sets the cancel token; the job then ends cleanly and :class:`JobCancelled`
    propagates to the caller.
    """
    stream = stream if stream is not None else sys.stderr
    cancel = cancel or CancelToken()
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    last_draw = 0.0
    last_line = ""

    def on_event(event: Event) -> None:
        nonlocal last_draw, last_line
        if quiet:
            return
        if isinstance(event, Log):
            if last_line and is_tty:
                stream.write("\n")
                last_line = ""
            stream.write(f"{event.text}\n")
        elif isinstance(event, Progress):
            now = time.monotonic()
            done = event.total is not None and event.step >= event.total
            if now - last_draw < min_interval_s and not done:
                return
            last_draw = now
            last_line = format_bar(event)
            stream.write(("\r" + last_line) if is_tty else (last_line + "\n"))
        elif isinstance(event, Frame):
            return
        stream.flush()

    try:
        result = run_job(job, cancel, on_event)
    except KeyboardInterrupt:
        cancel.cancel()
        job.close()
        raise JobCancelled("cancelled by Ctrl-C") from None
    finally:
        if last_line and is_tty and not quiet:
            stream.write("\n")
            stream.flush()
    return result


def run_cli(parser, argv: list[str] | None = None, user_errors: tuple[type[BaseException], ...] = ()) -> int:
    """Parse ``argv`` and call the chosen verb's ``func(args)``, the way every engine CLI does.

    Returns the verb's exit code; 130 when its job was cancelled; 2 with a one-line
    ``error: …`` for mistakes a user can fix (bad values, unreadable or unusable files,
    and any of ``user_errors``) instead of a traceback.
    """
    from engines.core.model_io import ModelFileError

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except JobCancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except (ValueError, OSError, ModelFileError, *user_errors) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # KeyError's str() adds quotes
        print(f"error: {text}", file=sys.stderr)
        return 2
