"""Training a GPT on token ids from any tokenizer, as a job (live loss, samples, checkpoints, cancel, resume).

The output folder is a usable model folder at every checkpoint::

    out/config.json  out/model.safetensors   the model (engines.llm.gpt.save_gpt)
    out/tokenizer.json                       when the tokenizer can save itself
    out/optimizer.safetensors                AdamW state (tensors) + its settings (metadata), and the random
                                             state (dropout, the batch picker), so a resumed run takes the very
                                             steps the unbroken run would have taken
    out/train_state.json                     step, losses, training time so far, the TrainConfig: written last

Every file is written atomically. No pickle anywhere. The run's settings are :mod:`engines.llm.train_config`, its
checkpoint on disk :mod:`engines.llm.train_checkpoint`; this module is the loop.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, JobCancelled, Log, Progress
from engines.core.model_io import load_tensors
from engines.core.optimizer_state import restore_random_state
from engines.llm.train_checkpoint import (  # noqa: F401  (importers of engines.llm.train use these names)
    OPTIMIZER_FILE,
    STATE_FILE,
    load_optimizer,
    read_train_state,
    save_checkpoint,
    save_optimizer,
)
from engines.llm.train_config import PRESETS, TrainConfig, TrainResult, with_overrides  # noqa: F401


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is left on disk."""


def split_ids(ids: np.ndarray, block_size: int, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Split a long id array into train and validation parts (the last ``val_fraction``)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    need = 2 * (block_size + 1)
    if len(ids) < need:
        raise ValueError(
            f"the text is too short to train on: {len(ids)} tokens, at least {need} are needed "
            f"for a context of {block_size}"
        )
    n_val = max(block_size + 1, int(len(ids) * val_fraction))
    n_val = min(n_val, len(ids) - (block_size + 1))
    return ids[:-n_val], ids[-n_val:]


def _batch(data, block_size: int, batch_size: int, generator, doc_starts=None, doc_start_fraction: float = 0.0):
    """Random windows of ``data`` (a 1-D torch int64 tensor) → x, y (B, block) with y shifted by one.

    With ``doc_starts`` (a 1-D torch int64 tensor of positions where documents begin), the first
    ``round(doc_start_fraction * batch_size)`` windows start at randomly chosen document starts.
    """
    import torch

    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    n_doc = round(doc_start_fraction * batch_size) if doc_starts is not None and len(doc_starts) else 0
    if n_doc:
        starts[:n_doc] = doc_starts[torch.randint(len(doc_starts), (n_doc,), generator=generator)]
    offsets = starts.unsqueeze(1) + torch.arange(block_size + 1)
    chunk = data[offsets]  # (B, block+1)
    return chunk[:, :-1], chunk[:, 1:]


def _loss(model, x, y):
    from torch.nn import functional as F

    logits, _, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _make_optimizer(model, config: TrainConfig):
    import torch

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95))


def _sample_text(model, tokenizer, prompt_ids: list[int], n_tokens: int, seed: int) -> str:
    from engines.llm.generate import generate_text
    from engines.llm.runners import TorchGPTRunner

    class _Ids:  # feeds the prompt ids straight through
        def encode(self, _text):
            return prompt_ids

        def decode(self, ids):
            return tokenizer.decode(ids)

    was_training = model.training
    try:
        runner = TorchGPTRunner(model, str(next(model.parameters()).device))
        runner.on_gpu = False  # out of GPU memory here is handled by train_gpt (it moves the optimizer too)
        return generate_text(runner, _Ids(), "", max_new_tokens=n_tokens, temperature=0.8, top_k=20, seed=seed)
    finally:
        model.train(was_training)


