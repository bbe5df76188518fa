"""``python -m engines.diffusion branch``: run a caption, then go on from step k with another caption, guidance or
noise, and save the tree of filmstrips as a PNG (what the Remove noise page's Branch button does)."""

from __future__ import annotations

import argparse


def _branch(args: argparse.Namespace, model_name, printer) -> int:
    import numpy as np

    from engines.core.cli_progress import run_with_progress
    from engines.diffusion.branches import BranchTree, tree_image
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.png import write_png
    from engines.diffusion.sample import SampleSettings

    model = load_diffusion_model(model_name(args), args.backend, args.device, args.threads)
    guidance = args.guidance if args.guidance is not None else float(model.config.get("recommended_guidance", 3.0))
    tree = BranchTree()
    tree.trunk(SampleSettings((args.prompt,), seed=args.seed, steps=args.steps, guidance=guidance), model.image_shape)
    run_with_progress(tree.run_job(model, 0), quiet=args.json)
    for at in args.at:
        if not 1 <= at <= args.steps:
            raise SystemExit(f"--at must be a step between 1 and {args.steps}")
        row = tree.branch(0, at - 1, prompt=args.new_prompt, guidance=args.new_guidance, seed=args.new_seed,
                          alphas_cumprod=model.schedule.alphas_cumprod)
        run_with_progress(tree.run_job(model, row.id), quiet=args.json)
    image, _cells = tree_image(tree)
    big = np.repeat(np.repeat(image, args.scale, axis=0), args.scale, axis=1)
    notes = {("trunk" if b.id == 0 else f"branch {b.id}"): b.note for b in tree.branches}
    write_png(args.out, big, {**notes, "prompt": args.prompt, "model": model_name(args),
                              "Software": "AI Lab engines.diffusion"})
    finals = [tree.get(b.id).states[args.steps] for b in tree.branches]
    report = {"out": str(args.out), "rows": notes, "shape": list(big.shape),
              "differs_from_trunk": {k: float(np.abs(f - finals[0]).mean()) for k, f in zip(notes, finals)}}
    lines = [f"saved {args.out} ({big.shape[1]}×{big.shape[0]})"] + [f"{k}: {v}" for k, v in notes.items()]
    printer(args, report, lines)
    return 0


def add_branch_command(sub, common, printer, model_name) -> None:
    p = sub.add_parser("branch", help="sample, then branch from step k with another caption, guidance or noise")
    common(p)
    p.add_argument("--prompt", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--guidance", type=float, default=None, help="default: the model's recommended guidance")
    p.add_argument("--at", type=int, nargs="+", required=True, help="the step(s) (1-based) each branch starts at")
    p.add_argument("--new-prompt", default=None, help="the branches' caption (default: the same)")
    p.add_argument("--new-guidance", type=float, default=None)
    p.add_argument("--new-seed", type=int, default=None, help="swap the remaining noise for this seed's")
    p.add_argument("--scale", type=int, default=4, help="enlarge the PNG by this whole factor")
    p.add_argument("--out", required=True)
    p.set_defaults(func=lambda args: _branch(args, model_name, printer))
