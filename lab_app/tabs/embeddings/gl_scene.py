"""The embeddings pages' word scenes: 3D where OpenGL works, a flat 2D view of the same data where it does not.

The scene itself is reusable and lives in :mod:`lab_app.widgets.scene3d`; this module names what the pages use.
"""

from __future__ import annotations

from lab_app.widgets.scene3d import Scene3D, new_scene
from lab_app.widgets.scene_parts import GROUP_COLOURS, rgba, text_colour

__all__ = ["GROUP_COLOURS", "Scene3D", "new_scene", "rgba", "text_colour"]
