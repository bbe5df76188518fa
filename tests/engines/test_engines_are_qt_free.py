"""engines/ must run without Qt: no imports of PySide6, pyqtgraph or lab_app, anywhere."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINES = Path(__file__).resolve().parents[2] / "engines"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "lab_app")


def test_no_engine_source_imports_qt_or_the_app():
    offenders = []
    for path in ENGINES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ENGINES)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


BLOCKER = """
import importlib.abc, pkgutil, sys, importlib
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {forbidden!r}:
            raise ImportError('blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
import engines
loaded = []
for mod in pkgutil.walk_packages(engines.__path__, 'engines.'):
    importlib.import_module(mod.name)
    loaded.append(mod.name)
print(len(loaded))
"""


def test_every_engine_module_imports_with_qt_blocked():
    code = BLOCKER.format(forbidden=set(FORBIDDEN))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ENGINES.parent,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.strip()) >= 8
