"""Quality measured, not eyeballed: small "judge" classifiers score generated samples.

* faces: a CNN with one head per attribute, trained on the generator's own labelled
  images; it scores samples of prompts whose attribute pairs were held out of training
  (per-attribute accuracy), prompts from the training distribution, and prompts that use
  synonyms absent from every training caption ("grinning", "crimson", …).
* digits: a CNN trained on the upsampled real digits; the score is the share of
  "the digit k" samples it reads as k.

Judges are cached as safetensors + JSON (``judge/`` beside a model, or the user folder).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress, run_job
from engines.core.model_io import ModelFileError, load_model, save_model

JUDGE_ARCHITECTURE = "ai-lab-diffusion-judge"


def _heads(kind: str) -> list[int]:
    if kind == "faces":
        from engines.diffusion.faces import ATTRIBUTES

        return [len(v) for v in ATTRIBUTES.values()]
    return [10]


def build_judge(kind: str, in_channels: int | None = None):
    """A small CNN: 32×32 → concatenated logits of every head."""
    from torch import nn

    c = in_channels or (3 if kind == "faces" else 1)
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(1), nn.Linear(64 * 16, 128), nn.ReLU(), nn.Linear(128, sum(_heads(kind))))


def _judge_data(kind: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if kind == "faces":
        from engines.diffusion.faces import generate_faces

        train = generate_faces(n, seed=seed, holdout="any")
        test = generate_faces(max(200, n // 8), seed=seed + 1, holdout="any")
        to_x = lambda fs: fs.images.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0  # noqa: E731
        return to_x(train), train.labels, to_x(test), test.labels
    from engines.diffusion.digits_data import load_captioned_digits

    tr, te = load_captioned_digits("train"), load_captioned_digits("test")
    return tr.images, tr.labels[:, None], te.images, te.labels[:, None]


def predict_labels(judge: Any, kind: str, images: np.ndarray, device: str = "cpu") -> np.ndarray:
    """images (B, C, 32, 32) in −1..1 → predicted value indices (B, heads)."""
    import torch

    judge = judge.to(device).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), 512):
            logits = judge(torch.as_tensor(images[start:start + 512], device=device).float())
            parts = torch.split(logits, _heads(kind), dim=1)
            out.append(torch.stack([p.argmax(1) for p in parts], 1).cpu().numpy())
    return np.concatenate(out)


def train_judge_job(kind: str, n_images: int = 8000, epochs: int = 6, seed: int = 0, device: str = "cpu",
                    cancel: CancelToken | None = None) -> Job[tuple[Any, dict[str, float]]]:
    """Train a judge; returns (module, {"test_accuracy": …}) with accuracy on fresh labelled images."""
    import torch
    from torch.nn import functional as F

    cancel = cancel or CancelToken()
    torch.manual_seed(seed)
    x_tr, y_tr, x_te, y_te = _judge_data(kind, n_images, seed + 500)
    judge = build_judge(kind, x_tr.shape[1]).to(device)
    opt = torch.optim.Adam(judge.parameters(), lr=2e-3)
    xs, ys = torch.as_tensor(x_tr, device=device), torch.as_tensor(y_tr, device=device)
    heads = _heads(kind)
    batch = 128
    steps = epochs * (len(xs) // batch)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    for step in range(steps):
        cancel.raise_if_cancelled()
        idx = torch.randint(0, len(xs), (batch,), generator=gen).to(device)
        x = xs[idx] + 0.08 * torch.randn_like(xs[idx])  # samples are a little noisy: judge them fairly
        logits = torch.split(judge(x), heads, dim=1)
        loss = sum(F.cross_entropy(lg, ys[idx, h]) for h, lg in enumerate(logits))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 20 == 0 or step + 1 == steps:
            yield Progress(step + 1, steps, {"loss": loss.item()})
    pred = predict_labels(judge, kind, x_te, device)
    acc = float((pred == y_te).all(axis=1).mean()) if kind == "digits" else float((pred == y_te).mean())
    metrics: dict[str, Any] = {"test_accuracy": acc}
    if kind == "faces":
        from engines.diffusion.faces import ATTRIBUTE_NAMES

        metrics["per_attribute"] = {name: float((pred[:, i] == y_te[:, i]).mean()) for i, name in enumerate(ATTRIBUTE_NAMES)}
    yield Log(f"{kind} judge: {acc:.1%} on fresh labelled images")
    return judge.cpu().eval(), metrics


def save_judge(folder: str | Path, judge: Any, kind: str, metrics: dict[str, float]) -> Path:
    return save_model(folder, judge.state_dict(), {"kind": kind, "metrics": metrics}, JUDGE_ARCHITECTURE)


def load_judge(folder: str | Path) -> tuple[Any, str, dict[str, float]]:
    import torch

    config, tensors = load_model(folder, JUDGE_ARCHITECTURE)
    kind = config["kind"]
    first = tensors["0.weight"]
    judge = build_judge(kind, int(first.shape[1]))
    judge.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    return judge.eval(), kind, config.get("metrics", {})


def get_judge(kind: str, model_folder: str | Path | None = None, device: str = "cpu",
              cancel: CancelToken | None = None) -> tuple[Any, dict[str, float]]:
    """The judge beside the model, else the user's cached one, else a freshly trained (and cached) one."""
    candidates = []
    if model_folder is not None:
        candidates.append(Path(model_folder) / "judge")
    cache = None
    try:
        from engines.core.paths import user_data_dir

        cache = user_data_dir() / "diffusion" / "judges" / kind
        candidates.append(cache)
    except Exception:  # no platformdirs and no AI_LAB_DATA_DIR: just do not cache
        pass
    for folder in candidates:
        try:
            judge, found_kind, metrics = load_judge(folder)
            if found_kind == kind:
                return judge, metrics
        except ModelFileError:
            continue
    judge, metrics = run_job(train_judge_job(kind, device=device), cancel)
    if cache is not None:
        save_judge(cache, judge, kind, metrics)
    return judge, metrics


