"""What a monkey walk leaves in memory (MONKEY_MEMORY=1 prints it after the walk)."""

from __future__ import annotations

import sys


def held_memory(top: int = 12) -> str:
    """What Python still holds, for MONKEY_MEMORY=1: the biggest NumPy arrays and PyTorch tensors reachable from
    live objects, each with the type of an object that holds it (native memory such as ONNX sessions is not seen)."""
    import gc
    import warnings

    import numpy as np

    found: dict[int, tuple[int, str, str]] = {}
    torch = sys.modules.get("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # isinstance on some lazy module attributes warns
        for owner in gc.get_objects():
            for obj in gc.get_referents(owner):
                if type(obj) is np.ndarray and id(obj) not in found:
                    found[id(obj)] = (obj.nbytes, f"ndarray{obj.shape} {obj.dtype}", type(owner).__name__)
                elif torch is not None and isinstance(obj, torch.Tensor) and id(obj) not in found:
                    size = obj.element_size() * obj.nelement()
                    found[id(obj)] = (size, f"tensor{tuple(obj.shape)} {obj.dtype}", type(owner).__name__)
    biggest = sorted(found.values(), reverse=True)[:top]
    total = sum(size for size, _, _ in found.values()) / 2**20
    return f"arrays and tensors held: {total:.0f} MB (views may count twice); biggest:\n" + "\n".join(
        f"  {size / 2**20:7.1f} MB {what} in a {owner}" for size, what, owner in biggest)
