"""Train the shipped song vectors: item2vec on the generated listening world, scored on held-out playlists.

    python tools/train_song_vectors.py [--steps 1500] [--seed 0]

Writes ``assets/embeddings/songs-item2vec.safetensors`` (tensor ``vectors`` (songs, 32) float16, song titles as
the vocabulary, genres and eras in the metadata) and records it in ``assets/manifest.json`` with the held-out
hit-rate@10 and recall@10 of the learned vectors, of "most played" and of random picks. The Songs page opens on
these vectors; its Train button learns them again, live.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engines.core.assets import record_asset  # noqa: E402
from engines.core.paths import assets_dir  # noqa: E402
from engines.embeddings.item2vec import SONG_VECTORS_ASSET  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import torch

    from engines.core.jobs import run_job
    from engines.embeddings.item2vec import Item2VecConfig, train_and_evaluate
    from engines.embeddings.listening_world import generate_world
    from engines.embeddings.loaders import save_safetensors
    from engines.embeddings.vectors import WordVectors

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    world = generate_world(args.seed)
    model = run_job(train_and_evaluate(world, Item2VecConfig(steps=args.steps, seed=args.seed)))
    store = WordVectors([t.title for t in world.tracks], model.vectors, name=f"item2vec on {world.name}")
    meta = {"genres": json.dumps([t.genre for t in world.tracks]), "eras": json.dumps([t.era for t in world.tracks]),
            "world_seed": str(args.seed), "steps": str(args.steps)}
    save_safetensors(store, assets_dir() / SONG_VECTORS_ASSET, dtype="float16", extra_metadata=meta)
    metrics = {name: {k: round(v, 4) for k, v in m.items()} for name, m in model.metrics.items()}
    metrics["final_loss"] = round(model.losses[-1][1], 4)
    record_asset(SONG_VECTORS_ASSET, made_by="python tools/train_song_vectors.py"
                 + ("" if (args.steps, args.seed) == (1500, 0) else f" --steps {args.steps} --seed {args.seed}"),
                 wall_time_s=round(time.perf_counter() - start, 1), metrics=metrics, licence="MIT (this project)",
                 provenance=f"{world.name} from engines.embeddings.listening_world ({len(world.tracks)} songs, "
                            f"{len(world.playlists)} playlists of {world.listeners} listeners); item2vec trained on "
                            "90% of the playlists, scored on the other 10% (a fifth of each hidden)",
                 notes="vocabulary = song titles; genres and eras as JSON lists in the metadata")
    print(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
