"""Training as a job: ε-prediction with MSE, caption dropout for guidance, EMA weights.

The job yields ``Progress`` (loss, steps/s), ``Frame(TrainingSnapshot)`` with a grid of
samples from the EMA weights for fixed prompts and seed (watch it learn), and ``Log``
lines; it saves a checkpoint (weights, EMA, optimiser state) every few minutes and when
cancelled, and ``resume=True`` carries on from it. At the end the EMA weights are saved
as a model folder that :func:`engines.diffusion.pipeline.load_diffusion_model` opens.

Data: ``faces`` (procedural, captions with details randomly left out), ``digits`` (the
real 8×8 digits, upsampled) or a folder of PNGs (captions from file names), built by
:mod:`engines.diffusion.train_data`.
The whole data set lives as one tensor on the training device: no loader overhead.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Log, Progress
from engines.core.model_io import atomic_write_json, load_tensors, save_tensors
from engines.core.optimizer_state import optimizer_tensors, restore_optimizer
from engines.diffusion.captions import WordVectors, load_word_vectors
from engines.diffusion.train_data import TrainData, _ids, prepare_data  # noqa: F401 (_ids: tests/robustness imports it from here)
from engines.diffusion.train_setup import default_out, model_config, schedule_betas, start_from

CHECKPOINT_DIR = "checkpoint"


# Pictures per forward/backward pass when training on the CPU: the working set is ~270 MB per 32 pictures for the
# small model, so a batch of 256 in one pass held ~2 GB and could not be cancelled for many seconds.
MICRO_BATCH = 32


@dataclass
class TrainConfig:
    dataset: str = "faces"  # faces | digits | a folder of PNG files
    out: str = ""  # model folder to write ("" = user data folder/models/diffusion/<dataset>)
    n_images: int = 20000  # faces only
    data_seed: int = 0
    seed: int = 0
    image_size: int = 32
    max_steps: int = 100_000
    minutes: float | None = None  # wall-clock budget; whichever of steps/minutes ends first
    batch_size: int = 128
    lr: float = 6e-4
    warmup_steps: int = 200
    weight_decay: float = 0.01
    ema_decay: float = 0.999
    uncond_prob: float = 0.1  # caption replaced by "" this often, so guidance has a "no clue" guess
    caption_drop: float = 0.3  # faces: each detail left out of a caption variant this often
    caption_variants: int = 3
    schedule: str = "cosine"
    num_timesteps: int = 1000
    channels: tuple[int, int, int] = (32, 64, 128)
    d_model: int = 64
    time_dim: int = 128
    encoder_layers: int = 2
    word_source: str = "glove"  # glove when the asset is there, else learned; "minilm": one MiniLM vector per phrase
    device: str = "auto"
    amp: bool = True  # bf16 autocast on CUDA
    sample_every_s: float = 30.0
    grid_size: int = 16
    checkpoint_every_s: float = 180.0
    progress_every: int = 10
    resume: bool = False
    threads: int = 1
    init_from: str = ""  # a model folder with the same shapes to start from (fine-tuning); "" = random weights
    min_snr_gamma: float = 0.0  # > 0: weight each noise level's loss by min(SNR, γ)/SNR (less weight on nearly clean steps)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d



def min_snr_weights(abar: Any, gamma: float) -> Any:
    """Per-timestep loss weights min(SNR, γ)/SNR for noise prediction (Hang et al., 2023), or None when γ ≤ 0.

    SNR = ᾱ/(1 − ᾱ) is large for nearly clean images; those steps only polish fine detail, so capping
    their weight leaves more of each update for the noisy steps where shapes and colours are decided.
    """
    if gamma <= 0:
        return None
    snr = abar / (1 - abar).clamp_min(1e-12)
    return snr.clamp(max=gamma) / snr.clamp_min(1e-12)

@dataclass(frozen=True)
class TrainingSnapshot:
    step: int
    grid: np.ndarray  # uint8 (H, W, C)
    prompts: tuple[str, ...]
    loss: float


@dataclass(frozen=True)
class TrainResult:
    folder: Path
    steps: int
    loss: float
    wall_time_s: float
    cancelled: bool = False


def train_job(config: TrainConfig, cancel: CancelToken | None = None, data: TrainData | None = None) -> Job[TrainResult]:
    """Train a captioned diffusion model (see the module docstring). Returns :class:`TrainResult`."""
    import torch
    from torch import nn

    from engines.core.device import (fall_back_to_cpu, gpu_or_cpu, is_out_of_memory, out_of_memory_message,
                                     resolve_device, set_cpu_threads)
    from engines.diffusion.pipeline import DiffusionModel, TorchRunner, build_modules, save_diffusion_model
    from engines.diffusion.sample import SampleSettings, image_grid, sample_job

    cancel = cancel or CancelToken()
    started = time.monotonic()
    device_info = resolve_device(config.device)
    device = torch.device(device_info.torch_device)
    on_gpu = device_info.kind != "cpu"
    if device.type == "cpu":
        set_cpu_threads(config.threads)
    yield Log(f"training on {device_info.name}" + (f" ({device_info.note})" if device_info.note else ""))
    out = Path(config.out) if config.out else default_out(config)
    ckpt = out / CHECKPOINT_DIR
    torch.manual_seed(config.seed)
    if data is None:
        yield Log(f"making the {config.dataset} data")
        data = prepare_data(config)
    if config.word_source == "minilm":
        from engines.diffusion.minilm_clue import minilm_table

        words = minilm_table(data.vocab)
    else:
        words = load_word_vectors(data.vocab, prefer=config.word_source, seed=config.seed)
    yield Log(f"{len(data.images)} images, {len(data.vocab)} caption words, word vectors: {words.source}")
    mconfig = model_config(config, data.images.shape[1], words, data)
    unet, encoder = build_modules(mconfig)
    if mconfig["encoder"].get("input_norm"):
        from engines.diffusion.minilm_clue import input_normalisation

        centre, scale = input_normalisation(words.vectors)
        encoder.in_centre.copy_(torch.from_numpy(centre))
        encoder.in_scale.fill_(scale)
    if config.init_from and not (config.resume and (ckpt / "state.json").is_file()):
        words = yield from start_from(config.init_from, unet, encoder, words)
        mconfig["init_from"] = str(config.init_from)
    table = torch.zeros(len(words.words) + 1, words.vectors.shape[1])
    table[1:] = torch.from_numpy(words.vectors)
    net = nn.ModuleDict({"unet": unet, "encoder": encoder})
    net.word_table = nn.Parameter(table, requires_grad=words.source == "learned")
    net.to(device)
    ema = copy.deepcopy(net).requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay, foreach=True)
    step, elapsed_before = 0, 0.0
    if config.resume and (ckpt / "state.json").is_file():
        meta = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        tensors = load_tensors(ckpt / "state.safetensors")
        for prefix, module in (("net.", net), ("ema.", ema)):
            module.load_state_dict({k[len(prefix):]: torch.from_numpy(v.copy()) for k, v in tensors.items()
                                    if k.startswith(prefix)})
        restore_optimizer(opt, tensors, meta["param_groups"], "opt")
        step, elapsed_before = int(meta["step"]), float(meta.get("elapsed_s", 0.0))
        yield Log(f"resumed from step {step}")

    images = torch.from_numpy(data.images)  # (N, C, S, S), on the CPU until copied
    ids_all = torch.from_numpy(data.caption_ids)  # (N, K, L)
    copy_failed = False
    try:
        images, ids_all = images.to(device), ids_all.to(device)
    except Exception as exc:  # only GPU out-of-memory is handled; the rest is re-raised
        if not (on_gpu and is_out_of_memory(exc)):
            raise
        copy_failed = True
    if copy_failed:  # outside the except block: the traceback (holding GPU memory) is gone
        device = fall_back_to_cpu(net, ema, optimizers=(opt,))
        on_gpu = False
        set_cpu_threads(config.threads)
        yield Log(out_of_memory_message("Copying the pictures to the GPU"), level="warning")
    N, K = ids_all.shape[:2]
    abar = torch.from_numpy(np.cumprod(1 - schedule_betas(mconfig))).float().to(device)
    T = len(abar)
    snr_weight = min_snr_weights(abar, config.min_snr_gamma)
    use_amp = config.amp and device.type == "cuda"
    gen = torch.Generator(device=device).manual_seed(config.seed + step)

    def save_checkpoint() -> None:
        tensors = {f"net.{k}": v for k, v in net.state_dict().items()}
        tensors.update({f"ema.{k}": v for k, v in ema.state_dict().items()})
        opt_tensors, param_groups = optimizer_tensors(opt, "opt")
        tensors.update(opt_tensors)
        save_tensors(ckpt / "state.safetensors", tensors)
        atomic_write_json(ckpt / "state.json", {"step": step, "elapsed_s": elapsed(), "param_groups": param_groups,
                                                "config": config.to_dict()})

    def elapsed() -> float:
        return elapsed_before + time.monotonic() - started

    def export_final() -> Path:
        final_words = WordVectors(words.words, ema.word_table[1:].detach().float().cpu().numpy(), words.source)
        cfg = {**mconfig, "trained_steps": step, "train_time_s": round(elapsed(), 1)}
        return save_diffusion_model(out, copy.deepcopy(ema["unet"]).cpu(), copy.deepcopy(ema["encoder"]).cpu(),
                                    final_words, cfg)

    def snapshot(loss: float) -> TrainingSnapshot:
        runner = TorchRunner(ema["unet"], ema["encoder"], str(device))
        runner.on_gpu = False  # out of GPU memory here is handled by on_gpu_else_cpu (it moves everything)
        snap_words = WordVectors(words.words, ema.word_table[1:].detach().float().cpu().numpy(), words.source)
        model = DiffusionModel(mconfig, snap_words, runner)
        settings = SampleSettings(tuple(data.grid_prompts), seed=0, steps=20, guidance=3.0)
        job = sample_job(model, settings, cancel)
        try:
            while True:
                next(job)
        except StopIteration as stop:
            result = stop.value
        return TrainingSnapshot(step, image_grid(result, columns=int(math.ceil(math.sqrt(len(result))))),
                                tuple(data.grid_prompts), loss)

    def train_step(lr: float):
        """One optimiser step on a random batch; returns the loss (a tensor on the device).

        On the CPU the batch goes through the network MICRO_BATCH pictures at a time and the slices' gradients
        add up to the whole batch's (no layer mixes pictures of a batch), so memory stays at one slice's
        working set whatever the batch, and Cancel is honoured between slices instead of after a whole step."""
        for group in opt.param_groups:
            group["lr"] = lr
        B = config.batch_size
        idx = torch.randint(0, N, (B,), device=device, generator=gen)
        x0 = images[idx]
        ids = ids_all[idx, torch.randint(0, K, (B,), device=device, generator=gen)]  # (B, L)
        drop = torch.rand(B, device=device, generator=gen) < config.uncond_prob
        ids = torch.where(drop[:, None], torch.zeros_like(ids), ids)
        t = torch.randint(0, T, (B,), device=device, generator=gen)
        noise = torch.randn(x0.shape, device=device, generator=gen)
        opt.zero_grad(set_to_none=True)
        total = torch.zeros((), device=device)
        size = B if on_gpu else MICRO_BATCH
        for start in range(0, B, size):
            if start:
                cancel.raise_if_cancelled()
            part = slice(start, start + size)
            a = abar[t[part]].view(-1, 1, 1, 1)
            x_t = a.sqrt() * x0[part] + (1 - a).sqrt() * noise[part]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                vectors = net.word_table[ids[part]]  # (b, L, 50)
                tokens, mask, pooled = net["encoder"](vectors, (ids[part] > 0).float())
                eps = net["unet"](x_t, t[part].float(), tokens, mask, pooled)
                per_image = (eps.float() - noise[part]).pow(2).mean(dim=(1, 2, 3))
                if snr_weight is not None:
                    per_image = per_image * snr_weight[t[part]]
                loss = per_image.sum() / B  # this slice's share of the batch mean
            loss.backward()
            total += loss.detach()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return total

    def to_cpu() -> None:
        nonlocal device, on_gpu, use_amp, gen, images, ids_all, abar, loss_sum, snr_weight
        opt.zero_grad(set_to_none=True)
        cpu = torch.device("cpu")
        images, ids_all, abar, loss_sum = (v.to(cpu) for v in (images, ids_all, abar, loss_sum))
        snr_weight = snr_weight.to(cpu) if snr_weight is not None else None
        device = fall_back_to_cpu(net, ema, optimizers=(opt,))
        on_gpu, use_amp = False, False
        gen = torch.Generator().manual_seed(config.seed + step)
        set_cpu_threads(config.threads)

    def on_gpu_else_cpu(what: str, work, *args):
        """``work(*args)``; on GPU out-of-memory, move everything to the CPU, say so and do it again there."""
        return (yield from gpu_or_cpu(what, lambda: work(*args), lambda: on_gpu, to_cpu))

    budget_s = config.minutes * 60 if config.minutes else None
    last_sample = last_ckpt = time.monotonic()
    loss_sum = torch.zeros((), device=device)
    loss_count, last_loss, rate_t0, rate_step0 = 0, float("nan"), time.monotonic(), step
    cancelled = False
    try:
        while step < config.max_steps and not (budget_s and elapsed() >= budget_s):
            cancel.raise_if_cancelled()
            progress = max(step / config.max_steps, elapsed() / budget_s if budget_s else 0.0)
            lr = config.lr * min(1.0, (step + 1) / config.warmup_steps) * (0.1 + 0.45 * (1 + math.cos(math.pi * min(progress, 1.0))))
            loss = yield from on_gpu_else_cpu(f"Training (step {step + 1})", train_step, lr)
            step += 1
            decay = min(config.ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                ema_params = [p for p in ema.parameters()]
                torch._foreach_lerp_(ema_params, list(net.parameters()), 1 - decay)
            loss_sum += loss.detach()
            loss_count += 1
            if step % config.progress_every == 0 or step == config.max_steps:
                last_loss = float(loss_sum) / loss_count
                loss_sum.zero_()
                loss_count = 0
                now = time.monotonic()
                rate = (step - rate_step0) / max(now - rate_t0, 1e-9)
                rate_t0, rate_step0 = now, step
                total = config.max_steps if not budget_s else None
                yield Progress(step, total, {"loss": last_loss, "steps_per_s": rate, "lr": lr,
                                             "elapsed_s": elapsed()})
            now = time.monotonic()
            if config.sample_every_s and now - last_sample >= config.sample_every_s:
                yield Frame((yield from on_gpu_else_cpu("Sampling", snapshot, last_loss)), step=step)
                last_sample = time.monotonic()
            if config.checkpoint_every_s and now - last_ckpt >= config.checkpoint_every_s:
                save_checkpoint()
                last_ckpt = time.monotonic()
    except GeneratorExit:
        cancelled = True
        save_checkpoint()
        raise
    except BaseException:
        cancelled = True
        save_checkpoint()
        raise
    if loss_count:
        last_loss = float(loss_sum) / loss_count
    save_checkpoint()
    folder = export_final()
    if config.sample_every_s:
        yield Frame((yield from on_gpu_else_cpu("Sampling", snapshot, last_loss)), step=step)
    yield Log(f"saved {folder} after {step} steps ({elapsed():.0f} s)")
    return TrainResult(folder, step, last_loss, elapsed(), cancelled)
