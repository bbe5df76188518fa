"""Choose each shipped diffusion model's guidance scale on validation seeds, then score it on the test seed.

    python tools/tune_guidance.py --models digits,faces                 # sweep, pick, score, record
    python tools/tune_guidance.py --models digits --grid 1,2,3 --no-record

Classifier-free guidance extrapolates from the "no caption" guess towards the "with caption" guess.
Too little and the caption barely steers; too much and the picture breaks (the digits model, trained
on only 1,437 images, draws garbage at guidance 3 but the right digit at 1-2). The right scale is a
property of the trained model, so it is chosen here on a validation seed (``--val-seed``) and stored in
the model's config.json as ``recommended_guidance``; the final score uses a different seed
(``--seed``, the one ``tools/train_diffusion.py`` used), so the choice is not tuned on the test samples.
The sampling pages and ``python -m engines.diffusion sample|evaluate`` start from that value.
"""

from __future__ import annotations

import argparse
import json
import os
import hashlib
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AI_LAB_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "ai-lab-train-data"))

DEFAULT_GRID = {"digits": (1.0, 1.5, 2.0, 3.0), "faces": (1.5, 2.0, 3.0, 4.0, 5.0)}
# ways to walk the steps (see engines/diffusion/schedulers.py): even in t with x̂₀ clipped (diffusers' way),
# or Karras σ-spacing from σ_max with x̂₀ left unclipped
RECIPES = {
    "trailing": {"spacing": "trailing", "clip_sample": True, "sigma_max": 40.0, "clip_sigma": None},
    "karras40": {"spacing": "karras", "clip_sample": False, "sigma_max": 40.0, "clip_sigma": None},
    "karras80": {"spacing": "karras", "clip_sample": False, "sigma_max": 80.0, "clip_sigma": None},
    # unclipped while noise is over 5× the image, clipped on the last, nearly clean steps (no leftover speckles)
    "karras40c5": {"spacing": "karras", "clip_sample": True, "sigma_max": 40.0, "clip_sigma": 5.0},
}

# the judge scores what is drawn, not leftover speckles: on a tie, prefer clipping the nearly clean steps
TIE_ORDER = ("karras40c5", "trailing", "karras40", "karras80")


def sweep_key(recipe: str, guidance: float) -> str:
    return f"{recipe}@{guidance:g}"


def parse_key(key: str) -> tuple[str, float]:
    recipe, _, g = key.rpartition("@")
    return (recipe or "trailing"), float(g)


def headline(report: dict) -> float:
    """The number the choice maximises: digit accuracy, or held-out mean attribute accuracy for faces."""
    if "digit_accuracy" in report:
        return float(report["digit_accuracy"])
    return float(report["heldout_mean_accuracy"])


def _score_at_3(metrics: dict) -> float | None:
    """The training script's score (it samples at guidance 3), kept for comparison."""
    if float(metrics.get("guidance", 3.0)) != 3.0:
        return None
    return metrics.get("digit_accuracy", metrics.get("heldout_mean_accuracy"))


def choose(sweep: dict[str, float]) -> tuple[str, float]:
    """The best (recipe, guidance) of a sweep; ties go to the smaller guidance, then by :data:`TIE_ORDER`."""
    order = list(TIE_ORDER) + [r for r in RECIPES if r not in TIE_ORDER]
    best = max(sweep, key=lambda k: (sweep[k], -parse_key(k)[1], -order.index(parse_key(k)[0])))
    return parse_key(best)


