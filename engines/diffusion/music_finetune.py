"""Fine-tune a trained music model with the tempo clue (:mod:`engines.diffusion.music_tempo`) and/or caption mixes.

Starts from a trained folder (the shipped model), adds the tempo network — its last layer zero, so
step 0 is the old model exactly — and trains everything on the same clips and captions, with the
same loss as :func:`engines.diffusion.train.train_job` (ε-prediction, min-SNR weights, captions
dropped for guidance, EMA weights), for a bounded wall time. The caption is still the full text;
the tempo network reads the bpm each caption variant names (none when a variant leaves it out).

**Caption mixes** (``mix_prob`` > 0): that share of each batch is a real blend of two clips of different
styles — the picture of the audio sum (1 − w)·a + w·b (made in the power domain,
:func:`engines.diffusion.music_judge_blend.mix_pictures`) — captioned with the caption numbers
(1 − w)·A + w·B, exactly what the style-mix slider and "A in the style of B" feed the model. Half of those
use the bare style captions ("a rock song"), as the mix prompts do. The model then learns what "between"
means instead of guessing it from single styles.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress


def finetune_job(init_folder: str | Path, out_folder: str | Path, songs: list, pictures: np.ndarray,
                 minutes: float, batch_size: int = 16, lr: float = 3e-4, tempo_lr: float = 2e-3, seed: int = 0,
                 ema_decay: float = 0.995, min_snr: float = 5.0, uncond_prob: float = 0.1, warmup_steps: int = 50,
                 threads: int = 1, save_every_s: float = 300.0, mix_prob: float = 0.0, tempo: bool = True,
                 cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """Train for ``minutes`` of wall time; saves the EMA weights (+ ``tempo.*``) to ``out_folder`` every
    ``save_every_s`` and at the end. Returns {"steps", "loss", "wall_time_s"}."""
    import torch
    from torch import nn

    from engines.core.device import set_cpu_threads
    from engines.core.model_io import load_tensors, save_model
    from engines.diffusion.music_data import caption_variants, train_data
    from engines.diffusion.music_tempo import (PREFIX, build_tempo_module, config_entry, module_tensors, prompt_bpms,
                                              tempo_features)
    from engines.diffusion.pipeline import ARCHITECTURE, load_torch_modules, model_tensors
    from engines.diffusion.schedule import NoiseSchedule
    from engines.diffusion.train import min_snr_weights

    cancel = cancel or CancelToken()
    set_cpu_threads(threads)
    started = time.monotonic()
    torch.manual_seed(seed)
    config, unet, encoder, words = load_torch_modules(init_folder)
    net = nn.ModuleDict({"unet": unet, "encoder": encoder,
                         **({"tempo": build_tempo_module(int(config["encoder"]["d_model"]), seed)} if tempo else {})})
    earlier = {k[len(PREFIX):]: torch.from_numpy(v.copy()) for k, v in
               load_tensors(Path(init_folder) / "model.safetensors").items() if k.startswith(PREFIX)}
    if earlier and tempo:  # carrying on from a model that already has a tempo clue
        net["tempo"].load_state_dict(earlier)
    ema = copy.deepcopy(net).requires_grad_(False)
    data = train_data(songs, pictures, seed=seed)
    bpm = np.stack([prompt_bpms(c) for c in caption_variants(songs, seed=seed)], axis=1)  # (N, K), NaN = none
    images = torch.from_numpy(data.images)
    ids_all = torch.from_numpy(data.caption_ids)
    N, K = ids_all.shape[:2]
    feats_all = torch.from_numpy(tempo_features(bpm.reshape(-1)).reshape(N, K, -1))
    has_all = torch.from_numpy(np.isfinite(bpm))
    table = torch.zeros(len(words.words) + 1, words.vectors.shape[1])
    table[1:] = torch.from_numpy(words.vectors)
    abar = torch.from_numpy(np.cumprod(1 - NoiseSchedule.from_config(config["schedule"]).betas)).float()
    T = len(abar)
    weights = min_snr_weights(abar, min_snr)
    groups = [{"params": list(unet.parameters()) + list(encoder.parameters()), "base_lr": lr}]
    if tempo:
        groups.append({"params": list(net["tempo"].parameters()), "base_lr": tempo_lr})
    mixer = _Mixer(songs, data.vocab, ids_all.shape[2], seed) if mix_prob > 0 else None
    opt = torch.optim.AdamW([{**g, "lr": g["base_lr"]} for g in groups], weight_decay=0.01)
    gen = torch.Generator().manual_seed(seed + 1)
    yield Log(f"fine-tuning {init_folder}{' with the tempo clue' if tempo else ''}: {N} clips × {K} captions, "
              f"{int(has_all.sum())} of them name a bpm; {mix_prob:.0%} caption mixes; {minutes} min")
    budget = minutes * 60.0
    out = Path(out_folder)
    prior_steps, prior_time = int(config.get("trained_steps", 0)), float(config.get("train_time_s", 0.0))
    earlier_runs = list(config.get("finetune_runs") or ([config["finetune"]] if config.get("finetune") else []))

    def save(step: int, loss: float) -> None:
        cfg = {k: v for k, v in config.items() if k != "architecture"}
        run = {"from": str(init_folder), "steps": step, "minutes": minutes, "batch_size": batch_size, "lr": lr,
               "tempo_lr": tempo_lr, "ema_decay": ema_decay, "min_snr_gamma": min_snr, "uncond_prob": uncond_prob,
               "seed": seed, "threads": threads, "loss": round(loss, 5), "mix_prob": mix_prob, "tempo_clue": tempo,
               "wall_time_s": round(time.monotonic() - started, 1)}
        if tempo:
            cfg["tempo"] = config_entry()
        cfg.update(trained_steps=prior_steps + step,
                   train_time_s=round(prior_time + time.monotonic() - started, 1), finetune=run,
                   finetune_runs=earlier_runs + [run])
        tensors = model_tensors(ema["unet"], ema["encoder"], words.vectors)
        if tempo:
            tensors.update(module_tensors(ema["tempo"]))
        save_model(out, tensors, cfg, ARCHITECTURE)

    step, loss_avg, last_save = 0, float("nan"), time.monotonic()
    loop_start = time.monotonic()  # the budget is for training; loading and data come on top
    while time.monotonic() - loop_start < budget:
        cancel.raise_if_cancelled()
        frac = min(1.0, (time.monotonic() - loop_start) / budget)
        scale = min(1.0, (step + 1) / warmup_steps) * (0.1 + 0.45 * (1 + math.cos(math.pi * frac)))
        for group in opt.param_groups:
            group["lr"] = group["base_lr"] * scale
        idx = torch.randint(0, N, (batch_size,), generator=gen)
        k = torch.randint(0, K, (batch_size,), generator=gen)
        drop = torch.rand(batch_size, generator=gen) < uncond_prob
        ids = torch.where(drop[:, None], torch.zeros_like(ids_all[idx, k]), ids_all[idx, k])
        has = (has_all[idx, k] & ~drop).float()[:, None]
        x0 = images[idx]
        if mixer is not None:
            mixed, ids, ids_b, w, pics = mixer.draw(idx, k, ids, drop, mix_prob, data.images, ids_all)
            x0 = torch.where(mixed[:, None, None, None], torch.from_numpy(pics), x0)
            has = has * (~mixed).float()[:, None]  # two bpms: no single tempo to read
        t = torch.randint(0, T, (batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        a = abar[t].view(-1, 1, 1, 1)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
        tokens, mask, pooled = net["encoder"](table[ids], (ids > 0).float())
        if mixer is not None:  # caption numbers (1 − w)·A + w·B on the mixed rows, as mix_encoded does
            tb, mb, pb = net["encoder"](table[ids_b], (ids_b > 0).float())
            wt = torch.from_numpy(w).float() * mixed.float()
            tokens = (1 - wt[:, None, None]) * tokens + wt[:, None, None] * tb
            pooled = (1 - wt[:, None]) * pooled + wt[:, None] * pb
            mask = torch.where(mixed[:, None], torch.maximum(mask, mb), mask)
        v = net["tempo"](feats_all[idx, k]) * has if tempo else torch.zeros_like(pooled)
        tokens = torch.cat([tokens[:, :1] + v[:, None], tokens[:, 1:]], dim=1)
        eps = net["unet"](x_t, t.float(), tokens, mask, pooled + v)
        loss = ((eps - noise).pow(2).mean(dim=(1, 2, 3)) * weights[t]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
        opt.step()
        step += 1
        decay = min(ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(list(ema.parameters()), list(net.parameters()), 1 - decay)
        loss_value = float(loss.detach())
        loss_avg = loss_value if math.isnan(loss_avg) else 0.98 * loss_avg + 0.02 * loss_value
        if step % 10 == 0:
            yield Progress(step, None, {"loss": loss_avg, "elapsed_s": time.monotonic() - started})
        if time.monotonic() - last_save >= save_every_s:
            save(step, loss_avg)
            last_save = time.monotonic()
    save(step, loss_avg)
    yield Log(f"saved {out} after {step} fine-tuning steps ({time.monotonic() - started:.0f} s)")
    return {"steps": step, "loss": loss_avg, "wall_time_s": round(time.monotonic() - started, 1)}


class _Mixer:
    """Draws the caption-mix rows of a batch: a partner clip of another style, a weight w ~ U(0, 1), the
    blended picture and the partner's caption ids (half of the mixes use the bare style captions)."""

    def __init__(self, songs: list, vocab: list[str], max_words: int, seed: int) -> None:
        from engines.diffusion.music import NOUNS, STYLES
        from engines.diffusion.train_data import _ids

        self.styles = np.array([STYLES.index(s.style) for s in songs])
        self.by_style = [np.flatnonzero(self.styles == i) for i in range(len(STYLES))]
        bare = [("an " if NOUNS[s][0] in "aeiou" else "a ") + NOUNS[s] for s in STYLES]
        self.bare = _ids(bare, vocab, max_words)  # (styles, L)
        self.rng = np.random.default_rng(seed + 7)

    def draw(self, idx, k, ids, drop, mix_prob: float, images: np.ndarray, ids_all):
        import torch

        from engines.diffusion.music_judge_blend import mix_pictures

        n = len(idx)
        a = idx.numpy()
        mixed = self.rng.random(n) < mix_prob
        sb = (self.styles[a] + self.rng.integers(1, len(self.by_style), n)) % len(self.by_style)
        b = np.array([self.rng.choice(self.by_style[s]) for s in sb])
        w = self.rng.random(n)
        pics = mix_pictures(images[a], images[b], w).astype(np.float32)
        ids_b = ids_all[torch.from_numpy(b), k].clone()
        bare = torch.from_numpy(mixed & (self.rng.random(n) < 0.5))
        ids = torch.where(bare[:, None], torch.from_numpy(self.bare[self.styles[a]]).to(ids.dtype), ids)
        ids_b = torch.where(bare[:, None], torch.from_numpy(self.bare[sb]).to(ids_b.dtype), ids_b)
        ids = torch.where(drop[:, None], torch.zeros_like(ids), ids)
        ids_b = torch.where(drop[:, None], torch.zeros_like(ids_b), ids_b)
        return torch.from_numpy(mixed), ids, ids_b, w, pics
