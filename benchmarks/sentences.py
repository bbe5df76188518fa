"""How fast the sentence encoder starts and runs: ours (ONNX int8 / fp32) vs sentence-transformers.

* launch-to-first-vector: a fresh Python process imports, loads the model and encodes one sentence;
  measured inside the process from its first line (interpreter start-up itself is the same for both),
  median of ``--runs`` interleaved runs;
* sentences per second at batch 1 and batch 32 over the 200 shipped test sentences, one CPU thread.

    python benchmarks/sentences.py [--runs 3] [--json]

sentence-transformers reads the fp32 folder ``tools/build_sentence_encoder.py`` fills; it and our fp32 rows
are skipped when that is missing (or ``pip install sentence-transformers`` is not done).
Targets (issue #17): ours < 1 s to the first vector and ≥ 5× faster than sentence-transformers.
Results go to ``benchmarks/results/sentences.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.embeddings import minilm  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sentences.json"
PRELUDE = "import time; t0 = time.perf_counter()\n"
FIRST_VECTOR = {
    "ours ONNX int8": "from engines.embeddings.minilm import MiniLMEncoder\n"
                      "v = MiniLMEncoder('int8').encode(['the tiger hunts in this forest'])",
    "ours ONNX fp32": "from engines.embeddings.minilm import MiniLMEncoder\n"
                      "v = MiniLMEncoder('fp32').encode(['the tiger hunts in this forest'])",
    "sentence-transformers": "import torch; torch.set_num_threads(1)\n"
                             "from sentence_transformers import SentenceTransformer\n"
                             "model = SentenceTransformer({folder!r}, device='cpu')\n"
                             "v = model.encode(['the tiger hunts in this forest'])",
}


def first_vector_s(name: str, folder: Path) -> float:
    code = PRELUDE + FIRST_VECTOR[name].format(folder=str(folder)) + "\nprint(time.perf_counter() - t0)"
    env = {**os.environ, "OMP_NUM_THREADS": "1", minilm.FP32_ENV: str(folder), "TQDM_DISABLE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def throughput(encode, sentences: list[str], batch: int) -> float:
    encode(sentences[:batch])  # warm up
    t0 = time.perf_counter()
    for lo in range(0, len(sentences), batch):
        encode(sentences[lo:lo + batch])
    return len(sentences) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import torch

    from engines.embeddings.sentence_eval import varied_sentences

    torch.set_num_threads(1)
    folder = minilm.fp32_folder()
    have_fp32 = minilm.fp32_available("onnx")
    have_st = importlib.util.find_spec("sentence_transformers") is not None and have_fp32
    names = ["ours ONNX int8"] + (["ours ONNX fp32"] if have_fp32 else []) + (["sentence-transformers"] if have_st
                                                                               else [])
    launches: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every contender
        for name in names:
            launches[name].append(first_vector_s(name, folder))
    sentences = varied_sentences(200)
    encoders = {"ours ONNX int8": minilm.MiniLMEncoder("int8").encode}
    if have_fp32:
        encoders["ours ONNX fp32"] = minilm.MiniLMEncoder("fp32").encode
        encoders["ours torch fp32"] = minilm.MiniLMEncoder("fp32", "torch").encode
    if have_st:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(folder), device="cpu")
        encoders["sentence-transformers"] = lambda texts: st.encode(texts, batch_size=32, show_progress_bar=False)
    rows = {}
    for name, encode in encoders.items():
        rows[name] = {"first_vector_s": statistics.median(launches[name]) if name in launches else None,
                      "sentences_per_s_batch1": throughput(encode, sentences, 1),
                      "sentences_per_s_batch32": throughput(encode, sentences, 32)}
    report = {"runs": args.runs, "threads": 1, "sentences": len(sentences), "results": rows}
    if have_st:
        report["first_vector_speedup_int8_vs_st"] = (rows["sentence-transformers"]["first_vector_s"]
                                                     / rows["ours ONNX int8"]["first_vector_s"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1))
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{'encoder':<24}{'first vector':>14}{'sent/s b=1':>12}{'sent/s b=32':>13}")
    for name, r in rows.items():
        first = f"{r['first_vector_s']:.2f} s" if r["first_vector_s"] is not None else "-"
        print(f"{name:<24}{first:>14}{r['sentences_per_s_batch1']:>12.1f}{r['sentences_per_s_batch32']:>13.1f}")
    if have_st:
        print(f"first vector: ours int8 is {report['first_vector_speedup_int8_vs_st']:.1f}× faster "
              "than sentence-transformers (target ≥ 5×, < 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
