"""Cold-start benchmark: seconds from launching a fresh process to its first painted window.

Compares ``python -m lab_app --exit-after-paint`` with ``benchmarks/bare_window.py`` (a bare
PySide6 window) on the same machine in the same run, interleaving them (bare, app, bare, app…).
Each run gets a fresh temporary settings file and ``AI_LAB_DATA_DIR``. The time of a run is
the child's printed ``AI_LAB_FIRST_PAINT`` timestamp minus ``time.time()`` just before launch.
Targets: app/bare ratio of medians <= 1.5 and app median < 1.5 s.

Run::

    python benchmarks/startup.py [--runs 5] [--warmup 1] [--json]
    xvfb-run -a -s "-screen 0 1280x1024x24" env QT_QPA_PLATFORM=xcb python benchmarks/startup.py

The platform is inherited from ``QT_QPA_PLATFORM``; without it and without ``DISPLAY``,
``offscreen`` is used. Results also go to ``benchmarks/results/startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "startup.json"
MARKER = "AI_LAB_FIRST_PAINT"
TARGET_RATIO = 1.5
TARGET_APP_S = 1.5

COMMANDS: dict[str, list[str]] = {
    "app": [sys.executable, "-m", "lab_app", "--exit-after-paint", "--settings", "{settings}"],
    "bare": [sys.executable, str(HERE / "bare_window.py")],
}


class RunFailed(RuntimeError):
    """A child process crashed, timed out or never printed its first-paint line."""


def qt_platform() -> str:
    """The QPA platform both children use: inherited, else ``offscreen`` when there is no display."""
    explicit = os.environ.get("QT_QPA_PLATFORM")
    if explicit:
        return explicit
    return "" if os.environ.get("DISPLAY") else "offscreen"


def run_once(kind: str, platform_name: str, timeout_s: float) -> dict[str, float]:
    """Launch one child; return seconds to first paint (and to ``main()`` for the app)."""
    with tempfile.TemporaryDirectory(prefix="ai-lab-startup-") as tmp:
        env = dict(os.environ, AI_LAB_DATA_DIR=str(Path(tmp) / "data"))
        if platform_name:
            env["QT_QPA_PLATFORM"] = platform_name
        command = [part.format(settings=Path(tmp) / "settings.ini") for part in COMMANDS[kind]]
        launched = time.time()
        try:
            proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            raise RunFailed(f"{kind}: no exit within {timeout_s:.0f} s: {' '.join(command)}\n{stderr}") from exc
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == MARKER:
            sample = {"first_paint_s": float(parts[1]) - launched}
            if len(parts) >= 4 and parts[2] == "main_started":
                sample["main_started_s"] = float(parts[3]) - launched
            if proc.returncode != 0:
                raise RunFailed(f"{kind}: exit code {proc.returncode} after first paint\n{proc.stderr}")
            return sample
    raise RunFailed(f"{kind}: exit code {proc.returncode}, no {MARKER} line\n"
                    f"command: {' '.join(command)}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")


def summarize(samples: list[dict[str, float]]) -> dict[str, Any]:
    times = [s["first_paint_s"] for s in samples]
    summary: dict[str, Any] = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                               "samples_s": times}
    main_started = [s["main_started_s"] for s in samples if "main_started_s" in s]
    if main_started:
        summary["median_main_started_s"] = statistics.median(main_started)
    return summary


def benchmark(runs: int, warmup: int, timeout_s: float, quiet: bool) -> dict[str, Any]:
    platform_name = qt_platform()
    samples: dict[str, list[dict[str, float]]] = {"bare": [], "app": []}
    for index in range(warmup + runs):
        for kind in ("bare", "app"):
            sample = run_once(kind, platform_name, timeout_s)
            counted = index >= warmup
            if counted:
                samples[kind].append(sample)
            if not quiet:
                tag = f"run {index - warmup + 1}/{runs}" if counted else "warm-up"
                print(f"  {tag:>9} {kind:<4} {sample['first_paint_s']:.3f} s", file=sys.stderr, flush=True)
    app, bare = summarize(samples["app"]), summarize(samples["bare"])
    ratio = app["median_s"] / bare["median_s"]
    return {
        "benchmark": "startup",
        "measures": "wall seconds from subprocess launch to first Paint event of the main window",
        "qt_qpa_platform": platform_name or "(Qt default)",
        "display": os.environ.get("DISPLAY", ""),
        "runs": runs,
        "warmup": warmup,
        "python": sys.version.split()[0],
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "app": app,
        "bare": bare,
        "ratio_app_over_bare": ratio,
        "targets": {
            "ratio_max": TARGET_RATIO, "ratio_met": ratio <= TARGET_RATIO,
            "app_median_max_s": TARGET_APP_S, "app_met": app["median_s"] < TARGET_APP_S,
        },
    }


def format_table(result: dict[str, Any]) -> str:
    met = {True: "met", False: "NOT met"}
    targets = result["targets"]
    lines = [
        f"Startup to first paint: median of {result['runs']} runs each, interleaved; "
        f"QT_QPA_PLATFORM={result['qt_qpa_platform']}; {result['machine']}",
        f"{'':<6}{'median s':>10}{'min s':>9}{'max s':>9}",
    ]
    for kind in ("app", "bare"):
        row = result[kind]
        lines.append(f"{kind:<6}{row['median_s']:>10.3f}{row['min_s']:>9.3f}{row['max_s']:>9.3f}")
    lines.append(f"ratio app/bare (medians): {result['ratio_app_over_bare']:.2f}")
    if "median_main_started_s" in result["app"]:
        lines.append(f"(app: interpreter start to main() takes {result['app']['median_main_started_s']:.3f} s"
                     " of that, median)")
    lines.append(f"target ratio <= {TARGET_RATIO}: {met[targets['ratio_met']]}")
    lines.append(f"target app < {TARGET_APP_S} s: {met[targets['app_met']]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs of each first (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per run (default 30)")
    parser.add_argument("--json", action="store_true", help="print the JSON result instead of the table")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    try:
        result = benchmark(args.runs, args.warmup, args.timeout, quiet=args.json)
    except RunFailed as exc:
        print(f"startup benchmark failed: {exc}", file=sys.stderr)
        return 1
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    if not args.json:
        print(f"results written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
