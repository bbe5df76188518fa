"""``python -m engines.core info|verify-assets|demo-job [--json]``."""

from __future__ import annotations

import argparse
import json
import sys

from engines.core.assets import AssetError, AssetRegistry
from engines.core.cli_progress import run_with_progress
from engines.core.device import resolve_backend, resolve_device
from engines.core.jobs import CancelToken, JobCancelled, Progress
from engines.core.system_info import versions


def _info(args: argparse.Namespace) -> int:
    device = resolve_device(args.device)
    backend, note = resolve_backend(args.backend)
    report = {"versions": versions(), "device": device.name, "device_note": device.note,
              "backend": backend, "backend_note": note}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report["versions"].items():
            print(f"{key:14} {value}")
        print(f"{'Device':14} {device.name}{'  (' + device.note + ')' if device.note else ''}")
        print(f"{'Backend':14} {backend}{'  (' + note + ')' if note else ''}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    try:
        report = AssetRegistry().verify_all()
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, status in report.items():
            print(f"ok    {name}" if status == "ok" else f"FAIL  {name}: {status}")
    return 0 if all(v == "ok" for v in report.values()) else 1


def sleepy_count(steps: int, delay_s: float, cancel: CancelToken):
    """A demonstration job: counts to ``steps``, sleeping ``delay_s`` each step."""
    for i in range(steps):
        if cancel.wait(delay_s):
            break
        yield Progress(i + 1, steps, {"squares": float((i + 1) ** 2)})
    cancel.raise_if_cancelled()
    return steps


def _demo(args: argparse.Namespace) -> int:
    cancel = CancelToken()
    try:
        result = run_with_progress(sleepy_count(args.steps, args.delay, cancel), cancel, quiet=args.json)
    except JobCancelled:
        print("cancelled", file=sys.stderr)
        return 130
    print(json.dumps({"counted": result}) if args.json else f"counted to {result}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engines.core", description="AI Lab core checks")
    sub = parser.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("info", help="versions, compute device and backend")
    p.add_argument("--device", default="auto")
    p.add_argument("--backend", default="onnx")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_info)
    p = sub.add_parser("verify-assets", help="check every shipped file against assets/manifest.json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_verify)
    p = sub.add_parser("demo-job", help="run a small counting job with a progress bar")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--delay", type=float, default=0.05)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
