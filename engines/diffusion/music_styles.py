"""The four arrangements of :mod:`engines.diffusion.music`: each turns a Song into samples."""

from __future__ import annotations

import numpy as np

from engines.diffusion.music import (N, SCALES, SR, Song, band, blank, chord_tones, envelope, hat, hz, kick,
                                     piano_note, place, ride, saw, snare, string_note, vibes_note)


def _beats(song: Song) -> int:
    return int(np.ceil(N / SR / song.beat_s)) + 1


def rock(song: Song, rng: np.random.Generator) -> np.ndarray:
    b = song.beat_s
    drums, guitar, bass = blank(), blank(), blank()
    k, s, h = kick(rng), snare(rng), hat(rng, 0.035)
    heavy = "heavy" in song.instrument
    chug = rng.random() < 0.5  # palm-muted eighths, else held chords
    extra_kick = int(rng.integers(3))  # 0: none, 1: "and" of 3, 2: "and" of 4
    for beat in range(_beats(song)):
        t0 = beat * b
        if beat % 2 == 0:
            place(drums, t0, k)
        if (beat == 2 and extra_kick == 1) or (beat == 3 and extra_kick == 2):
            place(drums, t0 + b / 2, k, 0.8)
        if beat % 2 == 1:
            place(drums, t0, s, 0.9)
        for e in (0, 0.5):
            place(drums, t0 + e * b, h, 0.35 if e else 0.5)
        root, _ = chord_tones(song, beat, 40)
        for e in ((0, 0.5) if chug else (0,)):
            if not chug and beat % 2:
                continue
            length = 0.45 * b if chug else 2 * b
            n = int(length * SR)
            tone = sum(saw(hz(root + iv) * d, n, rng.random()) for iv in (0, 7, 12) for d in (1.0, 1.004))
            env = envelope(n, 0.005, 0.08 if chug else 1.5, 0.2 if chug else 0.6)
            place(guitar, t0 + e * b, tone * env)
            nb = int(0.45 * b * SR)
            place(bass, t0 + e * b, band(saw(hz(root - 12), nb), 0, 700) * envelope(nb, 0.005, 0.2, 0.5))
    drive = 9.0 if heavy else 4.0
    guitar = band(np.tanh(drive * guitar / max(np.abs(guitar).max(), 1e-9)), 80, 3500)
    return drums * 1.0 + guitar * 0.5 + bass * 0.8


def classical(song: Song, rng: np.random.Generator) -> np.ndarray:
    b = song.beat_s
    out = blank()
    scale = SCALES[song.mode]
    strings = "strings" in song.instrument
    melody_note = int(rng.integers(7))
    for beat in range(_beats(song)):
        t0 = beat * b
        root, triad = chord_tones(song, beat, 48)
        if beat % 2 == 0:
            if strings:
                for m in (root - 12, *triad):
                    place(out, t0, string_note(m, round(2 * b, 3)), 0.35)
            else:
                for j, m in enumerate((root - 12, triad[1], triad[2], triad[1])):  # broken chord in eighths
                    place(out, t0 + j * b / 2, piano_note(m, 2.0), 0.5)
        melody_note = int(np.clip(melody_note + rng.integers(-2, 3), 0, 13))
        m = 72 + song.root % 12 + scale[melody_note % 7] + 12 * (melody_note // 7) - 12
        if strings:
            place(out, t0, string_note(m, round(b * 1.02, 3)), 0.6)
        else:
            place(out, t0, piano_note(m, 2.0), 0.8)
    # a small hall: the dry sound plus a decaying noise tail (convolution by FFT)
    tail_t = np.arange(int(0.8 * SR)) / SR
    ir = rng.standard_normal(len(tail_t)) * np.exp(-tail_t / 0.25) * 0.03
    ir[0] = 1.0
    wet = np.fft.irfft(np.fft.rfft(out, 2 * N) * np.fft.rfft(ir, 2 * N), 2 * N)[:N]
    return band(wet, 60, 6000)


def edm(song: Song, rng: np.random.Generator) -> np.ndarray:
    b = song.beat_s
    drums, synth = blank(), blank()
    k, clap, oh, ch = kick(rng, 0.3), snare(rng, 0.2), hat(rng, 0.09), hat(rng, 0.02)
    pluck = "pluck" in song.instrument
    scale = SCALES[song.mode]
    riff = rng.integers(0, 8, 16)
    for beat in range(_beats(song)):
        t0 = beat * b
        place(drums, t0, k, 1.1)
        if beat % 2 == 1:
            place(drums, t0, clap, 0.6)
        place(drums, t0 + b / 2, oh, 0.5)
        for q in (0.25, 0.75):
            place(drums, t0 + q * b, ch, 0.2)
        root, triad = chord_tones(song, beat, 36)
        nb = int(0.4 * b * SR)
        place(synth, t0 + b / 2, (np.sin(2 * np.pi * hz(root) * np.arange(nb) / SR) + 0.3 * saw(hz(root), nb))
              * envelope(nb, 0.005, 0.3, 0.6), 0.9)
        for q in range(4):
            deg = int(riff[(beat * 4 + q) % 16])
            m = 72 + song.root % 12 + scale[deg % 7] + 12 * (deg // 7) - 12
            n = int(b / 4 * SR * (0.6 if pluck else 0.95))
            tone = sum(saw(hz(m) * d, n, rng.random()) for d in (0.994, 1.0, 1.006)) / 3
            env = envelope(n, 0.003, 0.05, 0.0) if pluck else envelope(n, 0.005, 0.2, 0.7)
            place(synth, t0 + q * b / 4, band(tone, 0, 5000) * env, 0.45)
    phase = (np.arange(N) / SR) % b  # the sidechain pump: duck on every kick, recover over ~a beat
    pump = 1 - 0.85 * np.exp(-phase / (0.25 * b))
    return drums + synth * pump


def jazz(song: Song, rng: np.random.Generator) -> np.ndarray:
    b = song.beat_s
    drums, bass, keys = blank(), blank(), blank()
    r, chick = ride(rng), hat(rng, 0.02)
    vibes = "vibraphone" in song.instrument
    swing = 2 / 3
    note = 36 + song.root % 12
    for beat in range(_beats(song)):
        t0 = beat * b
        place(drums, t0, r, 0.5)
        if beat % 2 == 1:
            place(drums, t0 + swing * b, r, 0.35)
            place(drums, t0, chick, 0.4)
        root, triad = chord_tones(song, beat, 36)
        target = root if beat % 2 == 0 else root + int(rng.choice([3, 4, 7, 10, -1, 1]))
        note = target if abs(target - note) < 12 else target - 12 * np.sign(target - note)
        nb = int(b * SR)
        tb = np.arange(nb) / SR
        pluck = (np.sin(2 * np.pi * hz(note) * tb) + 0.4 * np.sin(4 * np.pi * hz(note) * tb)) * envelope(nb, 0.004, 0.35)
        place(bass, t0, pluck, 0.9)
        if rng.random() < 0.6:
            seventh = triad[0] + (10 if triad[1] - triad[0] == 3 else 11)
            at = t0 + (swing * b if rng.random() < 0.6 else 0.0)
            for m in (triad[1] + 12, triad[2] + 12, seventh + 12):
                place(keys, at, vibes_note(m, 1.2) if vibes else piano_note(m, 0.6), 0.35)
    return drums * 0.6 + bass + keys


RENDERERS = {"rock": rock, "classical": classical, "edm": edm, "jazz": jazz}
