"""A job that ends after its page was deleted (the window closed meanwhile) must not raise in the event loop.

Found by the soak test in CI: a finished signal reached a lambda that called into a deleted TokensPage.
"""

import shiboken6


def _nothing(cancel):
    return None
    yield  # a generator: a job with no events


def test_a_job_finishing_after_its_page_is_gone_is_ignored(window, qtbot):
    window.select("llm", 0, build_now=True)
    page = window.current_tab().pages[0].page
    runner = page.new_runner("late job", show_in_status_bar=False)
    shiboken6.delete(page)  # the C++ page is gone; the runner (owned by the app context) lives on
    assert not shiboken6.isValid(page)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.start(_nothing, label="late")
    qtbot.wait(50)  # pytest-qt fails the test if a slot raised in the event loop
    assert window.ctx.errors.history == []
