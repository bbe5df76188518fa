"""Where things live: shipped assets (also inside a frozen bundle) and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ai-lab"


def project_root() -> Path:
    """The folder holding ``assets/``: the bundle root when frozen, else the source checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def assets_dir() -> Path:
    override = os.environ.get("AI_LAB_ASSETS")
    return Path(override) if override else project_root() / "assets"


def user_data_dir() -> Path:
    """Per-user folder for logs, trained models and exports (``AI_LAB_DATA_DIR`` overrides it)."""
    override = os.environ.get("AI_LAB_DATA_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_path

        path = user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_models_dir() -> Path:
    path = user_data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
