"""Frames per second while a 3D cloud of GloVe words turns (the "Real word vectors in 3D" page's view).

Builds the page's scene (a GLScatterPlotItem of the N most frequent words, PCA to 3D, plus the labelled
words as GLTextItems), then orbits the camera and repaints as fast as it can for ``--seconds``.

    xvfb-run -a -s "-screen 0 1280x1024x24" env QT_QPA_PLATFORM=xcb python benchmarks/word_cloud_fps.py
    python benchmarks/word_cloud_fps.py --points 10000 50000 --seconds 3 --json

Target: 10,000 points at 60 fps. Under Xvfb OpenGL is software-rendered (llvmpipe), so a real GPU
does better; compare numbers only on the same machine. Results go to ``benchmarks/results/word_cloud_fps.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results" / "word_cloud_fps.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-labels", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import numpy as np
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from engines.embeddings.glove import load_shipped_glove
    from engines.embeddings.projection import pca_projection
    from lab_app.tabs.embeddings.gl_scene import Scene3D, rgba
    from lab_app.tabs.embeddings.word_vectors_text import LABELLED
    from lab_app.widgets.frame_rate import spin_fps

    store = load_shipped_glove()
    runs = []
    for n in args.points:
        scene = Scene3D(distance=3.0)
        scene.view.resize(900, 650)
        scene.view.show()
        for _ in range(10):
            app.processEvents()
        unit = store.unit[:n]
        coords = pca_projection(unit)(unit)
        coords /= np.percentile(np.linalg.norm(coords, axis=1), 98)
        scene.points("cloud", coords, np.tile(np.array(rgba("#5b7db1", 0.35), np.float32), (n, 1)), size=2.5)
        if not args.no_labels:
            words = [w for w in LABELLED if w in store]
            pos = pca_projection(unit)(store.unit[[store.index(w) for w in words]])
            scene.labels("labels", pos / np.percentile(np.linalg.norm(coords, axis=1), 98), words)
        spin_fps(scene.view, 0.5)  # warm up (shader compile, buffer upload)
        fps = spin_fps(scene.view, args.seconds)
        renderer = ""
        try:
            from OpenGL import GL

            scene.view.makeCurrent()
            renderer = GL.glGetString(GL.GL_RENDERER).decode()
        except Exception:  # noqa: BLE001 - the renderer name is a nice-to-have
            pass
        runs.append({"points": n, "labels": 0 if args.no_labels else len(LABELLED), "fps": round(fps, 1),
                     "seconds": args.seconds, "renderer": renderer,
                     "platform": os.environ.get("QT_QPA_PLATFORM", "")})
        scene.view.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n")
    if args.json:
        print(json.dumps(runs))
    else:
        print(f"{'points':>8}{'labels':>8}{'fps':>8}  renderer")
        for r in runs:
            print(f"{r['points']:>8}{r['labels']:>8}{r['fps']:>8.1f}  {r['renderer']} ({r['platform']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
