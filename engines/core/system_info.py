"""Versions of the parts that run the models, without importing the heavy ones."""

from __future__ import annotations

import platform
import sys
from importlib import metadata


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """Python and the numeric/runtime packages (read from package metadata, nothing imported)."""
    return {
        "Python": f"{platform.python_version()} ({sys.implementation.name})",
        "NumPy": package_version("numpy"),
        "PyTorch": package_version("torch"),
        "ONNX Runtime": package_version("onnxruntime"),
        "safetensors": package_version("safetensors"),
        "Platform": platform.platform(terse=True),
    }
