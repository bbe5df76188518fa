"""Sound as a picture and back: STFT, mel spectrogram (log scaled), inversion, WAV files.

The music model draws a **64 mel bands × 64 frames** picture of a 2-second clip at 16 kHz
(frames every 32 ms). :func:`clip_to_image` turns a waveform into that picture (−1..1, like
an image), :func:`image_to_clip` turns a picture back into sound.

The way back has two losses: the mel bands merge neighbouring frequencies (undone by a
non-negative least-squares fit), and the picture keeps only loudness, not phase. The phase is
rebuilt with **fast Griffin-Lim** (Perraudin et al. 2013: Griffin-Lim plus a momentum term of
0.99), which reaches a lower spectral convergence than plain Griffin-Lim in the same number of
iterations at no extra cost per iteration (100 iterations on 20 real clips: 0.072 against 0.123,
``evaluate-music``'s round trip); a neural vocoder would sound better but would be a second model
to train and ship. Through the whole picture (64 mel bands, dB clipped to −50…40) the spectral
convergence is 0.42: the mel bands' lost detail, not the phase, is most of what is lost.

WAV files are read and written with the standard ``wave`` module: 16-bit PCM, mono or stereo,
8–48 kHz, resampled (FFT, band-limited) to the model rate. Anything else raises
:class:`AudioFileError` with a sentence a user can act on. Pure NumPy.
"""

from __future__ import annotations

import functools
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 1024
HOP = 512
N_MELS = 64
N_FRAMES = 64
CLIP_SAMPLES = (N_FRAMES - 1) * HOP  # 32,256 samples = 2.016 s: centred frames land exactly on 64
DB_MIN, DB_MAX = -50.0, 40.0  # the picture's black and white, in dB of mel power (values outside are clipped)
MIN_RATE, MAX_RATE = 8_000, 48_000
MAX_SECONDS = 600


class AudioFileError(ValueError):
    """A WAV file that cannot be read; the message says why in plain words."""


# --- STFT -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float64)  # periodic Hann


