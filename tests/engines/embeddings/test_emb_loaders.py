"""Every supported vector format reads back what was written (GloVe text, word2vec text/binary, NumPy, safetensors)."""

import numpy as np
import pytest

from engines.embeddings import loaders
from engines.embeddings.vectors import WordVectors


@pytest.fixture
def store():
    rng = np.random.default_rng(0)
    words = ["the", "king", "queen", "naïve", "don't", "x"]
    return WordVectors(words, rng.normal(size=(len(words), 7)).astype(np.float32))


def _same(a: WordVectors, b: WordVectors, atol=1e-5):
    assert a.words == b.words
    np.testing.assert_allclose(a.vectors, b.vectors, atol=atol)


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary", "numpy", "safetensors"])
def test_round_trip(store, tmp_path, fmt):
    writers = {"glove": (loaders.save_glove_text, "v.txt", loaders.load_glove_text),
               "word2vec": (loaders.save_word2vec_text, "v.vec", loaders.load_word2vec_text),
               "word2vec-binary": (loaders.save_word2vec_binary, "v.bin", loaders.load_word2vec_binary),
               "numpy": (loaders.save_numpy, "v.npy", loaders.load_numpy),
               "safetensors": (loaders.save_safetensors, "v.safetensors", loaders.load_safetensors)}
    save, name, load = writers[fmt]
    path = tmp_path / name
    save(store, path)
    _same(load(path), store)
    assert loaders.detect_format(path) == fmt
    _same(loaders.load_vectors(path), store)  # the one door finds the format by itself
    assert [w for w in loaders.load_vectors(path, limit=2).words] == ["the", "king"]


def test_gensim_files_open(store, tmp_path):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(vector_size=store.dims)
    kv.add_vectors(store.words, store.vectors)
    for binary, name in ((True, "g.bin"), (False, "g.txt")):
        kv.save_word2vec_format(str(tmp_path / name), binary=binary)
        _same(loaders.load_vectors(tmp_path / name), store)


def test_broken_files_say_what_is_wrong(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("king 0.1 0.2\nqueen 0.3\n")
    with pytest.raises(loaders.VectorFileError, match="line 2"):
        loaders.load_glove_text(bad)
    short = tmp_path / "short.bin"
    short.write_bytes(b"3 4\nking " + np.zeros(4, "<f4").tobytes())
    with pytest.raises(loaders.VectorFileError, match="ends early"):
        loaders.load_word2vec_binary(short)
    with pytest.raises(loaders.VectorFileError, match="no vocabulary"):
        np.save(tmp_path / "lonely.npy", np.zeros((2, 3)))
        loaders.load_numpy(tmp_path / "lonely.npy")
    with pytest.raises(loaders.VectorFileError, match="does not exist"):
        loaders.load_vectors(tmp_path / "missing.txt")