def weights_id(folder: Path) -> str:
    """A short fingerprint of the network weights, so a sweep of other weights is never reused."""
    digest = hashlib.sha256()
    for name in ("model.onnx", "encoder.onnx"):
        if (folder / name).is_file():
            digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _earlier_sweep(folder: Path, args: argparse.Namespace) -> dict[str, float]:
    """Scores of an earlier run with the same settings on the same weights (older sweeps keyed "g" mean
    the trailing recipe)."""
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    old = cfg.get("guidance_sweep") or {}
    same = (old.get("validation_seed"), old.get("prompts_per_split"), old.get("steps"), old.get("backend", "onnx"),
            old.get("weights")) == (args.val_seed, args.val_n, args.steps, args.backend, weights_id(folder))
    if not same:
        return {}
    return {sweep_key(*parse_key(k)): float(v) for k, v in old.get("scores", {}).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="digits,faces")
    parser.add_argument("--grid", default="", help="guidance values to try (default per model)")
    parser.add_argument("--recipes", default="trailing,karras40,karras40c5",
                        help=f"step recipes to try with every guidance value ({', '.join(RECIPES)})")
    parser.add_argument("--val-seed", type=int, default=100)
    parser.add_argument("--val-n", type=int, default=40, help="prompts per split when choosing")
    parser.add_argument("--seed", type=int, default=0, help="the test seed of the final score")
    parser.add_argument("--n", type=int, default=64, help="prompts per split in the final score")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--backend", default="onnx", choices=("onnx", "torch"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--root", default="", help="assets root (default: the project's assets/)")
    parser.add_argument("--no-record", action="store_true", help="print only; change no file")
    args = parser.parse_args(argv)

    from engines.core.assets import record_asset
    from engines.core.cli_progress import run_with_progress
    from engines.core.device import set_cpu_threads
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.attributes import evaluate_job, get_judge
    from engines.diffusion.pipeline import load_diffusion_model

    set_cpu_threads(args.threads)
    command = "python tools/tune_guidance.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    root = Path(args.root) if args.root else assets_dir()
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        t0 = time.monotonic()
        folder = root / "diffusion" / name
        model = load_diffusion_model(folder, args.backend, "cpu", args.threads)
        kind = "digits" if name == "digits" else "faces"  # faces-minilm: the faces judge
        judge, judge_metrics = get_judge(kind, folder, "cpu")
        grid = [float(g) for g in args.grid.split(",")] if args.grid else list(DEFAULT_GRID[kind])
        recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
        unknown = [r for r in recipes if r not in RECIPES]
        if unknown:
            parser.error(f"unknown recipe(s) {unknown}; choose from {', '.join(RECIPES)}")
        sweep = _earlier_sweep(folder, args)  # scores of an earlier run with the same settings are kept
        for recipe in recipes:
            for g in grid:
                key = sweep_key(recipe, g)
                if key in sweep:
                    continue
                report = run_with_progress(evaluate_job(model, judge=judge, n_prompts=args.val_n, steps=args.steps,
                                                        guidance=g, seed=args.val_seed, batch=args.batch,
                                                        sampling=RECIPES[recipe], synonyms=False), quiet=True)
                sweep[key] = round(headline(report), 4)
                print(f"{name}: {recipe} guidance {g:g} -> validation {sweep[key]:.3f}", flush=True)
        best_recipe, best = choose(sweep)
        # the held-out synonym prompts are scored only here, on the test seed: never used to choose
        final = run_with_progress(evaluate_job(model, judge=judge, n_prompts=args.n, steps=args.steps, guidance=best,
                                               seed=args.seed, batch=args.batch, sampling=RECIPES[best_recipe]),
                                  quiet=True)
        final["judge"] = judge_metrics
        print(f"{name}: chose {best_recipe} at guidance {best:g}; test seed {args.seed}: {headline(final):.3f}",
              flush=True)
        print(json.dumps({k: v for k, v in final.items() if k not in ("model",)}, indent=1, default=str), flush=True)
        if args.no_record:
            continue
        cfg_path = folder / "config.json"
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        cfg["recommended_guidance"] = best
        cfg["recommended_sampling"] = {**RECIPES[best_recipe], "recipe": best_recipe}
        cfg["guidance_sweep"] = {"validation_seed": args.val_seed, "prompts_per_split": args.val_n,
                                 "steps": args.steps, "backend": args.backend, "weights": weights_id(folder),
                                 "recipes": {r: RECIPES[r] for r in sorted({parse_key(k)[0] for k in sweep})},
                                 "scores": dict(sorted(sweep.items()))}
        atomic_write_json(cfg_path, cfg)
        metrics_path = folder / "metrics.json"
        old = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
        keep = {k: old[k] for k in ("train_steps", "final_loss", "train_time_s", "onnx_parity", "device") if k in old}
        metrics = {**keep, **{k: v for k, v in final.items() if k != "model"},
                   "guidance_chosen_on": f"validation seed {args.val_seed}, scored on seed {args.seed}",
                   "guidance_sweep": cfg["guidance_sweep"]["scores"],
                   "scored_at_guidance_3": old.get("scored_at_guidance_3", _score_at_3(old))}
        atomic_write_json(metrics_path, metrics)
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["assets"]
        for file in ("config.json", "metrics.json"):
            entry = manifest.get(f"diffusion/{name}/{file}", {})
            info = {k: v for k, v in entry.items() if k not in ("sha256", "size")}
            info.setdefault("made_by", command)
            info.setdefault("provenance", "see config.json")
            info.setdefault("licence", "MIT (this project)")
            info["notes"] = (entry.get("notes", "") + f"; {best_recipe} steps at guidance {best:g} chosen by {command} "
                             f"({time.monotonic() - t0:.0f} s)").lstrip("; ")
            if file == "metrics.json":
                info["metrics"] = {**entry.get("metrics", {}), "recommended_guidance": best,
                                   "recommended_recipe": best_recipe,
                                   "test_score": round(headline(final), 4)}
            record_asset(f"diffusion/{name}/{file}", root=root, **info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