def stft(x: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Mono waveform (N,) → complex spectrum (n_fft/2+1, 1 + N // hop); frames centred (reflect padding)."""
    x = np.asarray(x, np.float64)
    pad = n_fft // 2
    xp = np.pad(x, pad, mode="reflect") if len(x) > pad else np.pad(x, pad)
    n_frames = 1 + len(x) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    xp = np.pad(xp, (0, max(0, idx.max() + 1 - len(xp))))
    return np.fft.rfft(xp[idx] * _window(n_fft), axis=1).T


def istft(spec: np.ndarray, length: int, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Inverse of :func:`stft` (weighted overlap-add) → (length,) float64. ``hop`` must divide ``n_fft``."""
    frames = np.fft.irfft(spec.T, n=n_fft, axis=1) * _window(n_fft)  # (T, n_fft)
    T, r = frames.shape[0], n_fft // hop
    blocks = np.zeros((T + r - 1, hop))
    for k in range(r):  # overlap-add, one slice of every frame at a time
        blocks[k:k + T] += frames[:, k * hop:(k + 1) * hop]
    out = blocks.reshape(-1) / _ola_norm(T, n_fft, hop)
    pad = n_fft // 2
    out = out[pad: pad + length]
    return np.pad(out, (0, length - len(out)))


@functools.lru_cache(maxsize=16)
def _ola_norm(T: int, n_fft: int, hop: int) -> np.ndarray:
    r = n_fft // hop
    w2 = (_window(n_fft) ** 2).reshape(r, hop)
    norm = np.zeros((T + r - 1, hop))
    for k in range(r):
        norm[k:k + T] += w2[k]
    norm = norm.reshape(-1)
    return np.where(norm > 1e-8, norm, 1.0)


# --- mel --------------------------------------------------------------------------------------

def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, np.float64) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10 ** (np.asarray(m, np.float64) / 2595.0) - 1.0)


@functools.lru_cache(maxsize=8)
def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS, fmin: float = 30.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular filters (n_mels, n_fft/2+1), evenly spaced on the mel scale, each summing to 1."""
    fmax = fmax or sr / 2
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    bank = np.zeros((n_mels, len(freqs)))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        bank[m] = np.clip(np.minimum(up, down), 0, None)
        if bank[m].sum() == 0:  # a band narrower than one FFT bin: take the nearest bin
            bank[m, int(np.argmin(np.abs(freqs - mid)))] = 1.0
    return bank / bank.sum(axis=1, keepdims=True)


def band_centres_hz(n_mels: int = N_MELS, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Centre frequency of each mel band (for axis labels)."""
    return mel_to_hz(np.linspace(hz_to_mel(30.0), hz_to_mel(sr / 2), n_mels + 2))[1:-1]


def mel_power(x: np.ndarray) -> np.ndarray:
    """Waveform → mel power (n_mels, frames)."""
    return mel_filterbank() @ (np.abs(stft(x)) ** 2)


def power_to_image(mel: np.ndarray) -> np.ndarray:
    """Mel power → log picture in −1..1 (DB_MIN ↦ −1, DB_MAX ↦ +1), float32."""
    db = 10 * np.log10(np.maximum(mel, 1e-12))
    return np.clip((db - DB_MIN) / (DB_MAX - DB_MIN) * 2 - 1, -1, 1).astype(np.float32)


def image_to_power(image: np.ndarray) -> np.ndarray:
    db = (np.clip(np.asarray(image, np.float64), -1, 1) + 1) / 2 * (DB_MAX - DB_MIN) + DB_MIN
    power = 10 ** (db / 10)
    return np.where(image <= -1 + 1e-6, 0.0, power)  # the picture's black is silence


def clip_to_image(x: np.ndarray) -> np.ndarray:
    """A clip (CLIP_SAMPLES,) → its picture (N_MELS, N_FRAMES); row 0 is the lowest band."""
    x = fit_length(x, CLIP_SAMPLES)
    return power_to_image(mel_power(x))[:, :N_FRAMES]


def mel_to_magnitude(mel: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Mel power (n_mels, T) → linear magnitude (n_fft/2+1, T): non-negative least squares by
    multiplicative updates, started from the filterbank's transpose."""
    bank = mel_filterbank()
    power = bank.T @ mel / np.maximum(bank.sum(axis=0), 1e-12)[:, None]
    power = np.maximum(power, 1e-12)
    for _ in range(iterations):
        power *= (bank.T @ mel) / np.maximum(bank.T @ (bank @ power), 1e-12)
    return np.sqrt(power)


def griffin_lim(magnitude: np.ndarray, length: int, iterations: int = 100, momentum: float = 0.99,
                seed: int = 0) -> np.ndarray:
    """Fast Griffin-Lim: a waveform (length,) whose STFT magnitude is close to ``magnitude`` (F, T).
    ``momentum=0`` gives plain Griffin-Lim."""
    rng = np.random.default_rng(seed)
    angles = np.exp(2j * np.pi * rng.random(magnitude.shape))
    previous = np.zeros_like(angles)
    for _ in range(iterations):
        rebuilt = stft(istft(magnitude * angles, length), )[:, : magnitude.shape[1]]
        accelerated = rebuilt + momentum * (rebuilt - previous) if momentum else rebuilt
        previous = rebuilt
        angles = accelerated / np.maximum(np.abs(accelerated), 1e-12)
    return istft(magnitude * angles, length)


def image_to_clip(image: np.ndarray, iterations: int = 100, seed: int = 0) -> np.ndarray:
    """A picture (N_MELS, N_FRAMES) in −1..1 → a waveform (CLIP_SAMPLES,) float32 in −1..1."""
    magnitude = mel_to_magnitude(image_to_power(image))
    wav = griffin_lim(magnitude, CLIP_SAMPLES, iterations, seed=seed)
    return np.clip(wav, -1, 1).astype(np.float32)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray) -> float:
    """‖|S| − |Ŝ|‖ / ‖|S|‖ of two waveforms' STFT magnitudes (0 = identical; 1 = nothing right)."""
    a = np.abs(stft(fit_length(reference, len(reference))))
    b = np.abs(stft(fit_length(estimate, len(reference))))
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-12))


def fit_length(x: np.ndarray, length: int) -> np.ndarray:
    x = np.asarray(x, np.float64).reshape(-1)
    return x[:length] if len(x) >= length else np.pad(x, (0, length - len(x)))


# --- WAV files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    seconds: float


def resample(x: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    """Band-limited resampling along axis 0 (FFT: drop or add the top frequencies)."""
    if rate_from == rate_to or len(x) == 0:
        return np.asarray(x, np.float32)
    n_out = max(1, int(round(len(x) * rate_to / rate_from)))
    spec = np.fft.rfft(np.asarray(x, np.float64), axis=0)
    keep = min(spec.shape[0], n_out // 2 + 1)
    out_spec = np.zeros((n_out // 2 + 1,) + spec.shape[1:], complex)
    out_spec[:keep] = spec[:keep]
    return (np.fft.irfft(out_spec, n=n_out, axis=0) * (n_out / len(x))).astype(np.float32)


def read_wav(path: str | Path, rate: int | None = SAMPLE_RATE, mono: bool = True) -> tuple[np.ndarray, WavInfo]:
    """A 16-bit PCM WAV → samples float32 in −1..1, (N,) when ``mono`` else (N, channels), at ``rate``
    (None = the file's own), and what the file held. Raises :class:`AudioFileError`."""
    path = Path(path)
    if path.is_dir():
        raise AudioFileError(f"{path.name or path}: that is a folder; pick a .wav file inside it")
    if not path.is_file():
        raise AudioFileError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise AudioFileError(f"{path.name}: the file is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioFileError(f"{path.name}: not a WAV file (it does not start with a RIFF/WAVE header)")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, sr, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            if width != 2:
                raise AudioFileError(f"{path.name}: {8 * width}-bit samples; only 16-bit PCM WAV is supported")
            if channels not in (1, 2):
                raise AudioFileError(f"{path.name}: {channels} channels; only mono or stereo is supported")
            if not MIN_RATE <= sr <= MAX_RATE:
                raise AudioFileError(f"{path.name}: {sr / 1000:g} kHz; supported rates are "
                                     f"{MIN_RATE // 1000}–{MAX_RATE // 1000} kHz")
            if n > MAX_SECONDS * sr:
                raise AudioFileError(f"{path.name}: longer than {MAX_SECONDS // 60} minutes")
            data = w.readframes(n)
    except AudioFileError:
        raise
    except (wave.Error, EOFError, ValueError) as exc:
        raise AudioFileError(f"{path.name}: damaged or unsupported WAV ({exc})") from exc
    if n == 0 or not data:
        raise AudioFileError(f"{path.name}: the WAV holds no audio (0 samples)")
    frame_bytes = 2 * channels
    if len(data) < n * frame_bytes:
        raise AudioFileError(f"{path.name}: truncated: the header promises {n / sr:.2f} s but only "
                             f"{len(data) // frame_bytes / sr:.2f} s of audio is there")
    samples = np.frombuffer(data[: n * frame_bytes], "<i2").reshape(-1, channels).astype(np.float32) / 32768.0
    info = WavInfo(sr, channels, n / sr)
    if mono:
        samples = samples.mean(axis=1)
    if rate is not None:
        samples = resample(samples, sr, rate)
    return samples, info


def write_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write float samples (N,) or (N, channels) in −1..1 as 16-bit PCM (atomically)."""
    from engines.core.model_io import atomic_path

    x = np.asarray(samples, np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] not in (1, 2):
        raise ValueError("write_wav takes mono (N,) or stereo (N, 2) samples")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or infinity")
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")
    path = Path(path)
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())
    return path


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """The bytes of a 16-bit mono/stereo WAV file (for playing from memory)."""
    import io

    x = np.asarray(samples, np.float64)
    x = x[:, None] if x.ndim == 1 else x
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes())
    return buf.getvalue()


# --- pictures for people --------------------------------------------------------------------------

_COLOURS = np.array([[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21],
                     [250, 193, 39], [252, 255, 164]], np.float64)  # dark purple → yellow ("inferno"-like)


def picture_rgb(picture: np.ndarray, scale: int = 1) -> np.ndarray:
    """A picture (bands, frames) in −1..1 → uint8 RGB (bands·scale, frames·scale, 3), low notes at the bottom."""
    v = (np.clip(np.asarray(picture, np.float64), -1, 1) + 1) / 2 * (len(_COLOURS) - 1)
    lo = np.floor(v).astype(int).clip(0, len(_COLOURS) - 2)
    frac = (v - lo)[..., None]
    rgb = _COLOURS[lo] * (1 - frac) + _COLOURS[lo + 1] * frac
    rgb = np.round(rgb[::-1]).astype(np.uint8)
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1) if scale > 1 else rgb


def whole_picture(x: np.ndarray) -> np.ndarray:
    """Any-length waveform → its picture (N_MELS, 1 + len // HOP), the same scaling as the model's."""
    return power_to_image(mel_power(np.asarray(x, np.float64)))


def rebuild(x: np.ndarray, iterations: int = 100, seed: int = 0) -> np.ndarray:
    """The sound rebuilt from its picture alone (what the model's output goes through): any length."""
    pic = whole_picture(x)
    magnitude = mel_to_magnitude(image_to_power(pic))
    return np.clip(griffin_lim(magnitude, len(x), iterations, seed=seed), -1, 1).astype(np.float32)
