"""The song verb of ``python -m engines.embeddings``: recommend from the talk's 3-genre toy table.

    python -m engines.embeddings recommend --songs "Here Comes the Sun" "Für Elise" --top 3
    python -m engines.embeddings recommend --list                  # the table
"""

from __future__ import annotations

import json


def _recommend(args) -> int:
    from engines.embeddings.songs import GENRES, TOY_SONGS, recommend, taste_vector

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


def add_song_commands(sub) -> None:
    """Add ``recommend`` to an argparse subparsers object."""
    p = sub.add_parser("recommend", help="taste = average of the songs you like; the nearest songs (3-genre toy)")
    p.add_argument("--songs", nargs="+", help="titles you like, as in --list")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--list", action="store_true", help="print the song table")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_recommend)
