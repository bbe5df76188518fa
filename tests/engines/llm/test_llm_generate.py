"""Generation as a job: per-step frames, determinism, the KV cache, long prompts, cancelling."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.jobs import CancelToken, Frame, JobCancelled, Log, collect, run_job  # noqa: E402
from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.generate import attention_map, generate, generate_text, next_token_distribution  # noqa: E402
from engines.llm.gpt import GPT, GPTConfig  # noqa: E402
from engines.llm.runners import TorchGPTRunner  # noqa: E402

TOKENIZER = CharTokenizer.from_text("abcdefghijklmnopqrstuvwxyz .,")


@pytest.fixture(scope="module")
def runner():
    torch.manual_seed(1)
    cfg = GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=TOKENIZER.vocab_size)
    return TorchGPTRunner(GPT(cfg))


def test_every_step_yields_token_candidates_attention_and_timing(runner):
    events, text = collect(generate(runner, TOKENIZER, "the cat", max_new_tokens=5, temperature=0))
    frames = [e.payload for e in events if isinstance(e, Frame)]
    assert len(frames) == 5
    assert text == "the cat" + "".join(f["token"]["text"] for f in frames)
    for step, f in enumerate(frames):
        assert f["step"] == step
        assert f["candidates"][0]["id"] == f["token"]["id"]  # greedy picks the best
        probs = [c["prob"] for c in f["candidates"]]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
        keys = 7 + step  # the new token's query sees the prompt and everything made so far
        assert f["attention"].shape == (2, 2, keys)
        np.testing.assert_allclose(f["attention"].sum(-1), 1.0, atol=1e-5)
        assert len(f["context_tokens"]) == keys
        assert f["step_ms"] >= 0
    assert [f["cached"] for f in frames] == [False, True, True, True, True]


def test_temperature_zero_gives_identical_text_twice_and_with_or_without_cache(runner):
    a = generate_text(runner, TOKENIZER, "hello", max_new_tokens=12, temperature=0)
    b = generate_text(runner, TOKENIZER, "hello", max_new_tokens=12, temperature=0)
    c = generate_text(runner, TOKENIZER, "hello", max_new_tokens=12, temperature=0, use_cache=False)
    assert a == b == c
    assert len(a) == len("hello") + 12


def test_a_seed_makes_sampling_repeatable(runner):
    kwargs = dict(max_new_tokens=10, temperature=1.5, top_k=10, top_p=0.95)
    first = generate_text(runner, TOKENIZER, "hi", seed=3, **kwargs)
    assert generate_text(runner, TOKENIZER, "hi", seed=3, **kwargs) == first
    texts = {generate_text(runner, TOKENIZER, "hi", seed=s, **kwargs) for s in range(5)}
    assert len(texts) > 1


def test_a_long_prompt_is_cut_with_a_notice_and_generation_runs_past_the_window(runner):
    prompt = "abcdefghijklmnopqrstuvwxyz"  # 26 tokens, the window holds 16
    events, text = collect(generate(runner, TOKENIZER, prompt, max_new_tokens=20, temperature=0))
    logs = [e for e in events if isinstance(e, Log)]
    assert len(logs) == 1 and "only the last 16 tokens" in logs[0].text and logs[0].level == "warning"
    frames = [e.payload for e in events if isinstance(e, Frame)]
    assert len(frames) == 20
    assert all(f["attention"].shape[-1] <= 16 for f in frames)
    assert text.startswith(prompt[-16:])


def test_cancel_stops_generation(runner):
    cancel = CancelToken()
    seen = []

    def on_event(event):
        seen.append(event)
        if len(seen) == 3:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(generate(runner, TOKENIZER, "a", max_new_tokens=50, temperature=0, cancel=cancel), cancel, on_event)
    assert len(seen) == 3


def test_empty_prompt_is_refused(runner):
    with pytest.raises(ValueError, match="empty"):
        generate_text(runner, TOKENIZER, "", max_new_tokens=3)


def test_next_token_distribution_and_attention_map(runner):
    dist = next_token_distribution(runner, TOKENIZER, "the ca", top=5)
    assert dist["tokens"] == list("the ca") and not dist["truncated"]
    probs = [c["prob"] for c in dist["candidates"]]
    assert len(probs) == 5 and probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    greedy = generate_text(runner, TOKENIZER, "the ca", max_new_tokens=1, temperature=0)
    assert greedy[-1] == dist["candidates"][0]["text"]
    amap = attention_map(runner, TOKENIZER, "the ca")
    assert amap["attention"].shape == (2, 2, 6, 6)
    np.testing.assert_allclose(amap["attention"].sum(-1), 1.0, atol=1e-5)
