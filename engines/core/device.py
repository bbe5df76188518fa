"""Which chip runs the models (CPU, CUDA, MPS) and which runtime (PyTorch, ONNX Runtime).

torch is imported only when a question needs it, so the app window appears fast.
Without torch installed (the lite build), CUDA is detected through onnxruntime's providers.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
BACKEND_CHOICES = ("torch", "onnx")
BACKEND_NAMES = {"torch": "PyTorch", "onnx": "ONNX Runtime"}


class DeviceError(ValueError):
    """A device or backend the user asked for does not exist on this machine."""


@dataclass(frozen=True)
class DeviceInfo:
    """The resolved compute device.

    ``kind`` is ``cpu``/``cuda``/``mps``; ``name`` is what a person reads
    (e.g. ``CUDA: NVIDIA H100``); ``torch_device`` is what ``torch.device()`` takes;
    ``note`` explains a fallback (e.g. "CUDA asked for but not available").
    """

    kind: str
    name: str
    torch_device: str
    note: str = ""


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def onnxruntime_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def _ort_providers() -> list[str]:
    if not onnxruntime_available():
        return []
    import onnxruntime as ort

    return list(ort.get_available_providers())


def available_devices() -> dict[str, str]:
    """Map of device kind → display name for every device this machine has (CPU always)."""
    found = {"cpu": "CPU"}
    if torch_available():
        import torch

        if torch.cuda.is_available():
            found["cuda"] = f"CUDA: {torch.cuda.get_device_name(0)}"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            found["mps"] = "MPS (Apple GPU)"
    elif "CUDAExecutionProvider" in _ort_providers():
        found["cuda"] = "CUDA (ONNX Runtime)"
    return found


def resolve_device(preference: str = "auto") -> DeviceInfo:
    """Pick the device for ``preference``: ``auto`` tries CUDA, then MPS, then CPU.

    A named device that is missing falls back to CPU with a ``note`` saying so.
    Raises :class:`DeviceError` for a name that is not a device at all.
    """
    if preference not in DEVICE_CHOICES:
        raise DeviceError(f"unknown device {preference!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    found = available_devices()
    order = ("cuda", "mps", "cpu") if preference == "auto" else (preference,)
    for kind in order:
        if kind in found:
            torch_device = "cuda:0" if kind == "cuda" else kind
            return DeviceInfo(kind, found[kind], torch_device)
    return DeviceInfo("cpu", "CPU", "cpu", note=f"{preference.upper()} is not available here; using the CPU")


def resolve_backend(preference: str) -> tuple[str, str]:
    """Return ``(backend, note)`` for ``torch``/``onnx``, falling back to the one installed."""
    if preference not in BACKEND_CHOICES:
        raise DeviceError(f"unknown backend {preference!r}; choose one of {', '.join(BACKEND_CHOICES)}")
    have = {"torch": torch_available(), "onnx": onnxruntime_available()}
    if have[preference]:
        return preference, ""
    other = "onnx" if preference == "torch" else "torch"
    if have[other]:
        return other, f"{BACKEND_NAMES[preference]} is not installed; using {BACKEND_NAMES[other]}"
    raise DeviceError("neither PyTorch nor ONNX Runtime is installed")


def set_cpu_threads(n: int, import_torch: bool = True) -> None:
    """Use ``n`` CPU threads in torch.

    On small machines more threads than cores make OpenMP contend badly, so callers
    pass the user's setting (default: half the cores, at least one). With
    ``import_torch=False`` nothing happens unless torch is already loaded (the app sets
    ``OMP_NUM_THREADS`` at start-up, which torch reads when it is first imported).
    """
    import sys

    n = max(1, int(n))
    if not import_torch and "torch" not in sys.modules:
        return
    if torch_available():
        import torch

        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


def default_thread_count() -> int:
    import os

    return max(1, (os.cpu_count() or 2) // 2)


# --- running out of GPU memory ------------------------------------------------------------------

GPU_OUT_OF_MEMORY_MESSAGE = (
    "The GPU ran out of memory; carrying on on the CPU (slower). Smaller batches or models fit the GPU."
)


_fallback_listeners: list = []  # callables taking one sentence; the app shows it in its status bar


def add_fallback_listener(listener) -> None:
    """``listener(sentence)`` is called (from any thread) when work leaves the GPU for the CPU outside a job."""
    _fallback_listeners.append(listener)


def remove_fallback_listener(listener) -> None:
    if listener in _fallback_listeners:
        _fallback_listeners.remove(listener)


def announce_cpu_fallback(sentence: str) -> str:
    """Log ``sentence`` and tell every fallback listener; return it."""
    import logging

    logging.getLogger(__name__).warning(sentence)
    for listener in list(_fallback_listeners):
        listener(sentence)
    return sentence


def out_of_memory_message(what: str = "") -> str:
    """The sentence shown when a job leaves the GPU for the CPU (``what``: e.g. "Training", "Sampling")."""
    if not what:
        return GPU_OUT_OF_MEMORY_MESSAGE
    return f"{what}: {GPU_OUT_OF_MEMORY_MESSAGE[0].lower()}{GPU_OUT_OF_MEMORY_MESSAGE[1:]}"


def is_out_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` says a device ran out of memory (CUDA, MPS or any torch allocator).

    Matches ``torch.cuda.OutOfMemoryError``, ``torch.OutOfMemoryError`` (newer torch) and a
    ``RuntimeError`` whose text says "out of memory" (MPS: "MPS backend out of memory"), and ONNX Runtime's
    errors that say it could not allocate memory ("Failed to allocate memory for requested buffer").
    Python's own ``MemoryError`` (host RAM) is not matched. torch is never imported here.
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        kinds = tuple(k for k in (getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None),
                                  getattr(torch, "OutOfMemoryError", None)) if isinstance(k, type))
        if kinds and isinstance(exc, kinds):
            return True
    text = str(exc).lower()
    if type(exc).__module__.startswith("onnxruntime"):  # its errors are not RuntimeError subclasses
        return any(sign in text for sign in ("out of memory", "failed to allocate", "memoryallocation"))
    return isinstance(exc, RuntimeError) and "out of memory" in text


def free_gpu_memory() -> None:
    """Hand cached GPU memory back (CUDA / MPS) when torch is loaded; never fails."""
    import contextlib
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is None:
        return
    with contextlib.suppress(Exception):  # best effort: a failing cache flush must not hide the real work
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available() and hasattr(torch, "mps"):
            torch.mps.empty_cache()


def move_optimizer_state(optimizer, device) -> None:
    """Move every tensor in ``optimizer``'s state (e.g. AdamW moments and step counts) to ``device``."""
    import torch

    for state in optimizer.state.values():
        for key, value in list(state.items()):
            if torch.is_tensor(value):
                state[key] = value.to(device)


