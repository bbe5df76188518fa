"""A procedural music world: 2-second clips in four styles, each with a caption.

Every clip is made by this file from a seed (no recordings): the same seed gives the same
samples. Styles, and what makes them recognisable in a spectrogram:

* **rock** — a drum kit (kick, snare on 2 and 4, eighth-note hi-hats), distorted power chords
  (root + fifth + octave through a tanh overdrive), a bass on the root in eighths; 100–150 bpm.
* **classical** — strings (vibrato, slow attack) or a piano (decaying overtones) playing a chord
  progression with a melody; no drums; 60–100 bpm.
* **edm** — four-on-the-floor kick, claps, off-beat open hats, a detuned saw (or pluck) lead in
  sixteenths, off-beat bass and a sidechain "pump" that ducks everything on each kick; 120–132 bpm.
* **jazz** — a swung ride cymbal, a walking bass in quarter notes, piano (or vibraphone) seventh
  chords on swung off-beats; 90–150 bpm.

Variations: tempo, key (any of 12 roots), major/minor mode, instrument. :func:`caption_for` writes
"a fast rock song at 140 bpm in a minor key with a heavy guitar"; details can be left out at random.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from engines.diffusion.audio import CLIP_SAMPLES, SAMPLE_RATE

STYLES = ("rock", "classical", "edm", "jazz")
NOUNS = {"rock": "rock song", "classical": "classical piece", "edm": "edm track", "jazz": "jazz tune"}
TEMPI = {"rock": (100, 150), "classical": (60, 100), "edm": (120, 132), "jazz": (90, 150)}
INSTRUMENTS = {"rock": ("a guitar", "a heavy guitar"), "classical": ("strings", "a piano"),
               "edm": ("a saw lead", "a pluck lead"), "jazz": ("a piano", "a vibraphone")}
MODES = ("major", "minor")
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
# chord progressions: (root in semitones above the key, minor third?) — I V vi IV and i VI III VII
PROGRESSIONS = {"major": ((0, False), (7, False), (9, True), (5, False)),
                "minor": ((0, True), (8, False), (3, False), (10, False))}
SR = SAMPLE_RATE
N = CLIP_SAMPLES


@dataclass(frozen=True)
class Song:
    style: str
    bpm: int
    root: int  # 0 = C … 11 = B
    mode: str
    instrument: str
    seed: int

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm


def tempo_word(bpm: int) -> str:
    return "slow" if bpm < 90 else "fast" if bpm >= 135 else ""


def random_song(seed: int, style: str | None = None) -> Song:
    """A song description from ``seed`` (style chosen by the seed unless given)."""
    rng = np.random.default_rng([seed, 77])
    style = style or STYLES[int(rng.integers(len(STYLES)))]
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    lo, hi = TEMPI[style]
    return Song(style, int(rng.integers(lo, hi + 1)), int(rng.integers(12)), MODES[int(rng.integers(2))],
                INSTRUMENTS[style][int(rng.integers(2))], seed)


def caption_for(song: Song, rng: np.random.Generator | None = None, drop: float = 0.0) -> str:
    """"a slow classical piece at 72 bpm in a minor key with strings"; each detail left out with prob ``drop``."""
    keep = (lambda: True) if rng is None else (lambda: rng.random() >= drop)
    words = [w for w in (tempo_word(song.bpm),) if w and keep()] + [NOUNS[song.style]]
    if keep():
        words.append(f"at {song.bpm} bpm")
    if keep():
        words.append(f"in a {song.mode} key")
    if keep():
        words.append(f"with {song.instrument}")
    text = " ".join(words)
    return ("an " if text[0] in "aeiou" else "a ") + text


def caption_vocabulary() -> list[str]:
    from engines.diffusion.captions import tokenize

    words = {"a", "an", "at", "bpm", "in", "key", "with", "slow", "fast", *MODES}
    digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    for style in STYLES:
        words.update(tokenize(NOUNS[style]))
        for inst in INSTRUMENTS[style]:
            words.update(tokenize(inst))
    return sorted(words) + [d for d in digits if d not in words]


# --- sound sources --------------------------------------------------------------------------------

def hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _t(n: int) -> np.ndarray:
    return np.arange(n) / SR


def saw(f: float, n: int, phase: float = 0.0) -> np.ndarray:
    return 2 * ((f * _t(n) + phase) % 1.0) - 1


def band(x: np.ndarray, lo: float = 0.0, hi: float = SR / 2) -> np.ndarray:
    """Keep lo…hi Hz (FFT mask with soft edges)."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / SR)
    gain = 1 / (1 + (f / max(hi, 1)) ** 4) * (1 if lo <= 0 else (f / lo) ** 4 / (1 + (f / lo) ** 4))
    return np.fft.irfft(spec * gain, n=len(x))