def train_gpt(
    ids,
    config: TrainConfig,
    out_dir: str | Path,
    tokenizer=None,
    vocab_size: int | None = None,
    resume: bool = False,
    cancel: CancelToken | None = None,
    doc_starts=None,
    init_from: str | Path | None = None,
) -> Job[TrainResult]:
    """Train a GPT on the 1-D token id array ``ids``; checkpoints go to ``out_dir``.

    ``vocab_size`` defaults to ``tokenizer.vocab_size``. With ``resume`` and a checkpoint
    in ``out_dir``, training continues from its step (model and optimizer restored).
    Yields ``Progress(step, max_steps, {loss, val_loss, tokens_per_s, lr})`` every step,
    ``Frame({"step", "sample", "loss", "val_loss"})`` every ``sample_interval`` steps (when a
    tokenizer is given) and :class:`Log` lines for checkpoints. Cancelling saves a checkpoint
    and raises :class:`JobCancelled`; a NaN/inf loss raises :class:`TrainingDiverged`.
    ``doc_starts`` (positions in ``ids`` where documents begin) feeds ``config.doc_start_fraction``;
    ``init_from`` (a model folder of the same shape) starts from its weights instead of random ones.
    When the GPU runs out of memory in a step, a :class:`Log` says so, the model and the
    optimizer move to the CPU and the step is done again there (out of memory on the CPU is raised).
    """
    import torch

    from engines.core.device import fall_back_to_cpu, gpu_or_cpu, resolve_device
    from engines.llm.gpt import GPT, GPTConfig, load_gpt

    cancel = cancel or CancelToken()
    out_dir = Path(out_dir)
    if vocab_size is None:
        if tokenizer is None:
            raise ValueError("give a tokenizer or a vocab_size")
        vocab_size = int(tokenizer.vocab_size)
    device_info = resolve_device(config.device)
    device = torch.device(device_info.torch_device)
    on_gpu = device_info.kind != "cpu"
    train_ids, val_ids = split_ids(ids, config.block_size, config.val_fraction)
    if int(np.max(train_ids)) >= vocab_size:
        raise ValueError(f"token id {int(np.max(train_ids))} is outside the vocabulary of {vocab_size}")
    train_data = torch.from_numpy(train_ids)
    val_data = torch.from_numpy(val_ids)
    train_doc_starts = None
    if doc_starts is not None:
        starts = np.asarray(doc_starts, dtype=np.int64).reshape(-1)
        train_doc_starts = torch.from_numpy(starts[(starts >= 0) & (starts < len(train_ids) - config.block_size)])

    gpt_config = GPTConfig(
        n_layer=config.n_layer, n_head=config.n_head, n_embd=config.n_embd, block_size=config.block_size,
        vocab_size=vocab_size, dropout=config.dropout, bias=config.bias,
    )
    start_step = 0
    previous: dict[str, float] = {}  # the metrics of the checkpoint resumed from
    state = read_train_state(out_dir) if resume else None
    if state is not None:
        model = load_gpt(out_dir)
        if model.config != gpt_config:
            raise ValueError("the checkpoint in this folder has a different model shape; use another folder")
        start_step = int(state["step"])
        previous = state.get("metrics") or {}
        if start_step >= config.max_steps:
            yield Log(f"The checkpoint in {out_dir} is at step {start_step} already; raise the number of steps to go on")
        else:
            yield Log(f"Resuming from step {start_step} in {out_dir}")
    elif init_from is not None:
        model = load_gpt(init_from)
        if model.config != gpt_config:
            raise ValueError(f"the model in {init_from} has a different shape than this run asks for")
        yield Log(f"Starting from the weights in {init_from}")
    else:
        torch.manual_seed(config.seed)
        model = GPT(gpt_config)
    model.to(device).train()
    optimizer = _make_optimizer(model, config)
    # The batch picker; a resumed run restores its state (and torch's, for dropout) from the checkpoint.
    gen = torch.Generator().manual_seed(config.seed + 1000 + start_step)
    if state is not None:
        if not (out_dir / OPTIMIZER_FILE).is_file():
            raise ValueError(f"the checkpoint in {out_dir} has no {OPTIMIZER_FILE}: a fresh optimizer would not "
                             "continue the run; start a new run (init_from) instead")
        load_optimizer(optimizer, out_dir / OPTIMIZER_FILE)
        restore_random_state(load_tensors(out_dir / OPTIMIZER_FILE), gen)  # older checkpoints: seeded by step

    eval_gen = torch.Generator().manual_seed(config.seed + 1)  # same validation windows every time

    def train_step(batch) -> float:
        """Forward, backward and optimizer step on ``batch``; returns the loss (raises TrainingDiverged)."""
        nonlocal diverged
        x, y = (t.to(device) for t in batch)
        loss = _loss(model, x, y)
        loss_value = float(loss.item())
        if not math.isfinite(loss_value) or loss_value > loss_ceiling:
            diverged = True
            where = f"step {last_good}" if last_good is not None else "no step"
            became = (f"became {loss_value}" if not math.isfinite(loss_value) else
                      f"jumped to {loss_value:.1f}, far above the {chance_loss:.1f} of guessing at random")
            raise TrainingDiverged(
                f"training diverged at step {step + 1} (the loss {became}); "
                f"the last good checkpoint ({where}) is kept in {out_dir}. Try a smaller learning rate "
                f"(this run used {config.lr:g})."
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        return loss_value

    def to_cpu() -> None:
        nonlocal device, on_gpu
        optimizer.zero_grad(set_to_none=True)
        model.train()
        device = fall_back_to_cpu(model, optimizers=(optimizer,))
        on_gpu = False

    def on_gpu_else_cpu(what: str, work, *args):
        """``work(*args)``; on GPU out-of-memory, move to the CPU, say so and do it again there."""
        return (yield from gpu_or_cpu(what, lambda: work(*args), lambda: on_gpu, to_cpu))

    def evaluate() -> float:
        model.eval()
        eval_gen.manual_seed(config.seed + 1)
        with torch.no_grad():
            losses = [
                _loss(model, *(t.to(device) for t in _batch(val_data, config.block_size, config.batch_size, eval_gen)))
                .item()
                for _ in range(config.eval_batches)
            ]
        model.train()
        return float(np.mean(losses))

    metrics: dict[str, float] = {}
    last_good = start_step if state is not None else None
    if state is None:
        save_checkpoint(out_dir, model, optimizer, tokenizer, config, 0, {}, gen)
        last_good = 0
    prompt_ids = [int(train_ids[0])]
    tokens_per_step = config.batch_size * config.block_size
    started = time.perf_counter()
    clock_start = started - float((state or {}).get("elapsed_s", 0.0))  # training time counts across resumes
    window_start, window_steps = time.perf_counter(), 0
    step = start_step
    val_loss = float(previous.get("val_loss", float("nan")))
    loss_value = float(previous.get("loss", float("nan")))
    diverged = False
    out_of_time = False
    # A loss far above that of uniform guessing means the weights have blown up (e.g. learning rate 10),
    # even while it is still finite: stop then, before a checkpoint of the broken weights is saved.
    chance_loss = math.log(max(2, vocab_size))
    loss_ceiling = 3.0 * chance_loss + 5.0
    try:
        while step < config.max_steps and not out_of_time:
            cancel.raise_if_cancelled()
            used = (time.perf_counter() - clock_start) / config.time_budget_s if config.time_budget_s else 0.0
            lr = config.lr_at(step, used)
            for group in optimizer.param_groups:
                group["lr"] = lr
            batch = _batch(train_data, config.block_size, config.batch_size, gen,  # on the CPU
                           train_doc_starts, config.doc_start_fraction)
            loss_value = yield from on_gpu_else_cpu(f"Training (step {step + 1})", train_step, batch)
            step += 1
            out_of_time = bool(config.time_budget_s) and time.perf_counter() - clock_start >= config.time_budget_s
            window_steps += 1
            elapsed = time.perf_counter() - window_start
            tokens_per_s = window_steps * tokens_per_step / max(elapsed, 1e-9)
            if elapsed > 2.0:
                window_start, window_steps = time.perf_counter(), 0
            if step % config.eval_interval == 0 or step == config.max_steps or out_of_time:
                val_loss = yield from on_gpu_else_cpu(f"Evaluating (step {step})", evaluate)
                if not math.isfinite(val_loss):
                    diverged = True
                    raise TrainingDiverged(
                        f"training diverged at step {step} (the validation loss became {val_loss}); the last good "
                        f"checkpoint (step {last_good}) is kept in {out_dir}. Try a smaller learning rate."
                    )
            metrics = {"loss": loss_value, "tokens_per_s": tokens_per_s, "lr": lr}
            if math.isfinite(val_loss):
                metrics["val_loss"] = val_loss
            yield Progress(step, config.max_steps, metrics)
            if tokenizer is not None and config.sample_interval and step % config.sample_interval == 0:
                sample = yield from on_gpu_else_cpu(f"Sampling (step {step})", _sample_text, model, tokenizer,
                                                    prompt_ids, config.sample_tokens, config.seed)
                yield Frame({"step": step, "sample": sample, "loss": loss_value, "val_loss": val_loss}, step=step)
            if step % config.checkpoint_interval == 0 or step == config.max_steps or out_of_time:
                save_checkpoint(out_dir, model, optimizer, tokenizer, config, step, metrics, gen,
                                time.perf_counter() - clock_start)
                last_good = step
                yield Log(f"Checkpoint saved at step {step} in {out_dir}")
    except (JobCancelled, GeneratorExit, KeyboardInterrupt):  # Ctrl-C may land anywhere in the loop
        if not diverged and step != last_good:
            save_checkpoint(out_dir, model, optimizer, tokenizer, config, step, metrics, gen,
                            time.perf_counter() - clock_start)
        raise
    model.eval()
    return TrainResult(
        folder=out_dir,
        steps=step,
        loss=loss_value,
        val_loss=val_loss,
        tokens_per_s=(step - start_step) * tokens_per_step / max(time.perf_counter() - started, 1e-9)
        if step > start_step else float(previous.get("tokens_per_s", 0.0)),
        parameters=model.num_parameters(),
        elapsed_s=time.perf_counter() - started,
    )
