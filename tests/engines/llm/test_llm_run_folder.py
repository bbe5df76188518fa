"""A kept run: its ids and settings travel with the checkpoint, and opening it gives back what was saved."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.jobs import collect  # noqa: E402
from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.run_folder import IDS_FILE, RUN_FILE, open_run, start_run  # noqa: E402
from engines.llm.train import TrainConfig, train_gpt  # noqa: E402

TEXT = "the cat sat on the mat. the dog ran to the log. " * 20
TOKENIZER = CharTokenizer.from_text(TEXT)
IDS = np.array(TOKENIZER.encode(TEXT), dtype=np.int64)


def test_a_kept_run_opens_with_its_ids_tokenizer_config_and_step(tmp_path):
    folder = start_run(tmp_path / "run", IDS, {"model": "story", "name_match_weight": 30})
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        open_run(folder)
    config = TrainConfig.preset_config("tiny", n_layer=1, n_embd=32, block_size=16, batch_size=4, max_steps=7,
                                       sample_interval=0, eval_interval=5, lr=1e-3)
    collect(train_gpt(IDS, config, folder, TOKENIZER))
    run = open_run(folder)
    assert np.array_equal(run.ids, IDS) and run.ids.dtype == np.int64
    assert run.step == 7 and run.config == config
    assert run.tokenizer.encode("the dog") == TOKENIZER.encode("the dog")
    assert run.settings["name_match_weight"] == 30 and run.settings["corpus_tokens"] == len(IDS)
    assert json.loads((folder / RUN_FILE).read_text())["model"] == "story"


def test_a_folder_holding_a_run_is_not_started_again(tmp_path):
    start_run(tmp_path / "run", IDS, {"model": "story"})
    with pytest.raises(FileExistsError, match="--resume"):
        start_run(tmp_path / "run", IDS[:100], {"model": "story"})


def test_ids_that_changed_on_disk_are_refused(tmp_path):
    from engines.core.model_io import load_tensors, save_tensors
    from safetensors import safe_open

    folder = start_run(tmp_path / "run", IDS, {"model": "story"})
    collect(train_gpt(IDS, TrainConfig.preset_config("tiny", n_layer=1, n_embd=32, block_size=16, batch_size=4,
                                                     max_steps=2, sample_interval=0), folder, TOKENIZER))
    with safe_open(str(folder / IDS_FILE), framework="numpy") as fh:
        meta = fh.metadata()
    ids = load_tensors(folder / IDS_FILE)["ids"]
    ids[3] = (ids[3] + 1) % TOKENIZER.vocab_size
    save_tensors(folder / IDS_FILE, {"ids": ids}, metadata=meta)
    with pytest.raises(ValueError, match="digest"):
        open_run(folder)
