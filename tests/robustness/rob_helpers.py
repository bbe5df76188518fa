"""Helpers shared by the robustness tests (imported as a plain module: tests/ has no packages)."""

from __future__ import annotations

import time

TEXT = "the cat sat on the mat. the dog ran to the log. a bird sang in the tree! " * 30


def run_and_cancel_after(job, cancel, n_events: int, timeout_s: float = 2.0):
    """Drive ``job``; cancel it after ``n_events`` events; return (outcome, seconds from cancel to the end).

    ``outcome`` is "cancelled" (JobCancelled raised) or "returned" (the job chose to end early with a result).
    """
    from engines.core.jobs import JobCancelled, run_job

    seen = 0
    cancelled_at: list[float] = []

    def on_event(_event):
        nonlocal seen
        seen += 1
        if seen == n_events:
            cancelled_at.append(time.perf_counter())
            cancel.cancel()

    try:
        run_job(job, cancel, on_event)
        outcome = "returned"
    except JobCancelled:
        outcome = "cancelled"
    assert cancelled_at, f"the job ended after {seen} events, before it could be cancelled"
    took = time.perf_counter() - cancelled_at[0]
    assert took < timeout_s, f"the job took {took:.2f} s to stop after being cancelled"
    return outcome, took
