"""ONNX Runtime sessions with explicit providers, a thread count, and checks for untrusted files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engines.core.device import DeviceInfo, announce_cpu_fallback, is_out_of_memory
from engines.core.model_io import ModelFileError, check_size

# User-chosen ONNX files larger than this are refused (the shipped models are a few MB).
MAX_USER_ONNX_BYTES = 2 * 1024**3
CPU_ONLY = ["CPUExecutionProvider"]


def _announce(path: Path) -> str:
    return announce_cpu_fallback(f"The GPU ran out of memory for {path.name}; it runs on the CPU from now on "
                                 "(slower, same results).")


class GpuSession:
    """An ``InferenceSession`` on a GPU that moves itself to the CPU, once, when ONNX Runtime cannot get GPU memory.

    ``run`` retries the same call on a CPU session (``make_cpu()``), so the caller gets its answer; ``notice`` then
    holds the sentence that was announced (:func:`engines.core.device.announce_cpu_fallback`). Everything else is the wrapped session's.
    """

    def __init__(self, session, make_cpu: Callable[[], object], path: Path) -> None:
        self._session, self._make_cpu, self._path = session, make_cpu, path
        self.on_cpu = False
        self.notice = ""

    def run(self, *args, **kwargs):
        failed = False
        try:
            return self._session.run(*args, **kwargs)
        except Exception as exc:  # only out of GPU memory is handled; the rest is re-raised
            if self.on_cpu or not is_out_of_memory(exc):
                raise
            failed = True
        if failed:  # outside the except block, so the error (and what it holds) is let go first
            self._session = None
            self._session = self._make_cpu()
            self.on_cpu = True
            self.notice = _announce(self._path)
        return self._session.run(*args, **kwargs)

    def get_providers(self) -> list[str]:
        return self._session.get_providers()

    def __getattr__(self, name: str):
        return getattr(self._session, name)


def providers_for(device: DeviceInfo) -> list[str]:
    """Execution providers in priority order: CUDA only when asked for and present, CPU always."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    chosen = []
    if device.kind == "cuda" and "CUDAExecutionProvider" in available:
        chosen.append("CUDAExecutionProvider")
    chosen.append("CPUExecutionProvider")
    return chosen


def check_external_data(path: Path) -> None:
    """Refuse an ONNX file whose external-data references leave its own folder.

    Raises :class:`ModelFileError` (kind ``unsafe`` or ``corrupt``).
    """
    import onnx
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf decode errors come in many types
        raise ModelFileError("corrupt", path, f"not a readable ONNX model ({exc.__class__.__name__})") from exc
    folder = path.resolve().parent
    for tensor in _get_all_tensors(model):
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        if Path(location).is_absolute() or not target.is_relative_to(folder):
            raise ModelFileError(
                "unsafe", path, f"it refers to data outside its folder ({location!r}); refusing to read it"
            )
        if not target.is_file():
            raise ModelFileError("missing", path, f"its external data file {location!r} is missing")


def create_session(
    path: str | Path,
    device: DeviceInfo,
    threads: int = 1,
    trusted: bool = False,
    max_bytes: int = MAX_USER_ONNX_BYTES,
    config: dict[str, str] | None = None,
):
    """Open ``path`` as an ``onnxruntime.InferenceSession``.

    Providers are always explicit (see :func:`providers_for`); ``threads`` sets the
    intra-op thread count. Untrusted files (``trusted=False``: anything a user picked)
    are size-capped and their external data must stay inside their folder. ``config``: extra session
    configuration entries (``SessionOptions.add_session_config_entry``).

    On a GPU the session is a :class:`GpuSession`: when ONNX Runtime cannot allocate GPU memory (while opening
    or while running) the work moves to the CPU and the fallback listeners are told once.
    """
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise ModelFileError("missing", path, "the file does not exist")
    if not trusted:
        check_size(path, max_bytes)
        check_external_data(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: warnings about unused initialisers are noise here
    for key, value in (config or {}).items():
        options.add_session_config_entry(key, value)
    providers = providers_for(device)

    def open_on(chosen: list[str]):
        return ort.InferenceSession(str(path), sess_options=options, providers=chosen)

    on_gpu, gpu_full = len(providers) > 1, False
    try:
        session = open_on(providers)
    except Exception as exc:
        if not (on_gpu and is_out_of_memory(exc)):
            raise ModelFileError("corrupt", path, f"ONNX Runtime could not load it: {exc}") from exc
        gpu_full = True
    if gpu_full:  # the weights did not fit on the GPU: the CPU it is, and the user is told
        _announce(path)
        return open_on(CPU_ONLY)
    return GpuSession(session, lambda: open_on(CPU_ONLY), path) if on_gpu else session
