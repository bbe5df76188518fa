"""``ai-lab --smoke-test``: prove that a build (frozen or from source) really works.

It opens the main window, builds every page of every tab, then runs one tiny real
inference per tab on a shipped asset:

* LLM: next-token probabilities from ``story-gpt`` through ONNX Runtime;
* Embeddings: the GloVe analogy king − man + woman (→ queen) and a nearest-neighbour query; the shipped
  int8 MiniLM puts "lion …" nearer "tiger …" than "new york";
* Neural net: a small NumPy network trained for a few epochs on the playground data, then a forward pass;
* Diffusion: a few denoising steps of the shipped ``faces`` model through ONNX Runtime.
* Diffusion music: 4 steps of the shipped ``music`` model through ONNX Runtime, then the picture becomes
  2 seconds of sound (Griffin-Lim, NumPy).

Checks that need PyTorch (the full build) run only when torch is importable; in the lite
build they print a ``skip`` line instead. One line per check (``ok  …`` / ``FAIL …`` /
``skip …``); the exit code is 0 only if no check failed.

``AI_LAB_SMOKE_NO_TORCH=1`` hides torch from the process, to try the lite behaviour from source.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

TORCH_MODULES = ("torch", "functorch", "torchvision")

# The checks every build prints (tests look for these names).
CHECK_NAMES = (
    "window",
    "tab llm",
    "tab embeddings",
    "tab neuralnet",
    "tab diffusion",
    "llm next-token",
    "embeddings analogy",
    "embeddings sentence",
    "neuralnet classifier",
    "diffusion denoise",
    "diffusion music",
    "llm torch parity",
    "neuralnet digits training",
    "page errors",
)
TORCH_CHECKS = ("llm torch parity", "neuralnet digits training")


class _Results:
    def __init__(self, out) -> None:
        self.out = out
        self.failed = 0
        self.passed = 0
        self.skipped = 0

    def line(self, status: str, name: str, detail: str) -> None:
        print(f"{status:<4} {name}: {detail}", file=self.out, flush=True)

    def check(self, name: str, fn: Callable[[], str]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a FAIL line, never a crash
            self.failed += 1
            self.line("FAIL", name, f"{type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
            return
        self.passed += 1
        self.line("ok", name, f"{detail} ({time.perf_counter() - t0:.2f} s)")

    def skip(self, name: str, why: str) -> None:
        self.skipped += 1
        self.line("skip", name, why)


def _hide_torch() -> None:
    for name in TORCH_MODULES:
        sys.modules[name] = None  # type: ignore[assignment]  # import fails, find_spec → None


def torch_available() -> bool:
    from engines.core.device import torch_available as available

    try:
        return available()
    except (ImportError, ValueError):
        return False


# --- the inference checks --------------------------------------------------------------------

def check_llm() -> str:
    import numpy as np

    from engines.llm.model_store import open_model

    runner, tokenizer, _ = open_model("story-gpt", backend="onnx", threads=1)
    ids = tokenizer.encode("the dog ran to")
    if not ids:
        raise AssertionError("the tokenizer returned no ids")
    logits = runner.forward(ids, with_attention=False)[0]
    last = np.asarray(logits, dtype=np.float64)[0, -1]
    probs = np.exp(last - last.max())
    probs /= probs.sum()
    if not np.isfinite(probs).all() or abs(probs.sum() - 1) > 1e-6:
        raise AssertionError("next-token probabilities are not a distribution")
    top = int(probs.argmax())
    return f"{tokenizer.decode([top])!r} {probs[top]:.2f} (story-gpt, onnx, {len(ids)} tokens in)"


def check_embeddings() -> str:
    from engines.embeddings.glove import load_shipped_glove

    vectors = load_shipped_glove()
    result = vectors.analogy("king", "man", "woman", topn=5, expected="queen")
    if result.top != "queen":
        raise AssertionError(f"king - man + woman gave {result.top!r}, not 'queen'")
    near = [w for w, _ in vectors.most_similar(["frog"], topn=3)]
    return f"king - man + woman = queen ({result.answers[0][1]:.2f}); near frog: {', '.join(near)} " \
           f"({len(vectors)} words)"


def check_sentence() -> str:
    from engines.embeddings.minilm import load_minilm
    from engines.embeddings.sentences import similarity_matrix

    talk = ["lion is the king of the jungle", "the tiger hunts in this forest", "everybody loves new york"]
    sim = similarity_matrix(load_minilm("int8").encode(talk))
    if not (sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[1, 2]):
        raise AssertionError(f"lion~tiger {sim[0, 1]:.2f} is not above lion~new york {sim[0, 2]:.2f}")
    return f"lion~tiger {sim[0, 1]:.2f} > lion~new york {sim[0, 2]:.2f} (MiniLM int8, onnx)"


def check_classifier() -> str:
    import numpy as np

    from engines.neuralnet.playground import Playground, PlaygroundConfig

    pg = Playground(PlaygroundConfig(dataset="gauss", n_points=200, hidden_layers=(4,), epochs=None, seed=0))
    pg.step(20)
    probs = pg.predict(np.array([[-3.0, -3.0], [3.0, 3.0]]))
    accuracy = pg.accuracy("test")
    if accuracy is None or accuracy < 0.8:
        raise AssertionError(f"test accuracy {accuracy} after 20 epochs")
    return f"playground MLP 2-4-1, 20 epochs: test accuracy {accuracy:.2f}, " \
           f"outputs {np.round(np.ravel(probs), 2).tolist()}"


def check_diffusion() -> str:
    import numpy as np

    from engines.core.jobs import collect
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.sample import SampleSettings, sample_job

    model = load_diffusion_model("faces", backend="onnx", threads=1)
    settings = SampleSettings(prompts=("a smiling face",), seed=0, steps=4, guidance=3.0)
    _, images = collect(sample_job(model, settings))
    if not np.isfinite(images).all():
        raise AssertionError("the denoised image has NaN/inf")
    spread = float(images.std())
    if spread < 0.05:
        raise AssertionError(f"the denoised image is flat (std {spread:.3f})")
    shape = "x".join(str(s) for s in images.shape)
    return f"4 DDIM steps of faces (onnx) -> {shape}, std {spread:.2f}"


def check_music() -> str:
    import numpy as np

    from engines.core.jobs import collect
    from engines.diffusion.music_model import generate_job, load_music_model

    model = load_music_model(backend="onnx", threads=1)
    _, clip = collect(generate_job(model, "an edm track at 128 bpm", seed=0, steps=4, iterations=10))
    if clip.audio.shape != (32256,) or not np.isfinite(clip.audio).all():
        raise AssertionError(f"the clip has shape {clip.audio.shape} or NaN/inf samples")
    return f"4 steps of music (onnx) -> {len(clip.audio) / clip.sample_rate:.2f} s of sound"


def check_llm_torch() -> str:
    import numpy as np

    from engines.llm.model_store import open_model

    onnx_runner, tokenizer, _ = open_model("story-gpt", backend="onnx", threads=1)
    torch_runner, _, _ = open_model("story-gpt", backend="torch", threads=1)
    ids = tokenizer.encode("the dog ran to")
    a = np.asarray(onnx_runner.forward(ids, with_attention=False)[0])
    b = torch_runner.forward(ids, with_attention=False)[0]
    b = b.detach().cpu().numpy() if hasattr(b, "detach") else np.asarray(b)
    diff = float(np.abs(a - b).max())
    if diff > 1e-3:
        raise AssertionError(f"torch and onnx logits differ by {diff:.2e}")
    return f"story-gpt torch vs onnx max |diff| {diff:.1e}"


def check_digits_training() -> str:
    from engines.core.jobs import collect
    from engines.neuralnet.digits import DigitsConfig, train_digits

    _, result = collect(train_digits(DigitsConfig(model="mlp", hidden=32, epochs=1)))
    accuracy = float(result.test_accuracy)
    if accuracy < 0.5:
        raise AssertionError(f"test accuracy {accuracy:.2f} after 1 epoch")
    return f"MLP 64-32-10 (torch), 1 epoch: test accuracy {accuracy:.2f}"


# --- the run ---------------------------------------------------------------------------------

def run(args=None, out=None) -> int:
    """Build the window and every page, run the checks, quit Qt; 0 if every check passed."""
    out = out or sys.stdout
    if os.environ.get("AI_LAB_SMOKE_NO_TORCH") == "1":
        _hide_torch()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    t_start = time.perf_counter()

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from lab_app import APP_ID, APP_NAME, __version__
    from lab_app.context import AppContext
    from lab_app.errors import ErrorReporter, setup_logging
    from lab_app.main_window import MainWindow
    from lab_app.settings import SettingsStore
    from lab_app.tabs import TABS

    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)

    has_torch = torch_available()
    frozen = bool(getattr(sys, "frozen", False))
    results = _Results(out)
    print(f"AI Lab {__version__} smoke test: {'frozen bundle' if frozen else 'source'}, "
          f"{'full (torch + onnxruntime)' if has_torch else 'lite (onnxruntime only)'}, "
          f"Qt platform {app.platformName()}", file=out, flush=True)

    setup_logging()
    scratch = tempfile.TemporaryDirectory(prefix="ai-lab-smoke-")
    settings_path = getattr(args, "settings", None) or Path(scratch.name) / "settings.ini"
    settings = SettingsStore(settings_path)
    settings.load()
    errors = ErrorReporter()
    errors.install()
    reported: list[tuple[str, str]] = []
    errors.reported.connect(lambda title, message: reported.append((title, message)))
    ctx = AppContext(settings, errors)

    window = None

    def pump(seconds: float = 0.0) -> None:
        end = time.monotonic() + seconds
        app.processEvents()
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def build_window() -> str:
        nonlocal window
        window = MainWindow(ctx, persist=False)
        window.show()
        pump(0.1)
        return f"{len(window.lab_tabs)} tabs"

    results.check("window", build_window)
    if window is not None:
        for spec, tab in zip(TABS, window.lab_tabs):
            def build_tab(spec=spec, tab=tab) -> str:
                before = len(reported)
                for i in range(len(spec.pages)):
                    window.select(spec.key, i, build_now=True)
                    pump(0.02)
                missing = [p.spec.key for p in tab.pages if p.page is None]
                if missing:
                    raise AssertionError(f"pages not built: {', '.join(missing)}")
                if len(reported) > before:
                    raise AssertionError("; ".join(f"{t}: {m}" for t, m in reported[before:]))
                return f"{len(spec.pages)} pages built"

            results.check(f"tab {spec.key}", build_tab)

    results.check("llm next-token", check_llm)
    results.check("embeddings analogy", check_embeddings)
    results.check("embeddings sentence", check_sentence)
    results.check("neuralnet classifier", check_classifier)
    results.check("diffusion denoise", check_diffusion)
    results.check("diffusion music", check_music)
    if has_torch:
        results.check("llm torch parity", check_llm_torch)
        results.check("neuralnet digits training", check_digits_training)
    else:
        why = "needs PyTorch; this is the lite build (onnxruntime only) - the full build trains models"
        for name in TORCH_CHECKS:
            results.skip(name, why)

    # Jobs that pages started on their own (loading models, first previews) report failures late.
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline and any(r.is_running() for r in ctx.runners):
        pump(0.05)
    pump(0.2)

    def no_page_errors() -> str:
        if reported:
            raise AssertionError("; ".join(f"{t}: {m}" for t, m in reported))
        return f"no errors reported by {sum(len(t.pages) for t in TABS)} pages and their jobs"

    results.check("page errors", no_page_errors)

    if window is not None:
        window.close()
    clean = ctx.shutdown_jobs(15000)
    if not clean:
        results.line("FAIL", "shutdown", "a job did not stop within 15 s")
        results.failed += 1
    app.processEvents()
    status = "PASS" if results.failed == 0 else "FAIL"
    print(f"smoke test {status}: {results.passed} ok, {results.failed} failed, {results.skipped} skipped "
          f"in {time.perf_counter() - t_start:.1f} s", file=out, flush=True)
    code = 0 if results.failed == 0 else 1
    if not clean:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    scratch.cleanup()
    return code