def fall_back_to_cpu(*modules, optimizers=()):
    """Move ``modules`` and the state of ``optimizers`` to the CPU, free the GPU cache; return the CPU device.

    Parameters stay the same objects, so optimizers keep working on them.
    """
    import torch

    cpu = torch.device("cpu")
    for module in modules:
        module.to(cpu)
    for optimizer in optimizers:
        move_optimizer_state(optimizer, cpu)
    free_gpu_memory()
    return cpu


def gpu_or_cpu(what: str, work, on_gpu, move_to_cpu):
    """Job helper (use ``yield from``): ``work()``, or, when it runs out of GPU memory, the CPU fallback.

    ``on_gpu()`` says whether the work ran on a GPU now; ``move_to_cpu()`` moves what the work uses and
    returns the work to redo (``None``: the same ``work``). Then a warning :class:`~engines.core.jobs.Log`
    (:func:`out_of_memory_message` of ``what``) is yielded and the work is redone on the CPU. Any other
    error, and out of memory on the CPU, is raised. The move happens once the ``except`` block is left,
    so the traceback (which holds GPU tensors) is already gone.
    """
    from engines.core.jobs import Log

    out_of_memory = False
    try:
        return work()
    except Exception as exc:  # only GPU out-of-memory is handled; the rest is re-raised
        if not (on_gpu() and is_out_of_memory(exc)):
            raise
        out_of_memory = True
    if out_of_memory:
        redo = move_to_cpu() or work
        yield Log(out_of_memory_message(what), level="warning")
        return redo()
