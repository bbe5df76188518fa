"""The LLM tab's headline demo: the shipped story-gpt is sure that a dog plays fetch and a brother soccer.

Also the two training tools that made it so: windows that start where a story starts, and starting a run
from a model's weights.
"""

import numpy as np
import pytest

from engines.core.assets import assets_dir
from engines.llm.storyworld import TEACHING_EXAMPLES
from engines.llm.teaching_eval import FAMILIES, GAME_AFTER_PLAY, make_variants, score_variants

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

STORY_GPT = assets_dir() / "llm" / "story-gpt"


def test_variants_are_reproducible_and_cover_every_family():
    variants = make_variants(seed=1, per_family=10)
    assert variants == make_variants(seed=1, per_family=10)
    assert variants != make_variants(seed=2, per_family=10)
    assert [v.family for v in variants] == [f for f in FAMILIES for _ in range(10)]
    for v in variants:
        name = v.prompt.split()[-4]  # "... <name> likes to play"
        relation = next(r for r in GAME_AFTER_PLAY if f"my {r}'s name is {name}." in v.prompt
                        or f"{name} is my {r}." in v.prompt or f"my {r}, {name}." in v.prompt
                        or (f"i have a {r}." in v.prompt and v.prompt.count(" name is ") == 1))
        assert v.expected == GAME_AFTER_PLAY[relation], v
    second = [v for v in variants if v.family == "second character"]
    assert all(v.prompt.count("'s name is") == 2 for v in second)


@pytest.fixture(scope="module")
def story_runner():
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.runners import load_runner

    return load_runner(STORY_GPT, "onnx", "cpu", threads=1), load_model_tokenizer(STORY_GPT)


def test_shipped_story_gpt_is_sure_of_the_teaching_examples(story_runner):
    from engines.llm.generate import next_token_distribution

    runner, tokenizer = story_runner
    for prompt, expected in TEACHING_EXAMPLES:
        best = next_token_distribution(runner, tokenizer, prompt, top=1)["candidates"][0]
        assert best["text"].strip() == expected and best["prob"] >= 0.9, (prompt, best)


def test_shipped_story_gpt_is_sure_on_variants_it_was_not_tuned_on(story_runner):
    """Any name, any relation word, sentences in between, another way to introduce, a second character introduced
    first ("my friend's name is max. my dog's name is coco. coco likes to play"): the right game >= 0.9.

    The variants of seed 7 were left out of the training stories, like those of seed 1 that the metrics record.
    """
    runner, tokenizer = story_runner
    result = score_variants(runner, tokenizer, make_variants(seed=7, per_family=15))
    for family, summary in result["families"].items():
        assert summary["top1_right"] == 1.0, (family, summary, result["worst"])
        assert summary["mean_prob"] >= 0.9, (family, summary, result["worst"])
        assert summary["share_at_least_0.9"] >= 0.9, (family, summary, result["worst"])


def test_document_start_windows_begin_where_documents_begin():
    from engines.llm.train import _batch

    data = torch.arange(1000)
    starts = torch.tensor([0, 100, 500])
    gen = torch.Generator().manual_seed(0)
    x, y = _batch(data, 16, 8, gen, starts, doc_start_fraction=0.5)
    assert set(x[:4, 0].tolist()) <= {0, 100, 500}
    assert torch.equal(y, x + 1)  # targets are the next token
    x, _ = _batch(data, 16, 8, gen)  # without starts: anywhere
    assert x.shape == (8, 16)


def test_a_run_can_start_from_a_trained_model(tmp_path):
    from engines.core.jobs import Progress, collect
    from engines.llm.char_tokenizer import CharTokenizer
    from engines.llm.train import TrainConfig, train_gpt

    text = "the cat sat on the mat. the dog ran to the log. " * 40
    tok = CharTokenizer.from_text(text)
    ids = np.array(tok.encode(text), dtype=np.int64)
    config = TrainConfig(n_layer=1, n_head=2, n_embd=32, block_size=24, batch_size=8, max_steps=200, lr=3e-3,
                         eval_interval=100, eval_batches=1, sample_interval=0, checkpoint_interval=200)
    _, first = collect(train_gpt(ids, config, tmp_path / "a", tok))
    events, again = collect(train_gpt(ids, TrainConfig(**{**config.__dict__, "max_steps": 5}), tmp_path / "b", tok,
                                      init_from=tmp_path / "a"))
    start_loss = next(e for e in events if isinstance(e, Progress)).metrics["loss"]
    assert start_loss < 0.5 * np.log(tok.vocab_size)  # a random model would start near log(vocab)
    bigger = TrainConfig(**{**config.__dict__, "n_embd": 64})
    with pytest.raises(ValueError, match="different shape"):
        collect(train_gpt(ids, bigger, tmp_path / "c", tok, init_from=tmp_path / "a"))


def test_the_training_watch_line_reports_every_family_and_teaching_example():
    import re

    from engines.llm.teaching_eval import flagship_scores, watch_line

    line = watch_line(STORY_GPT, 123)
    assert line.startswith("watch step 123: ")
    means = {f: float(re.search(rf" {f} ([01]\.\d+)/", line).group(1)) for f in FAMILIES}
    onnx = flagship_scores(STORY_GPT)["families"]  # the exported graph scores like the torch weights
    assert all(abs(means[f] - onnx[f]["mean_prob"]) < 0.01 for f in FAMILIES), (line, onnx)
    words = re.findall(r"(-?[a-z]+) ([01]\.\d\d)", line.split("teaching ")[1])
    assert [w for w, _ in words] == [expected for _, expected in TEACHING_EXAMPLES], line
    assert f"teaching {len(TEACHING_EXAMPLES)}/{len(TEACHING_EXAMPLES)}: " in line
