"""The words of the "Music from noise" page."""

from __future__ import annotations

EXPLAINER = (
    "<p><b>A sound is a picture.</b> A spectrogram shows time from left to right and pitch from bottom "
    "(low notes) to top (high notes); the brighter a spot, the louder that pitch is at that moment. "
    "Here a 2-second clip becomes 64 pitch bands × 64 time slices (one every 32 ms). A drum hit is a "
    "bright vertical stripe, a held note a horizontal line, a chord a stack of lines.</p>"
    "<p><b>So a picture model can make sound.</b> The same kind of network that removes noise from "
    "faces paints this picture out of noise, step by step. It was trained, for 25 minutes on one CPU core, "
    "on 2,000 short clips in four styles (rock, classical, EDM, jazz) that this app composes itself from a seed. The picture "
    "is then turned back into sound: it keeps only how loud each pitch is, not how the waves line up "
    "(their phase), so a method called Griffin-Lim guesses the phase over 100 rounds. That is why even "
    "a real song sounds a little metallic after the round trip: open a WAV to hear what is lost.</p>"
    "<p><b>The caption steers.</b> Its words become numbers the network reads at every step, like a "
    "clue. \u201can edm track at 128 bpm\u201d pulls towards a kick on every beat; \u201ca slow "
    "classical piece\u201d towards held notes and no drums. The mix slider blends the numbers of two "
    "captions, so the picture lands between two styles. A separate judge, trained only on the app's "
    "real clips, says which style it hears.</p>"
)

NO_MODEL = ("The music model is not trained yet (python tools/train_music.py builds it in about half an hour "
            "on a CPU). Opening a WAV works without it.")
START_HINT = "Press Make music: the picture is painted out of noise, then turned into sound (a few seconds)."