def synonym_reading(model: Any, prompt: str, attr: str) -> dict[str, Any] | None:
    """Which of ``attr``'s values the prompt's new word lies nearest to in word-vector space (cosine), or None.

    The word vectors, not the model, decide this: in GloVe 50-d "crimson" lies nearer "purple" than "red", so a
    model that follows its vectors faithfully draws a purple hat."""
    from engines.diffusion import faces
    from engines.diffusion.captions import tokenize

    words = model.prompt_vectors
    if model.config.get("word_source") == "minilm":  # phrases, not words: the nearest training phrase
        found = words.new_words(prompt)
        return {"word": found[0][0], "nearest": found[0][1], "cosine": found[0][2]} if found else None
    candidates = [str(v) for v in faces.ATTRIBUTES[attr] if isinstance(v, str) and v != "none"] or [attr]
    for w in tokenize(prompt):
        if words.table.get(w) is not None:
            continue
        scores = {c: round(cos, 3) for c, cos in words.cosines(w, candidates).items()}
        if scores:
            return {"word": w, "nearest": max(scores, key=scores.get), "cosines": scores}
    return None


def _sample(model: Any, prompts: list[str], seed: int, steps: int, guidance: float, batch: int,
            cancel: CancelToken, sampling: dict | None = None) -> np.ndarray:
    from engines.diffusion.sample import SampleSettings, sample_job

    extra = {}
    if sampling:
        extra = {"spacing": sampling.get("spacing", "auto"), "clip": sampling.get("clip_sample"),
                 "sigma_max": sampling.get("sigma_max"), "clip_sigma": sampling.get("clip_sigma") or 0.0}
    out = []
    for start in range(0, len(prompts), batch):
        chunk = tuple(prompts[start:start + batch])
        settings = SampleSettings(chunk, seed=seed + start, steps=steps, guidance=guidance, **extra)
        out.append(run_job(sample_job(model, settings, cancel), cancel))
    return np.concatenate(out)


def score_prompts(model: Any, judge: Any, prompts, per_prompt: int, seed: int, steps: int, guidance: float,
                  batch: int, cancel: CancelToken, sampling: dict | None = None,
                  device: str = "cpu") -> tuple[dict[str, float], dict[str, Any]]:
    """Faces: for each (prompt, attribute, wanted value) the share of ``per_prompt`` samples the judge reads as
    wanted, and per prompt what was drawn and how the clue read the new word."""
    from engines.diffusion import faces
    from engines.diffusion.synonym_prompts import wanted_values

    names = list(faces.ATTRIBUTE_NAMES)
    scores, details = {}, {}
    for prompt, attr, value in prompts:
        images = _sample(model, [prompt] * per_prompt, seed, steps, guidance, batch, cancel, sampling)
        pred = predict_labels(judge, "faces", images, device)[:, names.index(attr)]
        values = faces.ATTRIBUTES[attr]
        scores[prompt] = float(np.isin(pred, [values.index(v) for v in wanted_values(value)]).mean())
        drawn = {str(v): float((pred == i).mean()) for i, v in enumerate(values) if (pred == i).any()}
        wanted = " or ".join(str(v) for v in wanted_values(value))
        details[prompt] = {"wanted": wanted, "drawn": drawn, "read_as": synonym_reading(model, prompt, attr)}
    return scores, details


