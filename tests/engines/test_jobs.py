import threading

import pytest

from engines.core.cli_progress import format_bar, run_with_progress
from engines.core.jobs import CancelToken, Frame, JobCancelled, Log, Progress, collect, run_job


def counting_job(n, cancel, cleanup=None):
    try:
        for i in range(n):
            cancel.raise_if_cancelled()
            yield Progress(i + 1, n, {"i": float(i)})
            yield Frame(i, step=i)
        yield Log("done counting")
        return n * 10
    finally:
        if cleanup is not None:
            cleanup.append("closed")


def test_events_arrive_in_order_and_result_is_returned():
    events, result = collect(counting_job(3, CancelToken()))
    assert result == 30
    assert [type(e) for e in events] == [Progress, Frame] * 3 + [Log]
    assert [e.step for e in events if isinstance(e, Progress)] == [1, 2, 3]
    assert events[-1].text == "done counting"


def test_cancel_mid_way_stops_the_job_and_runs_its_cleanup():
    cancel, seen, cleanup = CancelToken(), [], []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Progress) and event.step == 2:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(counting_job(100, cancel, cleanup), cancel, on_event)
    assert max(e.step for e in seen if isinstance(e, Progress)) == 2
    assert cleanup == ["closed"]


def test_errors_in_a_job_propagate_unchanged():
    def broken(cancel):
        yield Progress(1, 2)
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        run_job(broken(CancelToken()))


def test_cancel_token_is_thread_safe_and_wakes_sleepers():
    token = CancelToken()
    threading.Timer(0.05, token.cancel).start()
    assert token.wait(5.0) is True
    assert token.cancelled


def test_progress_fraction_and_bar_text():
    assert Progress(5, 10).fraction == 0.5
    assert Progress(5, None).fraction is None
    bar = format_bar(Progress(5, 10, {"loss": 0.31234}), width=10)
    assert bar.startswith("[#####-----] 5/10") and "loss=0.3123" in bar


def test_cli_progress_prints_logs_and_bar(capsys):
    import io

    stream = io.StringIO()
    assert run_with_progress(counting_job(4, CancelToken()), stream=stream, min_interval_s=0) == 40
    text = stream.getvalue()
    assert "4/4" in text and "done counting" in text


def test_call_job_runs_a_plain_function_once_as_a_job():
    from engines.core.jobs import call_job

    calls = []

    def add(a, b, scale=1):
        calls.append((a, b))
        return (a + b) * scale

    job = call_job(add, 2, 3, scale=10)
    assert calls == []  # nothing runs until the job is driven
    events, result = collect(job)
    assert (events, result, calls) == ([], 50, [(2, 3)])
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(JobCancelled):
        run_job(call_job(add, 1, 1), cancel)
    assert len(calls) == 1  # a cancelled job never called the function