def envelope(n: int, attack: float, decay: float, sustain: float = 0.0) -> np.ndarray:
    t = _t(n)
    env = np.minimum(1.0, t / max(attack, 1e-4))
    return env * (sustain + (1 - sustain) * np.exp(-t / max(decay, 1e-4)))


def place(buf: np.ndarray, start_s: float, sound: np.ndarray, gain: float = 1.0) -> None:
    i = int(round(start_s * SR))
    if i >= len(buf) or i + len(sound) <= 0:
        return
    s = sound[max(0, -i): len(buf) - i]
    buf[max(0, i): max(0, i) + len(s)] += gain * s


def kick(rng: np.random.Generator, length: float = 0.35) -> np.ndarray:
    t = _t(int(length * SR))
    f = 45 + 110 * np.exp(-t / 0.04)
    return np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-t / 0.12) + 0.02 * rng.standard_normal(len(t)) * np.exp(-t / 0.005)


def snare(rng: np.random.Generator, length: float = 0.25) -> np.ndarray:
    t = _t(int(length * SR))
    noise = band(rng.standard_normal(len(t)), 1500, 7000) * np.exp(-t / 0.07)
    return 0.7 * noise + 0.5 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)


def hat(rng: np.random.Generator, decay: float = 0.04) -> np.ndarray:
    t = _t(int(min(0.4, decay * 6) * SR))
    return band(rng.standard_normal(len(t)), 6000) * np.exp(-t / decay)


def ride(rng: np.random.Generator) -> np.ndarray:
    t = _t(int(0.6 * SR))
    tones = sum(np.sin(2 * np.pi * f * t) for f in (3150, 4270, 5340, 6900))
    return (0.3 * tones + band(rng.standard_normal(len(t)), 5000)) * np.exp(-t / 0.3) * 0.5


@functools.lru_cache(maxsize=512)
def piano_note(midi: float, length: float) -> np.ndarray:
    t = _t(int(min(length, N / SR) * SR))
    f = hz(midi)
    out = sum(np.sin(2 * np.pi * k * f * t) * np.exp(-t * (1.5 + k)) / k ** 1.5 for k in range(1, 7) if k * f < SR / 2)
    return out * np.minimum(1, t / 0.004)


@functools.lru_cache(maxsize=512)
def string_note(midi: float, length: float) -> np.ndarray:
    n = int(length * SR)
    t = _t(n)
    vibrato = 1 + 0.004 * np.sin(2 * np.pi * 5.5 * t + midi)
    phase = np.cumsum(hz(midi) * vibrato) / SR
    tone = band(2 * (phase % 1.0) - 1, 0, 2500)
    return tone * envelope(n, 0.15, 0.5, 0.8) * np.minimum(1, (length - t) / 0.08)


@functools.lru_cache(maxsize=512)
def vibes_note(midi: float, length: float) -> np.ndarray:
    t = _t(int(length * SR))
    f = hz(midi)
    return (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(2 * np.pi * 4 * f * t) * np.exp(-t * 8)) * np.exp(-t * 1.6) \
        * (1 + 0.3 * np.sin(2 * np.pi * 6 * t))


def chord_tones(song: Song, beat: float, octave: int = 60) -> tuple[int, list[int]]:
    """The chord sounding at ``beat`` (chords change every 2 beats): (root midi, triad midis)."""
    step, minor = PROGRESSIONS[song.mode][int(beat // 2) % 4]
    root = octave + (song.root + step) % 12
    return root, [root, root + (3 if minor else 4), root + 7]


def render(song: Song) -> np.ndarray:
    """The clip of ``song``: (CLIP_SAMPLES,) float32, RMS levelled, peaks softly limited below 1."""
    from engines.diffusion.music_styles import RENDERERS

    rng = np.random.default_rng([song.seed, 91])
    x = RENDERERS[song.style](song, rng)
    x = x - x.mean()
    x = x / max(float(np.sqrt(np.mean(x ** 2))), 1e-9) * 0.15
    return np.tanh(x * 1.2).astype(np.float32) / 1.2 * 1.1


def make_dataset(n: int, seed: int = 0, styles: tuple[str, ...] = STYLES) -> list[Song]:
    """``n`` songs, styles in turn, each from its own seed (``seed * 1_000_003 + i``)."""
    return [random_song(seed * 1_000_003 + i, styles[i % len(styles)]) for i in range(n)]


def blank() -> np.ndarray:
    return np.zeros(N)
