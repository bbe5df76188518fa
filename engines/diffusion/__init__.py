"""Diffusion engine: noise schedules, DDPM/DDIM samplers, a small captioned UNet, data, jobs.

Importing this package is cheap (no torch): heavy modules import torch on first use.

Modules: ``schedule`` (ᾱ and the closed-form forward process), ``schedulers`` (DDPM/DDIM,
classifier-free guidance), ``unet`` and ``captions`` (the networks), ``faces`` and
``digits_data`` (captioned data), ``pipeline`` (a trained model with its torch or ONNX
runner), ``train`` and ``sample`` (jobs), ``attributes`` (quality scores), ``onnx_export``.
"""

MODEL_NAMES = ("faces", "faces-minilm", "digits")
