"""A run stopped and resumed from its checkpoint ends with the very weights of the unbroken run (optimizer state,
step, data position and dropout's random state all carried over); without the optimizer state it would not."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.jobs import CancelToken, JobCancelled, Progress, collect, run_job  # noqa: E402
from engines.llm import train as train_module  # noqa: E402
from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.gpt import load_gpt  # noqa: E402
from engines.llm.train import OPTIMIZER_FILE, TrainConfig, read_train_state, train_gpt  # noqa: E402

TEXT = "the cat sat on the mat. the dog ran to the log. a bird flew over the tree. " * 30
TOKENIZER = CharTokenizer.from_text(TEXT)
IDS = np.array(TOKENIZER.encode(TEXT), dtype=np.int64)
STEPS, STOP = 40, 17


def config():  # dropout on, so torch's random state matters too; cosine over all 40 steps
    return TrainConfig.preset_config("tiny", n_layer=1, n_head=2, n_embd=32, block_size=24, batch_size=8,
                                     max_steps=STEPS, lr=3e-3, warmup_steps=5, dropout=0.1, eval_interval=10,
                                     eval_batches=1, sample_interval=0, checkpoint_interval=10, seed=3)


def _weights(folder):
    return {k: v.clone() for k, v in load_gpt(folder).state_dict().items()}


def _stopped_at(folder, step):
    """Train towards STEPS but stop (cancel) right after ``step``, as a user or a deadline would."""
    cancel = CancelToken()

    def on_event(event):
        if isinstance(event, Progress) and event.step == step:
            cancel.cancel()

    torch.manual_seed(123)  # the caller's random state is disturbed between sessions: the checkpoint must not care
    with pytest.raises(JobCancelled):
        run_job(train_gpt(IDS, config(), folder, TOKENIZER, cancel=cancel), on_event=on_event)
    assert read_train_state(folder)["step"] == step
    torch.manual_seed(999)


def test_a_resumed_run_ends_with_the_weights_of_the_unbroken_run(tmp_path):
    collect(train_gpt(IDS, config(), tmp_path / "whole", TOKENIZER))
    _stopped_at(tmp_path / "parts", STOP)
    events, result = collect(train_gpt(IDS, config(), tmp_path / "parts", TOKENIZER, resume=True))
    assert [e.step for e in events if isinstance(e, Progress)] == list(range(STOP + 1, STEPS + 1))
    whole, parts = _weights(tmp_path / "whole"), _weights(tmp_path / "parts")
    assert result.steps == STEPS and whole.keys() == parts.keys()
    for name in whole:
        assert torch.equal(whole[name], parts[name]), name
    assert read_train_state(tmp_path / "parts")["elapsed_s"] > 0


def test_a_resume_that_dropped_the_optimizer_state_would_not_match(tmp_path, monkeypatch):
    collect(train_gpt(IDS, config(), tmp_path / "whole", TOKENIZER))
    _stopped_at(tmp_path / "parts", STOP)
    monkeypatch.setattr(train_module, "load_optimizer", lambda optimizer, path: None)  # a fresh AdamW
    collect(train_gpt(IDS, config(), tmp_path / "parts", TOKENIZER, resume=True))
    whole, parts = _weights(tmp_path / "whole"), _weights(tmp_path / "parts")
    assert not all(torch.equal(whole[name], parts[name]) for name in whole)


def test_a_checkpoint_without_its_optimizer_state_is_not_resumed_silently(tmp_path):
    _stopped_at(tmp_path / "parts", STOP)
    (tmp_path / "parts" / OPTIMIZER_FILE).unlink()
    with pytest.raises(ValueError, match="no optimizer"):
        collect(train_gpt(IDS, config(), tmp_path / "parts", TOKENIZER, resume=True))
