"""Why now: scale — the power-law fit, FLOPs ≈ 6·N·D, one size trained as a job, and the shipped runs."""

import numpy as np
import pytest

from engines.core.jobs import CancelToken, JobCancelled, Progress, collect, run_job
from engines.llm import scale


def test_fit_recovers_a_known_power_law_with_and_without_floor():
    x = np.array([1e4, 4e4, 1.6e5, 6.4e5])
    fit = scale.fit_power_law(x, 0.6 + 30 * x**-0.4)
    assert fit.alpha == pytest.approx(0.4, abs=0.02) and fit.floor == pytest.approx(0.6, abs=0.01)
    assert fit.r2 > 0.999
    pure = scale.fit_power_law(x, 3 * x**-0.1, with_floor=False)
    assert pure.alpha == pytest.approx(0.1) and pure.floor == 0.0 and pure(1e6) == pytest.approx(3 * 1e6**-0.1)
    with pytest.raises(ValueError):
        scale.fit_power_law([1.0], [1.0])


def test_flops_are_six_per_parameter_per_token_and_the_budget_is_the_same_for_every_size():
    assert scale.training_flops(1000, 2000) == 6 * 1000 * 2000
    assert scale.tokens_per_run() == scale.RECIPE["max_steps"] * scale.RECIPE["batch_size"] * scale.RECIPE["block_size"]
    assert [s.name for s in scale.SIZES] == ["XS", "S", "M", "L"]


@pytest.fixture(scope="module")
def corpus():
    pytest.importorskip("torch").set_num_threads(1)
    return scale.scale_corpus()


def test_training_one_size_is_a_job_with_compute_in_its_progress(corpus, tmp_path):
    events, run = collect(scale.train_size("XS", tmp_path, max_steps=100, corpus=corpus))
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].step == 100 and progress[-1].metrics["tokens"] == 100 * 32 * 64
    assert progress[-1].metrics["flops"] == pytest.approx(6 * run["parameters"] * 100 * 32 * 64)
    assert run["parameters"] < 12_000 and run["curve"] and run["curve"][-1]["tokens"] == run["tokens"]
    assert run["val_loss"] < np.log(corpus[1].vocab_size)  # learned something in 100 steps
    assert [row["prompt"] for row in run["skill"]] == [p for p, _ in scale.SKILL_PROMPTS]


def test_a_cancelled_run_stops(corpus, tmp_path):
    cancel = CancelToken()
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Progress) and event.step == 3:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(scale.train_size("XS", tmp_path, max_steps=500, cancel=cancel, corpus=corpus), cancel, on_event)
    assert max(e.step for e in seen if isinstance(e, Progress)) < 10


def test_shipped_runs_get_better_with_size_and_fit_a_law():
    runs = scale.load_runs()
    assert [r["size"] for r in runs] == ["XS", "S", "M", "L"]
    assert len({r["tokens"] for r in runs}) == 1  # the same token budget
    losses = [r["val_loss"] for r in runs]
    assert losses == sorted(losses, reverse=True), losses  # every bigger model ends lower
    summary = scale.summarize(runs)
    assert summary["loss_vs_parameters"]["alpha"] > 0 and summary["loss_vs_parameters"]["r2"] > 0.9


def test_cli_reports_the_shipped_runs_and_the_fit(capsys):
    import json

    from engines.llm.__main__ import main

    assert main(["scale", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["size"] for r in report["runs"]] == ["XS", "S", "M", "L"]
    assert report["summary"]["loss_vs_parameters"]["floor"] < min(r["val_loss"] for r in report["runs"])
