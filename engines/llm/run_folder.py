"""A training run kept in a folder, so it can be stopped and continued in a later session.

Beside :func:`engines.llm.train.train_gpt`'s checkpoint (model, tokenizer, optimizer and random state,
train_state.json) the folder holds what the run was made from:

    corpus_ids.safetensors   the token ids it trains on: a later change to the corpus generator does not
                             change the data of a run under way
    run.json                 the settings of the command that started it (model, corpus options, where to export)

Continuing (``open_run``) takes the step, the optimizer and the random state from the checkpoint, so the
continued run takes the very steps the unbroken run would have taken.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.model_io import atomic_write_json, load_tensors, save_tensors

RUN_FILE = "run.json"
IDS_FILE = "corpus_ids.safetensors"


@dataclass
class KeptRun:
    folder: Path
    settings: dict[str, Any]
    ids: np.ndarray  # int64
    tokenizer: Any
    config: Any  # engines.llm.train.TrainConfig of the run
    step: int  # the step of its last checkpoint


def _digest(ids: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int64).tobytes()).hexdigest()


def start_run(folder: str | Path, ids, settings: dict[str, Any]) -> Path:
    """Write the ids and the settings of a new run to ``folder``; refuse a folder that already holds a run."""
    folder = Path(folder)
    if (folder / RUN_FILE).exists():
        raise FileExistsError(f"{folder} already holds a run: continue it with --resume {folder}, "
                              "or choose another folder")
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    small = ids.max(initial=0) < 2**16
    save_tensors(folder / IDS_FILE, {"ids": ids.astype(np.uint16 if small else np.int32)},
                 metadata={"sha256": _digest(ids)})
    atomic_write_json(folder / RUN_FILE, {**settings, "corpus_tokens": int(len(ids))})
    return folder


def open_run(folder: str | Path) -> KeptRun:
    """The run in ``folder`` at its last checkpoint, with its ids (checked against their digest) and tokenizer."""
    from safetensors import safe_open

    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.train import TrainConfig, read_train_state

    folder = Path(folder)
    if not (folder / RUN_FILE).is_file():
        raise FileNotFoundError(f"{folder} holds no kept run ({RUN_FILE} is missing)")
    state = read_train_state(folder)
    if state is None:
        raise FileNotFoundError(f"{folder} holds no checkpoint yet: start the run again")
    ids = load_tensors(folder / IDS_FILE)["ids"].astype(np.int64)
    with safe_open(str(folder / IDS_FILE), framework="numpy") as fh:
        if _digest(ids) != (fh.metadata() or {}).get("sha256"):
            raise ValueError(f"{folder / IDS_FILE} does not match its digest")
    settings = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    return KeptRun(folder, settings, ids, load_model_tokenizer(folder), TrainConfig.from_dict(state["train_config"]),
                   int(state["step"]))
