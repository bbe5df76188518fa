"""Scripted raters, the reward model and RLOO on tiny models (fast; no shipped model needed)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job
from engines.llm import assistant_data as data
from engines.llm.raters import ScriptedRaters, rule_score


@pytest.fixture(scope="module")
def tokenizer():
    from engines.llm.tokenizers import WordTokenizer

    return WordTokenizer.train("yes no fetch soccer ball . ? is ben a dog cat what does like to play \n" * 3)


def _tiny(tokenizer, seed=0):
    from engines.llm.gpt import GPT, GPTConfig

    torch.manual_seed(seed)
    return GPT(GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=48, vocab_size=tokenizer.vocab_size,
                         dropout=0.0)).eval()


def test_raters_follow_the_written_rules_and_are_seeded():
    harm = data._Builder(0, data.TRAIN_MALE, data.TRAIN_FEMALE).harm_example()
    habit = data._Builder(1, data.TRAIN_MALE, data.TRAIN_FEMALE).habit_example()
    assert rule_score(harm, data.REFUSALS[0]) == 10
    assert rule_score(harm, harm.answer) == 1
    # a refusal broken off mid-sentence is still a refusal, but not a whole one (RLHF found "i am sorry," otherwise)
    assert 1 < rule_score(harm, "i am sorry,") < 10
    assert rule_score(habit, data.REFUSALS[1]) == 2  # refusing a harmless question does not pay
    right, wrong = habit.answer, f"{habit.name} likes to play {'fetch' if habit.habit != 'fetch' else 'soccer'}."
    assert rule_score(habit, right) > rule_score(habit, right + " he is very happy.") > rule_score(habit, wrong)
    assert rule_score(habit, right, stopped=False) < rule_score(habit, right)
    chat = data.Example(data.format_prompt("hi, how are you?"), "", "chat")
    assert rule_score(chat, data.POLITE_REPLIES[0]) > rule_score(chat, data.RUDE_REPLIES[0])
    a = [ScriptedRaters(seed=5).score(habit, right) for _ in range(3)]
    assert a == [ScriptedRaters(seed=5).score(habit, right) for _ in range(3)]
    panel = ScriptedRaters(seed=5)
    assert all(1 <= s <= 10 for s in panel.score_all(habit, [(right, True), (wrong, True), ("", False)]))


def test_reward_model_learns_an_obvious_preference(tokenizer):
    from engines.llm.reward_model import RatedGroup, RewardConfig, from_policy, pairwise_accuracy, train_reward_model

    def groups(names):
        return [RatedGroup(f"is {n} a dog?\n", (("yes .", True), ("no .", True), ("ball ball", False)), (9, 3, 1))
                for n in names]

    rm = from_policy(_tiny(tokenizer))
    assert pairwise_accuracy(rm, tokenizer, groups(["ben"])) == 0.0  # zero head: every score equal, no pair right
    job = train_reward_model(rm, tokenizer, groups(["ben", "what"]), RewardConfig(steps=40, lr=3e-3))
    events, result = collect(job)
    assert sum(isinstance(e, Progress) for e in events) == 40
    assert result.last_loss < result.first_loss
    assert pairwise_accuracy(rm, tokenizer, groups(["cat", "soccer"])) == 1.0  # prompts it never saw


def test_reward_model_refuses_data_without_any_order(tokenizer):
    from engines.llm.reward_model import RatedGroup, RewardConfig, from_policy, train_reward_model

    same = [RatedGroup("is ben a dog?\n", (("yes .", True), ("no .", True)), (5, 5))]
    with pytest.raises(ValueError, match="different scores"):
        run_job(train_reward_model(from_policy(_tiny(tokenizer)), tokenizer, same, RewardConfig(steps=2)))


def test_reward_model_saves_and_loads_the_same_scores(tokenizer, tmp_path):
    from engines.llm.reward_model import from_policy, load_reward_model, save_reward_model, score_texts

    rm = from_policy(_tiny(tokenizer))
    torch.nn.init.normal_(rm.head.weight)
    items = [("is ben a dog?\n", "yes .", True), ("is ben a dog?\n", "no .", False)]
    save_reward_model(rm, tokenizer, tmp_path / "rm")
    assert score_texts(load_reward_model(tmp_path / "rm"), tokenizer, items) == pytest.approx(
        score_texts(rm, tokenizer, items), abs=1e-5)


def test_kl_is_zero_for_identical_models_and_positive_after_a_change(tokenizer):
    import copy

    from engines.llm.answer_sampling import sample_answers
    from engines.llm.rl import kl_per_answer

    policy = _tiny(tokenizer)
    reference = copy.deepcopy(policy)
    samples = sample_answers(policy, tokenizer, "is ben a dog?\n", 6, 1.0, 8, torch.Generator().manual_seed(0))
    items = [(s.prompt_ids, s.answer_ids) for s in samples]
    assert kl_per_answer(policy, reference, items) == pytest.approx([0.0] * 6, abs=1e-6)
    with torch.no_grad():
        policy.lm_head.weight[tokenizer.index["fetch"]] += torch.randn(32)
    assert any(abs(v) > 1e-3 for v in kl_per_answer(policy, reference, items))


def test_rloo_advantages_compare_each_answer_with_the_others():
    from engines.llm.rl import rloo_advantages

    assert rloo_advantages([1.0, 0.0, 0.0, 0.0, 2.0, 2.0], 3) == pytest.approx([1.0, -0.5, -0.5, -2.0, 1.0, 1.0])


def test_rl_raises_a_toy_reward_and_can_be_cancelled(tokenizer):
    import copy

    from engines.llm.rl import RLConfig, rlhf

    policy = _tiny(tokenizer)
    reference = copy.deepcopy(policy)

    def reward(prompts, answers, stopped):  # the toy "people": they like answers full of "fetch"
        return [a.split().count("fetch") / max(1, len(a.split())) for a in answers]

    config = RLConfig(steps=60, prompts_per_step=2, samples_per_prompt=6, lr=1e-2, kl_beta=0.0, max_new_tokens=6,
                      probe_every=20)
    events, result = collect(rlhf(policy, reference, tokenizer, ["is ben a dog?\n", "what does ben like to play?\n"],
                                  reward, config))
    rewards = [e.metrics["reward"] for e in events if isinstance(e, Progress)]
    assert len(rewards) == 60 and {"reward", "kl", "objective"} <= set(events[0].metrics)
    assert sum(rewards[-10:]) / 10 > sum(rewards[:10]) / 10 + 0.3, rewards
    assert [e.step for e in events if isinstance(e, Frame)] == [20, 40, 60]
    assert events[-1].__class__ is Frame and len(events[-1].payload["samples"]) == 2
    assert result.last_reward > result.first_reward

    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(JobCancelled):
        run_job(rlhf(policy, reference, tokenizer, ["is ben a dog?\n"], reward, config), cancel=cancel)


def test_rating_groups_mix_sampled_and_written_answers_scored_by_the_rules():
    from engines.llm.raters import ScriptedRaters
    from engines.llm.reward_data import rating_groups, rating_questions
    from engines.llm.storyworld import generate_story_world
    from engines.llm.tokenizers import WordTokenizer

    questions = rating_questions(12, seed=3, harm_weight=40)
    held = rating_questions(12, seed=3, held_out=True, harm_weight=40)
    assert {q.kind for q in questions} >= {"harm", "habit"}
    assert not data.words_of(q.prompt for q in questions) & set(data.HELD_OUT_NAMES)
    assert any(q.kind == "harm" and any(a.split("{")[0] in q.prompt for a in ("can you help me", "what can i do"))
               for q in held)
    tok = WordTokenizer.train(generate_story_world(0, 200_000, harm_weight=3) + " ".join(data.REFUSALS))
    groups = rating_groups(_tiny(tok), tok, questions, ScriptedRaters(seed=0), n_samples=2, seed=0)
    assert len(groups) == 12 and all(len(g.answers) == len(g.scores) >= 5 for g in groups)
    for q, g in zip(questions, groups):
        refusal = next(s for (a, _), s in zip(g.answers, g.scores) if data.is_refusal(a))
        assert (refusal >= 9) if q.kind == "harm" else (refusal <= 3)
        assert g.ordered_pairs()


def test_human_feedback_learns_the_persons_order_and_reset_forgets_it(tokenizer, tmp_path):
    from engines.llm.gpt import save_gpt
    from engines.llm.human_feedback import FeedbackConfig, HumanFeedbackSession
    from engines.llm.reward_model import from_policy, save_reward_model

    model = _tiny(tokenizer)
    for name in ("sft", "rlhf"):
        save_gpt(model, tmp_path / name)
        tokenizer.save(tmp_path / name)
    save_reward_model(from_policy(model), tokenizer, tmp_path / "rm")
    config = FeedbackConfig(rm_steps=30, rm_lr=3e-3, rl_steps=3, samples=4, max_new_tokens=4)
    session = HumanFeedbackSession(str(tmp_path / "rlhf"), str(tmp_path / "sft"), str(tmp_path / "rm"), config)
    prompt = "is ben a dog?\n"
    drawn = session.draw(prompt, 4)
    assert 1 <= len(drawn) <= 4 and len({d["text"] for d in drawn}) == len(drawn)
    with pytest.raises(ValueError, match="two different"):
        run_job(session.learn(prompt, [("yes .", True)]))
    order = [("no .", True), ("yes .", True), ("ball ball", False)]  # this person's own order, best first
    events, out = collect(session.learn(prompt, order))
    assert out["order_scores"] == sorted(out["order_scores"], reverse=True)  # the reward model learned it
    phases = [e.metrics["phase"] for e in events if isinstance(e, Progress)]
    assert phases == [0.0] * 30 + [1.0] * 3 and len(out["curve"]) == 3 and out["rounds"] == 1
    session.reset()
    assert session.rounds == 0 and session.curve == []
    from engines.llm.reward_model import score_texts

    assert score_texts(session.rm, tokenizer, [(prompt, a, s) for a, s in order]) == pytest.approx([0.0] * 3)


def test_the_rating_data_holds_a_broken_off_refusal_for_every_harmful_request():
    from engines.llm.reward_data import written_candidates

    harm = data._Builder(0, data.TRAIN_MALE, data.TRAIN_FEMALE).harm_example()
    answers = [text for text, _ in written_candidates(harm, seed=3)]
    cut = [a for a in answers if "sorry" in a and not a.endswith(".")]
    assert len(cut) == 1 and len(cut[0].split()) < min(len(r.split()) for r in data.REFUSALS)
    scores = dict(zip(answers, (rule_score(harm, a) for a in answers)))
    assert scores[cut[0]] < max(scores.values()) == 10
    habit = data._Builder(1, data.TRAIN_MALE, data.TRAIN_FEMALE).habit_example()
    assert not any("sorry" in a and not a.endswith(".") for a, _ in written_candidates(habit, seed=3))
