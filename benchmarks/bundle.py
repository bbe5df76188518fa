"""Frozen-app benchmark: PyInstaller bundle sizes and launch-to-first-window, next to ``python -m lab_app``.

Builds the ``full`` and ``lite`` flavours of ``build.spec`` (or reuses existing builds), then measures
each bundle's size (``du``-style: bytes of files, and the ``du -sh`` figure) and the seconds from
launching the process to its first painted window (``--exit-after-paint`` prints
``AI_LAB_FIRST_PAINT <unix time>`` and exits), interleaving source, full and lite runs; median of 5.

    pip install "pyinstaller>=6.10"
    python benchmarks/bundle.py                           # build both into build/bundle-bench/, measure
    python benchmarks/bundle.py --no-build --dist build/bundle-bench/dist   # reuse builds
    python benchmarks/bundle.py --flavours lite --runs 5 --json

The Qt platform is inherited from ``QT_QPA_PLATFORM`` (offscreen without it and without ``DISPLAY``).
Results also go to ``benchmarks/results/bundle.json``.

Measured 2026-11-28 (Debian 12, Python 3.11, 2 shared CPU cores, offscreen, PyInstaller 6.22.3,
PySide6-Essentials 6.11.3, torch 2.13.0+cpu, onnxruntime 1.32.0; assets 76 MB with story-sft/story-dpo)::

    | what                         | size (du) |  size MB | build s | first paint s |   min-max s |
    |------------------------------|-----------|----------|---------|---------------|-------------|
    | source (python -m lab_app)   |         - |        - |       - |         0.225 | 0.21-0.31   |
    | frozen full                  |      990M |   1029.6 |   137.9 |         0.288 | 0.28-0.33   |
    | frozen lite                  |      332M |    345.8 |    41.8 |         0.289 | 0.28-0.34   |

Release archive (``packaging/make_release.sh``, zstd -12): lite 155 MB. Builds were 42-82 s (lite) and
2 min 18 s-3 min 7 s (full) depending on the other load on the machine.

After issue #8 (lite drops torch-only model files, unused Qt plugins/modules and the libraries only they
needed, and stubs ICU's data; see packaging/README.md), lite only, same machine under heavier shared load
(``QT_QPA_PLATFORM=offscreen python benchmarks/bundle.py --flavours lite --no-build --dist …``; build 94-106 s
wall, 36 s CPU)::

    | what                         | size (du) |  size MB | build s | first paint s |   min-max s |
    |------------------------------|-----------|----------|---------|---------------|-------------|
    | source (python -m lab_app)   |         - |        - |       - |         0.421 | 0.36-0.50   |
    | frozen lite                  |      246M |    256.3 |       - |         0.383 | 0.34-0.53   |
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "bundle.json"
MARKER = "AI_LAB_FIRST_PAINT"


def qt_platform() -> str:
    if os.environ.get("QT_QPA_PLATFORM"):
        return os.environ["QT_QPA_PLATFORM"]
    return "xcb" if os.environ.get("DISPLAY") else "offscreen"


def build(flavour: str, dist: Path, work: Path) -> float:
    t0 = time.monotonic()
    env = dict(os.environ, AI_LAB_FLAVOUR=flavour)
    cmd = [sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm",
           "--distpath", str(dist / flavour), "--workpath", str(work / flavour)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-6000:])
        raise SystemExit(f"building the {flavour} bundle failed")
    return time.monotonic() - t0


def folder_size(folder: Path) -> dict[str, Any]:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    du = subprocess.run(["du", "-sh", str(folder)], capture_output=True, text=True, check=False).stdout.split()
    parts = {}
    internal = folder / "_internal"
    for child in internal.iterdir() if internal.is_dir() else ():
        files = [child] if child.is_file() else [p for p in child.rglob("*") if p.is_file()]
        parts[child.name] = sum(p.stat().st_size for p in files)
    top = dict(sorted(parts.items(), key=lambda kv: -kv[1])[:8])
    return {"bytes": total, "mb": round(total / 1e6, 1), "du": du[0] if du else "?",
            "torch_present": (internal / "torch").exists(),
            "largest_mb": {k: round(v / 1e6, 1) for k, v in top.items()}}


def run_once(command: list[str], platform_name: str, timeout_s: float) -> float:
    with tempfile.TemporaryDirectory(prefix="ai-lab-bundle-bench-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM=platform_name, AI_LAB_DATA_DIR=str(Path(tmp) / "data"),
                   AI_LAB_SETTINGS=str(Path(tmp) / "settings.ini"))
        if platform_name == "offscreen":
            env.pop("DISPLAY", None)
        command = [*command, "--exit-after-paint", "--settings", str(Path(tmp) / "settings.ini")]
        t0 = time.time()
        proc = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"{command[0]} printed no {MARKER} (exit {proc.returncode}): {proc.stderr[-800:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavours", nargs="+", choices=("full", "lite"), default=["full", "lite"])
    parser.add_argument("--dist", type=Path, default=REPO / "build" / "bundle-bench" / "dist",
                        help="bundles live in DIST/<flavour>/ai-lab")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "bundle-bench" / "work")
    parser.add_argument("--no-build", action="store_true", help="reuse the bundles already in --dist")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    build_s: dict[str, float | None] = {}
    for flavour in args.flavours:
        exe = args.dist / flavour / "ai-lab" / "ai-lab"
        if args.no_build and exe.is_file():
            build_s[flavour] = None
            continue
        if shutil.which("du") is None:
            raise SystemExit("du not found")
        print(f"building {flavour}…", file=sys.stderr, flush=True)
        build_s[flavour] = round(build(flavour, args.dist, args.work), 1)

    plat = qt_platform()
    commands = {"source (python -m lab_app)": [sys.executable, "-m", "lab_app"]}
    for flavour in args.flavours:
        commands[f"frozen {flavour}"] = [str(args.dist / flavour / "ai-lab" / "ai-lab")]
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(args.warmup + args.runs):
        for label, command in commands.items():  # interleaved, so background load hits all alike
            seconds = run_once(command, plat, args.timeout)
            if i >= args.warmup:
                samples[label].append(seconds)

    rows = []
    for label, values in samples.items():
        flavour = label.split()[-1] if label.startswith("frozen") else None
        rows.append({
            "what": label,
            "size": folder_size(args.dist / flavour / "ai-lab") if flavour else None,
            "build_s": build_s.get(flavour) if flavour else None,
            "first_paint_median_s": round(statistics.median(values), 3),
            "first_paint_min_s": round(min(values), 3),
            "first_paint_max_s": round(max(values), 3),
            "runs": [round(v, 3) for v in values],
        })
    result = {
        "measures": "bundle size on disk; wall seconds from launch to the main window's first Paint event",
        "platform": plat, "machine": platform.platform(), "cpus": os.cpu_count(),
        "python": platform.python_version(), "runs": args.runs, "warmup": args.warmup,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"), "rows": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Qt platform {plat}, {os.cpu_count()} CPUs, median of {args.runs} (after {args.warmup} warm-up)")
    print(f"| {'what':<28} | {'size (du)':>9} | {'size MB':>8} | {'build s':>7} | {'first paint s':>13} | {'min-max s':>11} |")
    print(f"|{'-' * 30}|{'-' * 11}|{'-' * 10}|{'-' * 9}|{'-' * 15}|{'-' * 13}|")
    for r in rows:
        size = r["size"] or {}
        print(f"| {r['what']:<28} | {size.get('du', '-'):>9} | {size.get('mb', '-')!s:>8} | "
              f"{r['build_s'] if r['build_s'] is not None else '-'!s:>7} | {r['first_paint_median_s']:>13.3f} | "
              f"{r['first_paint_min_s']:.2f}-{r['first_paint_max_s']:.2f}{'':>2} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
