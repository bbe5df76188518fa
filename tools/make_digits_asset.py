"""Build ``assets/neuralnet/digits.safetensors``: the 8×8 UCI handwritten digits plus a fixed split.

Run once (scikit-learn is needed only here, never by the app)::

    pip install scikit-learn
    python tools/make_digits_asset.py

The file holds

* ``images``  uint8 ``(1797, 8, 8)``, grey levels 0..16 (ink = high),
* ``labels``  uint8 ``(1797,)``, the digit 0..9,
* ``is_test`` uint8 ``(1797,)``, 1 for the 360 held-out images (stratified by digit, seed 0).

The split is drawn with NumPy here, not with scikit-learn, so it does not change when
scikit-learn's own shuffling does. The manifest entry is written with ``record_asset``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engines.core.assets import record_asset  # noqa: E402
from engines.core.model_io import save_tensors  # noqa: E402
from engines.core.paths import assets_dir  # noqa: E402

ASSET_NAME = "neuralnet/digits.safetensors"


def stratified_test_mask(labels: np.ndarray, n_test: int, seed: int) -> np.ndarray:
    """``labels (N,)`` → bool mask ``(N,)`` with ``n_test`` True, each class in proportion.

    Per-class test counts use largest-remainder rounding so they add up to exactly ``n_test``.
    """
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_test / labels.shape[0]
    take = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - take), kind="stable")[: n_test - int(take.sum())]:
        take[i] += 1
    rng = np.random.default_rng(seed)
    mask = np.zeros(labels.shape[0], dtype=bool)
    for cls, k in zip(classes, take):
        members = np.flatnonzero(labels == cls)
        mask[rng.permutation(members)[:k]] = True
    return mask


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-test", type=int, default=360)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    import sklearn
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)  # (N, 8, 8) float 0..16 in the source → exact uint8
    if not np.array_equal(images, digits.images):
        raise SystemExit("the digit images are not whole numbers 0..16; refusing to round them")
    labels = digits.target.astype(np.uint8)  # (N,)
    is_test = stratified_test_mask(labels, args.n_test, args.seed)

    out = assets_dir() / ASSET_NAME
    save_tensors(out, {"images": images, "labels": labels, "is_test": is_test.astype(np.uint8)},
                 metadata={"source": "sklearn.datasets.load_digits", "split_seed": str(args.seed)})
    wall = time.perf_counter() - start

    made_by = "python tools/make_digits_asset.py"
    extra = [a for a in (argv if argv is not None else sys.argv[1:])]
    if extra:
        made_by += " " + " ".join(extra)
    version = ".".join(sklearn.__version__.split(".")[:2])
    entry = record_asset(
        ASSET_NAME,
        made_by=made_by,
        wall_time_s=round(wall, 3),
        provenance=("UCI ML hand-written digits (optdigits test set) as shipped in scikit-learn "
                    f"{version}'s sklearn/datasets/data/digits.csv.gz; stratified test split of "
                    f"{args.n_test} drawn with numpy.random.default_rng({args.seed})"),
        licence="CC BY 4.0",
        metrics={"n_images": int(labels.shape[0]), "n_train": int((~is_test).sum()), "n_test": int(is_test.sum())},
    )
    print(f"wrote {out} ({entry['size']} bytes, sha256 {entry['sha256'][:12]}…) in {wall:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
