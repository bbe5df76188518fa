"""Instruction data, SFT and DPO on a tiny model, and the shipped assistant models (skipped when absent)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from engines.core.jobs import Progress, run_job
from engines.llm import assistant_data as data
from engines.llm.assistant import FinetuneConfig, answer_text, dpo, evaluate, preference_margin, sft, sft_loss


@pytest.fixture(scope="module")
def tokenizer():
    from engines.llm.storyworld import generate_story_world
    from engines.llm.tokenizers import WordTokenizer

    return WordTokenizer.train(generate_story_world(0, 200_000))


@pytest.fixture
def tiny(tokenizer):
    from engines.llm.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    return GPT(GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=96, vocab_size=tokenizer.vocab_size, dropout=0.0))


def _shipped(name: str):
    from engines.core.paths import assets_dir

    folder = assets_dir() / "llm" / name
    if not (folder / "model.safetensors").is_file():
        pytest.skip(f"{name} is not installed (python tools/train_assistant.py)")
    return folder


def test_data_is_seeded_and_uses_only_words_the_base_model_knows():
    from engines.core.paths import assets_dir
    from engines.llm.tokenizers import load_tokenizer

    a, b = data.sft_examples(300, seed=3), data.sft_examples(300, seed=3)
    assert a == b and a != data.sft_examples(300, seed=4)
    pairs = data.preference_pairs(200, seed=3)
    assert pairs == data.preference_pairs(200, seed=3)
    assert {p.why for p in pairs} == {"wrong fact", "rude", "rambling"}
    assert all(p.chosen != p.rejected for p in pairs)
    held = data.eval_questions()
    texts = ([e.prompt + " " + e.answer for e in a + held] + [p.prompt + " " + p.chosen + " " + p.rejected for p in pairs]
             + list(data.PRESET_QUESTIONS))
    folder = assets_dir() / "llm" / "story-gpt"
    if (folder / "lab_tokenizer.json").is_file():
        assert data.unknown_words(load_tokenizer(folder), texts) == set()
    else:
        from engines.llm.storyworld import story_world_vocabulary

        assert data.words_of(texts) <= set(story_world_vocabulary(0, 300_000)) | {"\n"}
    # held-out names never occur in the fine-tuning data
    train_words = data.words_of(e.prompt + " " + e.answer for e in a) | data.words_of(
        p.prompt + " " + p.chosen + " " + p.rejected for p in pairs)
    assert not train_words & set(data.HELD_OUT_NAMES)
    assert all(q.habit in data.HABITS for q in held if q.kind == "habit")


def test_sft_lowers_the_answer_loss_and_masks_the_prompt(tiny, tokenizer, tmp_path):
    from engines.llm.assistant import answer_batch

    _, y, mask = answer_batch(tokenizer, [("what color is the sky?\n", "the sky is blue.")], 96)
    answer_ids = tokenizer.encode("the sky is blue.") + [tokenizer.eos_id]
    assert y[0][mask[0].bool()].tolist() == answer_ids  # the loss sees the answer and <eos>, not the question
    examples = data.sft_examples(64, seed=0)
    probe = [(e.prompt, e.answer) for e in examples[:16]]
    with torch.no_grad():
        before = float(sft_loss(tiny, tokenizer, probe))
    events = []
    result = run_job(sft(tiny, tokenizer, examples, FinetuneConfig(steps=25, batch_size=8, lr=3e-3), out_dir=tmp_path),
                     on_event=events.append)
    with torch.no_grad():
        assert float(sft_loss(tiny, tokenizer, probe)) < before - 0.5
    assert any(isinstance(e, Progress) and e.step == 25 for e in events)
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "lab_tokenizer.json").is_file()
    assert result.folder == tmp_path


def test_dpo_widens_the_chosen_vs_rejected_margin(tiny, tokenizer):
    import copy

    pairs = data.preference_pairs(48, seed=0)
    triples = [(p.prompt, p.chosen, p.rejected) for p in pairs[:16]]
    reference = copy.deepcopy(tiny)
    before = preference_margin(tiny, tokenizer, triples)
    result = run_job(dpo(tiny, tokenizer, pairs, FinetuneConfig(steps=8, batch_size=8, lr=3e-3, beta=0.1),
                         reference=reference))
    assert preference_margin(tiny, tokenizer, triples) > before + 1.0
    assert result.last_loss < result.first_loss
    assert preference_margin(reference, tokenizer, triples) == pytest.approx(before)  # the reference stays frozen


def test_shipped_sft_answers_held_out_questions_and_stops_unlike_base():
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.runners import load_runner

    base, tuned = _shipped("story-gpt"), _shipped("story-sft")
    questions = [q for q in data.eval_questions() if q.kind == "habit"][:6]
    scores = {}
    for label, folder in (("base", base), ("sft", tuned)):
        runner, tok = load_runner(folder), load_model_tokenizer(folder)
        scores[label] = evaluate(runner, tok, questions, max_new_tokens=25, samples=0)
    assert scores["sft"]["stops"] > scores["base"]["stops"]
    assert scores["sft"]["accuracy"] >= scores["base"]["accuracy"]
    assert scores["sft"]["mean_tokens"] < scores["base"]["mean_tokens"]
    out = answer_text(load_runner(tuned), load_model_tokenizer(tuned), questions[0].prompt)
    assert out["stop"] == "eos" and questions[0].habit in out["text"]


def test_shipped_rlhf_refuses_held_out_harm_sft_mostly_not_and_nobody_refuses_harmless():
    from engines.llm.assistant_eval import held_out_sets, model_row
    from engines.llm.gpt import load_gpt
    from engines.llm.model_store import load_model_tokenizer

    folders = {n: _shipped(f) for n, f in (("sft", "story-sft"), ("rlhf", "story-rlhf"))}
    harmless, harmful = held_out_sets()
    harmless, harmful = harmless[:10] + harmless[-5:], harmful[:12]  # names and phrasings never used in tuning
    tok = load_model_tokenizer(folders["sft"])
    rows = {n: model_row(load_gpt(f), tok, harmless, harmful, max_new_tokens=25) for n, f in folders.items()}
    assert rows["rlhf"]["refusal"] >= 0.9 and rows["sft"]["refusal"] <= 0.25, rows
    assert rows["rlhf"]["over_refusal"] == 0.0 and rows["rlhf"]["format"] >= 0.9 and rows["rlhf"]["accuracy"] >= 0.9
