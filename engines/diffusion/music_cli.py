"""The music verbs of ``python -m engines.diffusion``: music, spectrogram, evaluate-music.

    python -m engines.diffusion music --prompt "an edm track at 128 bpm" --seed 3 --steps 50 --out edm.wav --png edm.png
    python -m engines.diffusion music --prompt "an edm track" --mix-with "a classical piece" --mix 0.5 --out mix.wav
    python -m engines.diffusion spectrogram --wav song.wav --out song.png [--rebuilt song-rebuilt.wav]
    python -m engines.diffusion evaluate-music --n 8 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from engines.core.cli_progress import run_with_progress


def _judge_for(model: Any):
    from engines.diffusion.music_judge import load_judge

    folder = getattr(model, "folder", None)
    if folder is None or not (folder / "judge" / "config.json").is_file():
        return None
    return load_judge(folder / "judge")[0]


def _music(args: argparse.Namespace, report_out) -> int:
    from engines.diffusion.audio import picture_rgb, write_wav
    from engines.diffusion.music import STYLES
    from engines.diffusion.music_judge import estimate_bpm, style_probabilities
    from engines.diffusion.music_model import generate_job, load_music_model
    from engines.diffusion.png import write_png

    model = load_music_model(args.model, args.backend, args.device, args.threads)
    guidance = args.guidance if args.guidance is not None else float(model.config.get("recommended_guidance", 3.0))
    mix = (args.mix_with, args.mix) if args.mix_with else None
    result = run_with_progress(generate_job(model, args.prompt, args.seed, args.steps, guidance, mix,
                                            args.iterations), quiet=args.json)
    write_wav(args.out, result.audio, result.sample_rate)
    meta = {"prompt": args.prompt, "seed": str(args.seed), "steps": str(args.steps), "guidance": f"{guidance:g}",
            "mix": f"{args.mix_with} @ {args.mix:g}" if mix else "none", "Software": "AI Lab engines.diffusion"}
    if args.png:
        write_png(args.png, picture_rgb(result.picture, args.scale), meta)
    report = {**meta, "out": str(args.out), "png": args.png, "seconds_of_audio": round(len(result.audio) / result.sample_rate, 3),
              "sample_rate": result.sample_rate, "wall_s": round(result.seconds, 3),
              "real_time_factor": round(len(result.audio) / result.sample_rate / max(result.seconds, 1e-9), 3),
              "detected_bpm": estimate_bpm(result.picture)}
    judge = _judge_for(model)
    if judge is not None:
        probs = style_probabilities(judge, result.picture[None])[0]
        report["judge"] = {s: round(float(p), 4) for s, p in zip(STYLES, probs)}
    lines = [f"wrote {args.out} ({report['seconds_of_audio']} s at {result.sample_rate} Hz) in {result.seconds:.1f} s"
             + (f" and {args.png}" if args.png else ""), f"tempo heard: {report['detected_bpm']:.0f} bpm"]
    if "judge" in report:
        lines.append("judge: " + ", ".join(f"{s} {p:.0%}" for s, p in report["judge"].items()))
    report_out(args, report, lines)
    return 0


def _spectrogram(args: argparse.Namespace, report_out) -> int:
    from engines.diffusion.audio import SAMPLE_RATE, picture_rgb, read_wav, rebuild, spectral_convergence, whole_picture, write_wav
    from engines.diffusion.png import write_png

    samples, info = read_wav(args.wav)
    samples = samples[: int(args.max_seconds * SAMPLE_RATE)]
    picture = whole_picture(samples)
    write_png(args.out, picture_rgb(picture, args.scale), {"source": str(args.wav), "Software": "AI Lab engines.diffusion"})
    report = {"wav": str(args.wav), "out": str(args.out), "file_sample_rate": info.sample_rate,
              "channels": info.channels, "seconds": round(info.seconds, 3), "model_rate": SAMPLE_RATE,
              "bands": int(picture.shape[0]), "frames": int(picture.shape[1])}
    lines = [f"wrote {args.out}: {picture.shape[0]} bands × {picture.shape[1]} frames "
             f"({info.seconds:.2f} s, {info.sample_rate} Hz, {info.channels} channel(s))"]
    if args.rebuilt:
        rebuilt = rebuild(samples, args.iterations)
        write_wav(args.rebuilt, rebuilt)
        report["rebuilt"] = str(args.rebuilt)
        report["spectral_convergence"] = round(spectral_convergence(samples, rebuilt), 4)
        lines.append(f"rebuilt from the picture alone: {args.rebuilt} (spectral convergence "
                     f"{report['spectral_convergence']:.3f}; 0 = identical)")
    report_out(args, report, lines)
    return 0


def _evaluate_music(args: argparse.Namespace, report_out) -> int:
    from engines.diffusion.music_eval import evaluate_job
    from engines.diffusion.music_model import load_music_model

    from engines.diffusion.music_judge import load_judge

    model = load_music_model(args.model, args.backend, args.device, args.threads)
    judge = load_judge(args.judge)[0] if args.judge else _judge_for(model)
    if judge is None:
        raise ValueError("this model folder has no judge/ (tools/train_music_judge.py writes one)")
    guidance = args.guidance if args.guidance is not None else float(model.config.get("recommended_guidance", 3.0))
    report = run_with_progress(evaluate_job(model, judge, n_per_style=args.n, n_mix=args.n, steps=args.steps,
                                            guidance=guidance, seed=args.seed, batch=args.batch), quiet=args.json)
    lines = [f"{k}: {v}" for k, v in report.items() if not isinstance(v, (dict, list))]
    for pair, entry in report["mixes"].items():
        lines.append(f"mix {pair}: {entry['embedding_half_way']}")
    report_out(args, report, lines)
    return 0


def add_commands(sub: Any, common, report_out) -> None:
    """Register the music verbs on ``sub`` (the engine CLI's subparsers)."""

    def model_args(p: argparse.ArgumentParser) -> None:
        common(p, model=False)
        p.add_argument("--model", default="music", help="music (the shipped model) or a model folder")
        p.add_argument("--backend", choices=("torch", "onnx"), default="onnx")

    p = sub.add_parser("music", help="make a 2-second clip from a caption (a spectrogram painted by diffusion)")
    model_args(p)
    p.add_argument("--prompt", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=None, help="default: the model's recommended_guidance, else 3")
    p.add_argument("--mix-with", default="", help="a second prompt: walk the caption numbers towards it")
    p.add_argument("--mix", type=float, default=0.5, help="0 = only --prompt … 1 = only --mix-with")
    p.add_argument("--iterations", type=int, default=100, help="Griffin-Lim iterations (phase rebuilding)")
    p.add_argument("--out", required=True, help="the WAV file to write")
    p.add_argument("--png", default="", help="also save the spectrogram picture")
    p.add_argument("--scale", type=int, default=4, help="enlarge the PNG by this whole factor")
    p.set_defaults(func=lambda a: _music(a, report_out))

    p = sub.add_parser("spectrogram", help="draw a WAV file's spectrogram (the picture the music model paints)")
    common(p, model=False)
    p.add_argument("--wav", required=True)
    p.add_argument("--out", required=True, help="the PNG file to write")
    p.add_argument("--rebuilt", default="", help="also write the sound rebuilt from the picture alone")
    p.add_argument("--iterations", type=int, default=100)
    p.add_argument("--max-seconds", type=float, default=30.0)
    p.add_argument("--scale", type=int, default=4)
    p.set_defaults(func=lambda a: _spectrogram(a, report_out))

    p = sub.add_parser("evaluate-music", help="score the music model with its style judge and tempo detector")
    model_args(p)
    p.add_argument("--n", type=int, default=8, help="held-out prompts per style and per mix")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--judge", default="", help="a judge folder (default: the model folder's judge/)")
    p.set_defaults(func=lambda a: _evaluate_music(a, report_out))
