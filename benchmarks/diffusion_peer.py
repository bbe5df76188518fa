"""The peer for benchmarks/diffusion.py: Hugging Face diffusers sampling a UNet of our size the usual way.

``UNet2DConditionModel`` with our channel plan (32, 64, 128; cross-attention at the 8×8 level and in the
middle, one residual block per level, caption tokens of 64 numbers), its ``DDIMScheduler`` (cosine
betas), the same classifier-free guidance (one network call on a batch of 2B per step), 50 steps, PyTorch
on the CPU. A second row narrows the channels (24, 48, 104) so the parameter count matches ours, since
diffusers' blocks (two residual blocks per up level, a feed-forward in every attention block) are larger.
Weights are random: speed does not depend on them. Needs ``pip install diffusers`` (the ``bench`` extra).
"""

from __future__ import annotations

import time

PLANS = {"same channels": (32, 64, 128), "same parameter count": (24, 48, 104)}


def diffusers_unet(channels: tuple[int, int, int], context_dim: int = 64):
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=channels, layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        cross_attention_dim=context_dim, attention_head_dim=channels[2] // 4, norm_num_groups=8).eval()


def time_diffusers(unet, batch: int, steps: int = 50, guidance: float = 3.0, repeats: int = 1, tokens: int = 9) -> float:
    """Best seconds per image for ``steps`` guided DDIM steps at ``batch`` (caption tokens given, not encoded)."""
    import torch
    from diffusers import DDIMScheduler

    scheduler = DDIMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", clip_sample=False,
                              timestep_spacing="trailing")
    gen = torch.Generator().manual_seed(0)
    context = torch.randn(2 * batch, tokens, unet.config.cross_attention_dim, generator=gen)
    best = float("inf")
    for run in range(repeats + 1):  # the first run warms up
        scheduler.set_timesteps(steps if run else 2)
        x = torch.randn(batch, 3, 32, 32, generator=gen)
        t0 = time.perf_counter()
        with torch.inference_mode():
            for t in scheduler.timesteps:
                eps = unet(torch.cat([x, x]), t, encoder_hidden_states=context).sample
                cond, uncond = eps[:batch], eps[batch:]
                x = scheduler.step(uncond + guidance * (cond - uncond), t, x).prev_sample
        if run:
            best = min(best, time.perf_counter() - t0)
    return best / batch


def peer_rows(batches: list[int], steps: int, repeats: int) -> list[dict]:
    """One row per (plan, batch): seconds per image and the parameter count; an error row without diffusers."""
    try:
        import diffusers
    except ImportError:
        return [{"peer": "diffusers", "error": "diffusers is not installed (pip install diffusers)"}]

    rows = []
    for plan, channels in PLANS.items():
        unet = diffusers_unet(channels)
        params = sum(p.numel() for p in unet.parameters())
        for batch in batches:
            s = time_diffusers(unet, batch, steps, repeats if batch == 1 else 1)
            rows.append({"peer": f"diffusers {diffusers.__version__}", "plan": plan, "channels": list(channels),
                         "parameters": params, "backend": "torch", "batch": batch, "s_per_image": round(s, 4)})
    return rows