def evaluate_job(model: Any, judge: Any | None = None, n_prompts: int = 64, steps: int = 50, guidance: float = 3.0,
                 seed: int = 0, batch: int = 64, device: str = "cpu",
                 cancel: CancelToken | None = None, sampling: dict | None = None,
                 synonyms: bool = True) -> Job[dict[str, Any]]:
    """Score a trained model with its judge; returns a JSON-ready dict of accuracies.

    ``sampling`` (spacing, clip_sample, sigma_max, clip_sigma) overrides the model's recommended sampling;
    ``synonyms=False`` leaves out the held-out synonym prompts (choosing settings must not see them)."""
    from engines.diffusion.sample import model_sampling

    cancel = cancel or CancelToken()
    started = time.monotonic()
    kind = "digits" if model.image_shape[0] == 1 else "faces"
    if judge is None:
        judge, judge_metrics = get_judge(kind, model.folder, device, cancel)
    else:
        judge_metrics = {}
    used = {**model_sampling(getattr(model, "config", None)), **(sampling or {})}
    report: dict[str, Any] = {"model": model.name, "kind": kind, "steps": steps, "guidance": guidance,
                              "sampler": "ddim", "sampling": used, "seed": seed, "judge": judge_metrics}
    yield Progress(0, 3, message="sampling")
    if kind == "digits":
        from engines.diffusion.digits_data import caption_for_digit

        per = max(1, n_prompts // 10)
        labels = np.repeat(np.arange(10), per)
        images = _sample(model, [caption_for_digit(k) for k in labels], seed, steps, guidance, batch, cancel, used)
        pred = predict_labels(judge, kind, images, device)[:, 0]
        report["digit_accuracy"] = float((pred == labels).mean())
        report["per_digit"] = {str(k): float((pred[labels == k] == k).mean()) for k in range(10)}
        report["n_samples"] = int(len(labels))
    else:
        from engines.diffusion import faces

        report["holdout_pairs"] = [[list(a), list(b)] for a, b in faces.HOLDOUT_PAIRS]
        for split, holdout, data_seed in (("heldout", "only", 7001), ("seen", "exclude", 7002)):
            fs = faces.generate_faces(n_prompts, seed=data_seed, holdout=holdout)
            images = _sample(model, list(fs.captions), seed, steps, guidance, batch, cancel, used)
            pred = predict_labels(judge, kind, images, device)
            per_attr = {name: float((pred[:, i] == fs.labels[:, i]).mean())
                        for i, name in enumerate(faces.ATTRIBUTE_NAMES)}
            report[f"{split}_per_attribute"] = per_attr
            report[f"{split}_mean_accuracy"] = float(np.mean(list(per_attr.values())))
            if split == "heldout":
                hits = []
                for n, labels in enumerate(fs.labels):
                    attrs = faces.labels_to_attributes(labels)
                    guess = faces.labels_to_attributes(pred[n])
                    for (a, va), (b, vb) in faces.HOLDOUT_PAIRS:
                        if attrs[a] == va and attrs[b] == vb:
                            hits.append(guess[a] == va and guess[b] == vb)
                report["heldout_pair_accuracy"] = float(np.mean(hits)) if hits else None
            yield Progress(1 if split == "heldout" else 2, 3, message=split)
        if not synonyms:
            report["wall_time_s"] = round(time.monotonic() - started, 1)
            yield Progress(3, 3, message="done")
            return report
        from engines.diffusion.synonym_prompts import SYNONYM_PROMPTS

        syn, details = score_prompts(model, judge, SYNONYM_PROMPTS, max(2, n_prompts // 8), seed, steps, guidance,
                                     batch, cancel, used, device)
        report["synonym_accuracy"] = syn
        report["synonym_mean_accuracy"] = float(np.mean(list(syn.values())))
        report["synonym_details"] = details
        report["word_source"] = model.config.get("word_source")
    report["wall_time_s"] = round(time.monotonic() - started, 1)
    yield Progress(3, 3, message="done")
    return report
