"""The song verb of ``python -m engines.embeddings``: recommend from the talk's 3-genre toy table.

    python -m engines.embeddings recommend --songs "Here Comes the Sun" "Für Elise" --top 3
    python -m engines.embeddings recommend --list                  # the table
    python -m engines.embeddings recommend --learned --songs "Gold Home" --top 5   # learned from playlists
    python -m engines.embeddings playlists-eval                    # hit-rate@10: learned vs popularity vs random
    python -m engines.embeddings train-songs --playlists my.csv --out my-songs   # your playlist_id,track CSV
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _recommend_learned(args) -> int:
    from engines.core.jobs import run_job
    from engines.embeddings.item2vec import load_shipped_songs, nearest_liked, recommend_songs, similar_listeners

    model = run_job(load_shipped_songs())
    titles = [t.title for t in model.world.tracks]
    if args.list or not args.songs:
        print(json.dumps({"songs": titles}, ensure_ascii=False) if args.json else "\n".join(titles))
        return 0
    liked = []
    for wanted in args.songs:
        hits = [i for i, t in enumerate(titles) if wanted.lower() == t.lower()] or \
               [i for i, t in enumerate(titles) if wanted.lower() in t.lower()]
        if len(hits) != 1:
            hint = "; ".join(titles[i] for i in hits[:4]) if hits else "see --learned --list"
            raise KeyError(f"{wanted!r} matches {len(hits)} songs ({hint})")
        liked.append(hits[0])
    recs = recommend_songs(model.vectors, liked, top=args.top)
    report = {"liked": [titles[i] for i in liked],
              "recommendations": [{"title": titles[s], "cosine": round(c, 4),
                                   "because": titles[nearest_liked(model.vectors, liked, s)[0]]} for s, c in recs],
              "similar_listeners": [{"listener": n + 1, "cosine": round(c, 4), "genres": g}
                                    for n, c, g in similar_listeners(model, liked, top=3)]}
    lines = ["liking " + "; ".join(report["liked"]) + " (item2vec, shipped vectors):"]
    lines += [f"{i}. {r['title']:<42} {r['cosine']:.2f}  ← {r['because']}"
              for i, r in enumerate(report["recommendations"], 1)]
    print(json.dumps(report, ensure_ascii=False) if args.json else "\n".join(lines))
    return 0


def _recommend(args) -> int:
    from engines.embeddings.songs import GENRES, TOY_SONGS, recommend, taste_vector

    if args.learned:
        return _recommend_learned(args)
    if args.list or not args.songs:
        rows = [{"title": s.title, "artist": s.artist, **dict(zip(GENRES, s.scores))} for s in TOY_SONGS]
        lines = [f"{'song':<30}{'artist':<24}" + "".join(f"{g:>10}" for g in GENRES)]
        lines += [f"{s.title:<30}{s.artist:<24}" + "".join(f"{v:10.1f}" for v in s.scores) for s in TOY_SONGS]
        print(json.dumps({"songs": rows}, ensure_ascii=False) if args.json else "\n".join(lines))
        return 0
    taste = taste_vector(TOY_SONGS, args.songs)
    recs = recommend(TOY_SONGS, args.songs, top=args.top)
    report = {"liked": args.songs, "taste": dict(zip(GENRES, (round(float(v), 4) for v in taste))),
              "recommendations": [{"title": r.title, "distance": round(r.distance, 4), "because": r.because}
                                  for r in recs]}
    lines = ["your taste (average): " + ", ".join(f"{g} {v:.2f}" for g, v in zip(GENRES, taste))]
    lines += [f"{i}. {r.title:<30} {r.distance:.2f} away  (nearest of yours: {r.because})"
              for i, r in enumerate(recs, 1)]
    print(json.dumps(report, ensure_ascii=False) if args.json else "\n".join(lines))
    return 0


def _train_songs(args) -> int:
    import torch

    from engines.core.cli_progress import run_with_progress
    from engines.core.jobs import CancelToken
    from engines.embeddings.item2vec import Item2VecConfig, recommend_songs, train_and_evaluate
    from engines.embeddings.listening_world import generate_world, read_playlists_csv

    torch.set_num_threads(args.threads)
    world = read_playlists_csv(args.playlists) if args.playlists else generate_world(args.seed)
    for note in world.notes:
        print(f"skipped {note}", file=sys.stderr)
    cancel = CancelToken()
    model = run_with_progress(train_and_evaluate(world, Item2VecConfig(steps=args.steps, seed=args.seed), cancel),
                              cancel, quiet=args.json)
    report = {"world": world.name, "songs": len(world.tracks), "playlists": len(world.playlists),
              "steps": args.steps, "seconds": round(model.seconds, 2), "skipped_rows": world.notes,
              "final_loss": round(model.losses[-1][1], 4) if model.losses else None, "held_out": model.metrics}
    lines = [f"{world.name}: {len(world.tracks)} songs, {len(world.playlists):,} playlists; "
             f"{args.steps} steps in {model.seconds:.1f} s",
             f"held-out playlists ({model.metrics['learned']['playlists']}), a fifth of each hidden:",
             f"  {'method':<12}{'hit-rate@10':>12}{'recall@10':>11}"]
    lines += [f"  {name:<12}{m['hit_rate@10']:>12.3f}{m['recall@10']:>11.3f}" for name, m in model.metrics.items()]
    if args.command == "train-songs":
        first = world.playlists[0][:3]
        recs = recommend_songs(model.vectors, first, top=5)
        report["example"] = {"liked": [world.tracks[i].title for i in first],
                             "recommended": [{"title": world.tracks[i].title, "cosine": round(c, 4)} for i, c in recs]}
        lines.append("liking " + "; ".join(report["example"]["liked"]) + " →")
        lines += [f"  {world.tracks[i].title}  ({c:.2f})" for i, c in recs]
        if args.out:
            from engines.embeddings.loaders import save_safetensors
            from engines.embeddings.vectors import WordVectors

            store = WordVectors([t.title for t in world.tracks], model.vectors, name=f"item2vec on {world.name}")
            Path(args.out).mkdir(parents=True, exist_ok=True)
            save_safetensors(store, Path(args.out) / "model.safetensors")
            report["out"] = str(Path(args.out) / "model.safetensors")
            lines.append(f"saved song vectors to {report['out']} (try: similar --vectors it 'Song title')")
    print(json.dumps(report, ensure_ascii=False) if args.json else "\n".join(lines))
    return 0


def add_song_commands(sub) -> None:
    """Add ``recommend``, ``playlists-eval`` and ``train-songs`` to an argparse subparsers object."""
    p = sub.add_parser("recommend", help="taste = average of the songs you like; the nearest songs (3-genre toy)")
    p.add_argument("--songs", nargs="+", help="titles you like, as in --list")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--list", action="store_true", help="print the song table")
    p.add_argument("--learned", action="store_true",
                   help="use the shipped item2vec song vectors of the generated world instead of the 3-genre toy")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_recommend)

    for name, text in (("playlists-eval", "hit-rate@10 on held-out playlists: item2vec vs popularity vs random"),
                       ("train-songs", "learn song vectors from playlists (item2vec); --playlists for your CSV")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--playlists", help="CSV of playlist_id,track rows (default: the generated listening world)")
        p.add_argument("--steps", type=int, default=1500)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, default=1)
        if name == "train-songs":
            p.add_argument("--out", help="folder for the song vectors (model.safetensors)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.set_defaults(func=_train_songs)
