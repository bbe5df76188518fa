"""An optimizer's state as named tensors, for checkpoints that resume training (safetensors; no pickle).

``optimizer.state_dict()`` holds, per parameter, a few tensors (AdamW: ``step``, ``exp_avg``,
``exp_avg_sq``) plus plain-data ``param_groups`` (learning rate, betas, …). Safetensors stores only
tensors, so the state is flattened to ``{prefix}.{parameter index}.{name}`` → tensor, and the groups
travel beside it as JSON. Both trainers (language models, diffusion) save and resume with these two
functions; each keeps its own prefix so checkpoints written before still load.
"""

from __future__ import annotations

from typing import Any


def optimizer_tensors(optimizer: Any, prefix: str = "state") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(``{prefix}.{index}.{name}`` → CPU tensor, param_groups). Scalars (AdamW's ``step``) become shape (1,)."""
    state = optimizer.state_dict()
    tensors = {}
    for index, entries in state["state"].items():
        for name, value in entries.items():
            value = value.detach().cpu()
            tensors[f"{prefix}.{index}.{name}"] = value.reshape(1) if value.ndim == 0 else value
    return tensors, state["param_groups"]


def restore_optimizer(optimizer: Any, tensors: dict[str, Any], param_groups: list[dict[str, Any]],
                      prefix: str = "state") -> None:
    """Load what :func:`optimizer_tensors` gave (from a file: NumPy arrays) into ``optimizer``.

    Keys without ``prefix`` are ignored, so one file can also hold the model's weights."""
    import numpy as np
    import torch

    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if not key.startswith(prefix + "."):
            continue
        _, index, name = key.split(".", 2)
        tensor = torch.from_numpy(np.array(value))
        state.setdefault(int(index), {})[name] = tensor.reshape(()) if name == "step" else tensor
    groups = [dict(group) for group in param_groups]
    for group in groups:  # JSON turned the betas tuple into a list
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def random_state_tensors(batch_generator: Any, prefix: str = "rng") -> dict[str, Any]:
    """The random sources a resumed run must carry on with: torch's global one (dropout) and the generator that
    picks the batches (the data position), as ``{prefix}.torch`` and ``{prefix}.batches`` (uint8 tensors)."""
    import torch

    return {f"{prefix}.torch": torch.get_rng_state(), f"{prefix}.batches": batch_generator.get_state()}


def restore_random_state(tensors: dict[str, Any], batch_generator: Any, prefix: str = "rng") -> bool:
    """Put back what :func:`random_state_tensors` saved; False (nothing changed) when ``tensors`` has none."""
    import numpy as np
    import torch

    if f"{prefix}.batches" not in tensors:
        return False
    torch.set_rng_state(torch.from_numpy(np.array(tensors[f"{prefix}.torch"], dtype=np.uint8)))
    batch_generator.set_state(torch.from_numpy(np.array(tensors[f"{prefix}.batches"], dtype=np.uint8)))
    return True
