"""3D projections: PCA and user axes give orthonormal bases; Procrustes undoes a rotation."""

import numpy as np
import pytest

from engines.embeddings.projection import (axes_projection, orthonormalise, parse_axis, pca_projection,
                                           procrustes_align, project_words)
from engines.embeddings.vectors import WordVectors


@pytest.fixture
def store():
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(40)] + ["man", "woman", "boy", "girl", "old", "young"]
    return WordVectors(words, rng.normal(size=(len(words), 12)).astype(np.float32))


def _orthonormal(basis):
    np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-5)


def test_pca_basis_is_orthonormal_and_sorted(store):
    proj = pca_projection(store.unit)
    _orthonormal(proj.basis)
    coords = proj(store.unit)
    variances = coords.var(axis=0)
    assert variances[0] >= variances[1] >= variances[2]
    assert proj.labels[0].startswith("PC1")


@pytest.mark.parametrize("axes", [["man:woman"], ["man:woman", "young:old"], ["man,boy:woman,girl", "young:old",
                                                                              "w1:w2"]])
def test_user_axes_are_orthonormal_and_the_first_is_the_given_direction(store, axes):
    proj = axes_projection(store, axes)
    _orthonormal(proj.basis)
    a, b = parse_axis(axes[0])
    direction = store.unit[[store.index(w) for w in b]].mean(0) - store.unit[[store.index(w) for w in a]].mean(0)
    cos = proj.basis[0] @ direction / np.linalg.norm(direction)
    assert cos == pytest.approx(1.0, abs=1e-5)
    coords = proj(store.unit[[store.index("man"), store.index("woman")]])
    assert coords[1, 0] > coords[0, 0]  # woman lies further along man→woman than man


def test_bad_axes_are_refused(store):
    with pytest.raises(ValueError, match="from:to"):
        parse_axis("man-woman")
    with pytest.raises(ValueError, match="same way"):
        axes_projection(store, ["man:woman", "woman:man"])
    with pytest.raises(KeyError):
        axes_projection(store, ["man:wizard"])


def test_orthonormalise_drops_repeats():
    basis = orthonormalise(np.array([[1.0, 0, 0], [2.0, 0, 0], [1.0, 1.0, 0]]))
    assert basis.shape == (2, 3)


def test_procrustes_undoes_a_rotation():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(20, 3))
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    turned = points @ q + 5.0
    np.testing.assert_allclose(procrustes_align(points, turned), points, atol=1e-4)


def test_project_words_shapes(store):
    coords, proj = project_words(store, ["man", "woman", "boy", "girl"], ["man:woman"])
    assert coords.shape == (4, 3) and proj.labels[0] == "man → woman"
    coords, proj = project_words(store, ["man", "woman", "boy", "girl"])
    assert coords.shape == (4, 3)


def test_principal_axes_from_the_scatter_matrix_equal_an_svd():
    """The PCA is worked out from the d×d scatter matrix (fast for 50,000 words); it must give the SVD's axes."""
    from engines.embeddings.projection import principal_axes

    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 12)) * np.linspace(3, 0.2, 12)
    _, s, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    _, comps, ratio = principal_axes(x, 3)
    for got, want in zip(comps, vt[:3]):
        assert abs(abs(float(got @ want)) - 1) < 1e-5  # same direction (each sign is fixed by its own rule)
        assert got[np.argmax(np.abs(got))] > 0
    np.testing.assert_allclose(ratio, s[:3] ** 2 / (s**2).sum(), rtol=1e-6)
    assert principal_axes(x[:2], 3)[1].shape == (2, 12)  # two rows have only two directions of spread
