"""Sentences as vectors: the shipped int8 MiniLM, the average of GloVe vectors, similarity, semantic search."""

import numpy as np
import pytest

from engines.core.jobs import CancelToken, JobCancelled, Progress, collect
from engines.embeddings import sentence_eval as ev
from engines.embeddings.sentences import (SearchFileError, get_encoder, read_search_lines, sample_text_path,
                                          search_job, similarity_matrix)

TALK = ["lion is the king of the jungle", "the tiger hunts in this forest", "everybody loves new york"]


@pytest.fixture(scope="module")
def minilm():
    return get_encoder("minilm")  # the shipped int8 copy, loaded once for the module


@pytest.fixture(scope="module")
def average():
    return get_encoder("average")


@pytest.mark.parametrize("name", ["minilm", "average"])
def test_lion_and_tiger_are_closer_to_each_other_than_to_new_york(request, name):
    encoder = request.getfixturevalue(name)
    vectors = encoder.encode(TALK)
    assert vectors.shape == (3, encoder.dims)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sim = similarity_matrix(vectors)
    assert sim[0, 1] > sim[0, 2] + 0.1 and sim[0, 1] > sim[1, 2] + 0.1


def test_word_order_changes_minilm_but_not_the_average(minilm, average):
    pair = ["dog bites man", "man bites dog"]
    assert similarity_matrix(average.encode(pair))[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert similarity_matrix(minilm.encode(pair))[0, 1] < 0.97


def test_batching_does_not_change_a_vector(minilm):
    alone = minilm.encode(["dog bites man"])[0]
    in_batch = minilm.encode(["dog bites man", "a much longer sentence that forces padding onto the short one"])[0]
    assert np.abs(alone - in_batch).max() < 1e-5


def test_average_of_unknown_words_is_zero_and_says_so(average):
    known, unknown = average.words("The zzqxv lion's den")
    assert known == ["the", "lion", "'s", "den"] and unknown == ["zzqxv"]
    assert not np.any(average.encode(["zzqxv qqqzy"]))


def test_minilm_ranks_the_shipped_pairs_better_than_the_average(minilm, average):
    pairs = ev.load_sts_pairs()
    assert len(pairs) >= 70
    rho_minilm, rho_average = ev.sts_spearman(minilm, pairs), ev.sts_spearman(average, pairs)
    assert rho_minilm > 0.8 and rho_minilm > rho_average + 0.05, (rho_minilm, rho_average)


def test_spearman_handles_ties_and_order():
    assert ev.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert ev.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert list(ev.ranks([5, 1, 5, 3])) == [3.5, 1.0, 3.5, 2.0]
    assert ev.spearman([1, 2, 3], [1, 1, 1]) == 0.0


def test_search_finds_the_line_that_means_the_query(minilm):
    lines = read_search_lines(sample_text_path())
    events, result = collect(search_job(minilm, "a big cat stalks its prey among the trees", lines, top=3))
    assert result.hits[0].text == "The tiger hunts in this forest at night."
    assert result.hits[0].line_no == 2 and result.lines_searched == len(lines)
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].step == progress[-1].total == len(lines)
    _, result = collect(search_job(minilm, "my computer keeps crashing", lines, top=3))
    assert any(w in result.hits[0].text for w in ("laptop", "crashed", "freezes"))


def test_search_can_be_cancelled(minilm):
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        collect(search_job(minilm, "tiger", [(1, "a"), (2, "b")], cancel=token))


def test_search_file_errors_are_clear(tmp_path):
    cases = {"binary.bin": b"\x89PNG\r\n\x1a\n\x00\x00\x00", "empty.txt": b"  \n\n", "latin1.txt": b"caf\xe9\n"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(SearchFileError, match="binary"):
        read_search_lines(tmp_path / "binary.bin")
    with pytest.raises(SearchFileError, match="empty"):
        read_search_lines(tmp_path / "empty.txt")
    with pytest.raises(SearchFileError, match="not UTF-8"):
        read_search_lines(tmp_path / "latin1.txt")
    with pytest.raises(SearchFileError, match="does not exist"):
        read_search_lines(tmp_path / "nope.txt")
    big = tmp_path / "big.txt"
    big.write_text("a line\n" * 2000)
    with pytest.raises(SearchFileError, match="MB"):
        read_search_lines(big, max_bytes=1000)
    with pytest.raises(SearchFileError, match="2,000 lines"):
        read_search_lines(big, max_lines=100)
    assert read_search_lines(big)[1] == (2, "a line")


def test_the_shipped_encoder_runs_without_importing_torch():
    """The lite build has no torch, and importing it would cost seconds before the first vector."""
    import subprocess
    import sys

    code = ("import sys\nfrom engines.embeddings.sentences import get_encoder\n"
            "v = get_encoder('minilm').encode(['dog bites man'])\nassert v.shape == (1, 384)\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
