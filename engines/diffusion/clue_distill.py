"""Teach the MiniLM clue new words without touching the UNet: distil the caption encoder.

The UNet learned to draw from what the caption transformer makes of the *training* phrases. For a
phrase it never saw ("a ruby beanie") the transformer's output is whatever its weights happen to give,
because training never constrained them in that direction of MiniLM space. Distillation fixes that:

* the **teacher** is the trained caption encoder, frozen, reading the canonical caption
  ("a face, wearing a red hat");
* the **student** starts as a copy and reads a paraphrase of it ("a face, sporting a ruby beanie",
  words from :mod:`engines.diffusion.clue_synonyms`, never the held-out prompts' words);
* the loss is the mean squared difference of their outputs, token by token (the cross-attention
  context the UNet reads, and its first token, the pooled vector). Unchanged phrases are in the mix,
  so canonical captions keep their encoding.

The UNet is frozen and not even run, so this takes minutes on one CPU thread.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress


@dataclass
class DistillConfig:
    steps: int = 3000
    batch_size: int = 128
    lr: float = 3e-4
    weight_decay: float = 0.0
    n_pairs: int = 40000  # training (paraphrase, canonical) captions made up front
    n_val_pairs: int = 2000
    p_phrase: float = 0.7  # chance that a phrase is paraphrased
    p_merge: float = 0.3  # chance that a bare "a face" is merged into one detail
    p_canonical: float = 0.2  # share of captions left entirely canonical (their encoding must not move)
    input_noise: float = 0.0  # std of Gaussian noise added to the student's phrase vectors (smooths the map)
    mix: float = 0.0  # chance that a phrase vector is blended with another paraphrase of the same plain phrase
    contrast: float = 0.0  # weight of the contrastive term (:func:`contrast_loss`) added to the squared difference
    temperature: float = 0.05  # its temperature, in mean squared difference per number
    train: str = "all"  # "all" parameters of the caption encoder, or only its input projection ("proj")
    seed: int = 0
    threads: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_pairs(n: int, seed: int, part: str, cfg: DistillConfig) -> list[tuple[list[str], list[str]]]:
    """``n`` (paraphrased phrases, canonical phrases) from random face captions, details dropped at random
    (0–90 %, so short captions like the ones people type are common); the empty caption is included."""
    from engines.diffusion import faces
    from engines.diffusion.clue_synonyms import paraphrase_caption
    from engines.diffusion.minilm_clue import split_phrases

    rng = np.random.default_rng(seed)
    pairs: list[tuple[list[str], list[str]]] = [([], [])]
    while len(pairs) < n:
        attrs = faces.random_attributes(rng)
        if faces.is_held_out(attrs):  # the held-out combinations stay unseen here too
            continue
        phrases = split_phrases(faces.caption_for(attrs, rng, float(rng.uniform(0.0, 0.9))))
        if rng.random() < cfg.p_canonical:
            pairs.append((phrases, list(phrases)))
        else:
            pairs.append(paraphrase_caption(phrases, rng, part, cfg.p_phrase, cfg.p_merge))
    return pairs


def pair_arrays(pairs: list[tuple[list[str], list[str]]], max_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """→ student vectors, teacher vectors (N, L, 384) and mask (N, L); each distinct phrase read by MiniLM once."""
    from engines.diffusion.minilm_clue import MINILM_DIM, phrase_vectors

    unique = sorted({p for a, c in pairs for p in (*a[:max_words], *c[:max_words])})
    table = dict(zip(unique, phrase_vectors(unique))) if unique else {}
    n = len(pairs)
    student = np.zeros((n, max_words, MINILM_DIM), np.float32)
    teacher = np.zeros_like(student)
    mask = np.zeros((n, max_words), np.float32)
    for i, (a, c) in enumerate(pairs):
        for j, (pa, pc) in enumerate(zip(a[:max_words], c[:max_words])):
            student[i, j], teacher[i, j], mask[i, j] = table[pa], table[pc], 1.0
    return student, teacher, mask


def distill_loss(student: Any, teacher: Any, student_vectors: Any, teacher_vectors: Any, mask: Any,
                 contrast: float = 0.0, temperature: float = 0.05) -> Any:
    """Mean squared difference of the two encoders' tokens over the tokens that exist (start token included),
    plus ``contrast`` × :func:`contrast_loss`."""
    import torch

    tokens, full_mask, _ = student(student_vectors, mask)
    with torch.no_grad():
        target, _, _ = teacher(teacher_vectors, mask)
    per_token = ((tokens - target) ** 2).mean(dim=2)
    loss = (per_token * full_mask).sum() / full_mask.sum()
    if contrast:
        loss = loss + contrast * contrast_loss(tokens, target, full_mask, temperature)
    return loss


def contrast_loss(tokens: Any, target: Any, mask: Any, temperature: float) -> Any:
    """Cross-entropy of picking each student token's own teacher token among all the batch's teacher tokens
    (closeness = −mean squared difference / ``temperature``; copies of the same teacher token are left out).
    The squared difference alone lets "a scarlet hat" sit halfway between red and purple at little cost;
    this term asks it to be nearer red than anything else, which is what the UNet then draws."""
    import torch

    real = mask.reshape(-1) > 0
    s = tokens.reshape(-1, tokens.shape[-1])[real]
    t = target.reshape(-1, target.shape[-1])[real]
    dist = torch.cdist(s, t) ** 2 / s.shape[1]
    same = (torch.cdist(t, t) ** 2 / s.shape[1]) < 1e-8
    same.fill_diagonal_(False)
    logits = (-dist / temperature).masked_fill(same, float("-inf"))
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(s)))


def mix_paraphrases(student: Any, teacher: Any, mask: Any, chance: float, gen: Any) -> Any:
    """Blend each phrase vector, with ``chance``, with the vector of another phrase in the batch that stands for
    the same plain phrase (same teacher vector), by a random share: the student then learns the whole stretch
    between two ways of saying one thing, not only the words themselves."""
    import torch

    flat, dim = student.reshape(-1, student.shape[-1]), student.shape[-1]
    key = teacher.reshape(-1, dim) @ torch.linspace(-1.0, 1.0, dim)  # equal teacher vectors ⇔ equal keys
    real = mask.reshape(-1) > 0
    same = (key[:, None] == key[None, :]) & real[:, None] & real[None, :]
    same |= torch.eye(len(key), dtype=torch.bool)
    partner = torch.multinomial(same.float(), 1, generator=gen)[:, 0]
    share = torch.rand(len(key), 1, generator=gen) * (torch.rand(len(key), 1, generator=gen) < chance)
    return (flat + share * (flat[partner] - flat)).reshape(student.shape)


def distill_job(encoder: Any, train: tuple[np.ndarray, ...], val: tuple[np.ndarray, ...], cfg: DistillConfig,
                cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """Train a copy of ``encoder`` (a caption encoder) on ``train`` arrays (from :func:`pair_arrays`);
    returns {"encoder": the student, "loss_start"/"loss_end" (validation), "history", "wall_time_s"}."""
    import torch

    cancel = cancel or CancelToken()
    started = time.monotonic()
    torch.manual_seed(cfg.seed)
    teacher = copy.deepcopy(encoder).eval().requires_grad_(False)
    student = copy.deepcopy(encoder).train()
    if cfg.train == "proj":
        student.requires_grad_(False)
        student.proj.requires_grad_(True)
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    tr = [torch.from_numpy(a) for a in train]
    va = [torch.from_numpy(a) for a in val]
    gen = torch.Generator().manual_seed(cfg.seed)

    def val_loss() -> float:
        student.eval()
        with torch.no_grad():
            loss = float(distill_loss(student, teacher, *va))
        student.train()
        return loss

    history = [(0, val_loss())]
    yield Log(f"distilling the clue: {len(tr[0])} training captions, validation loss {history[0][1]:.4f}")
    every = max(1, cfg.steps // 20)
    for step in range(1, cfg.steps + 1):
        cancel.raise_if_cancelled()
        idx = torch.randint(0, len(tr[0]), (cfg.batch_size,), generator=gen)
        lr = cfg.lr * 0.5 * (1 + np.cos(np.pi * step / cfg.steps))  # cosine decay to 0
        for group in opt.param_groups:
            group["lr"] = lr
        s_vec, t_vec, mask = (a[idx] for a in tr)
        if cfg.mix:
            s_vec = mix_paraphrases(s_vec, t_vec, mask, cfg.mix, gen)
        if cfg.input_noise:
            s_vec = s_vec + cfg.input_noise * torch.randn(s_vec.shape, generator=gen) * mask[..., None]
        loss = distill_loss(student, teacher, s_vec, t_vec, mask, cfg.contrast, cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % every == 0 or step == cfg.steps:
            history.append((step, val_loss()))
            yield Progress(step, cfg.steps, {"loss": float(loss.detach()), "val_loss": history[-1][1]})
    student.eval()
    return {"encoder": student, "loss_start": history[0][1], "loss_end": history[-1][1],
            "history": history, "wall_time_s": round(time.monotonic() - started, 1)}


def probe_prompts(part: str = "val") -> list[tuple[str, str, object]]:
    """Short prompts in the held-out set's style made only from this module's own words of ``part``:
    (prompt, attribute, wanted value), like :data:`engines.diffusion.synonym_prompts.SYNONYM_PROMPTS`."""
    from engines.diffusion import clue_synonyms as cs

    out: list[tuple[str, str, object]] = []
    for colour in cs.HAT_COLOURS:
        for k, word in enumerate(cs.split(cs.COLOURS[colour], part)[:2]):
            out.append((cs._article(f"a face wearing a {word} {cs.HAT_NOUNS[k + 1]}"), "hat", colour))
    for colour in cs.BACKGROUND_COLOURS:
        for k, word in enumerate(cs.split(cs.COLOURS[colour], part)[:2]):
            text = f"a face on a {word} background" if k == 0 else f"a face in front of a {word} wall"
            out.append((cs._article(text), "background", colour))
    for attr, table, noun in (("hair", cs.HAIR, "hair"), ("eyes", cs.EYES, "eyes"), ("skin", cs.SKIN, "skin")):
        for value, words in table.items():
            out.append((f"a face with {cs.split(words, part)[0]} {noun}", attr, value))
    for value, words in cs.MOUTH.items():
        for word in cs.split(words, part)[:2]:
            out.append((cs._article(f"a {word} face"), "mouth", value))
    for value, words in cs.SHAPE.items():
        out.append((cs._article(f"a {cs.split(words, part)[0]} face"), "face_shape", value))
    out.append((f"a face {cs.split(cs.GLASSES, part)[0]}", "glasses", True))
    out.append((f"a {cs.split(cs.GLASSES_FACE, part)[0]} face", "glasses", True))
    return out


def score_history(before: dict[str, Any], label: str, score: float) -> list[list]:
    """The held-out synonym score after each pass, oldest first: [label, score] pairs from ``before`` (a model's
    metrics; older files without a history give their first, pre-distillation and first-pass scores) and this
    pass's ``score`` under ``label``. The shipped score is added when the history does not end with it."""
    history = [list(x) for x in before.get("synonym_mean_accuracy_history", [])]
    if not history:
        for name, key in (("first score", "synonym_mean_accuracy_first_score"),
                          ("before distillation", "synonym_mean_accuracy_before_distillation")):
            if key in before:
                history.append([name, before[key]])
        first = before.get("clue_distillation_first", {}).get("synonym_mean_accuracy")
        if first is not None:
            history.append(["first distillation pass", first])
    if "synonym_mean_accuracy" in before and (not history or history[-1][1] != before["synonym_mean_accuracy"]):
        history.append(["shipped before this pass", before["synonym_mean_accuracy"]])
    return history + [[label, score]]
