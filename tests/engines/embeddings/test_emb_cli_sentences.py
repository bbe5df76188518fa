"""``python -m engines.embeddings embed|similarity|search``: sentence vectors from the command line."""

import json

from engines.embeddings.__main__ import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_embed_gives_unit_vectors(capsys):
    report = run_json(capsys, "embed", "--encoder", "minilm", "the tiger hunts in this forest", "hello")
    assert report["dims"] == 384 and len(report["vectors"]) == 2
    v = report["vectors"][0]["vector"]
    assert abs(sum(x * x for x in v) - 1.0) < 1e-3


def test_similarity_matrix_orders_the_talks_sentences(capsys):
    talk = ["lion is the king of the jungle", "the tiger hunts in this forest", "everybody loves new york"]
    for encoder in ("minilm", "average"):
        m = run_json(capsys, "similarity", "--encoder", encoder, *talk)["matrix"]
        assert m[0][0] > 0.999 and m[0][1] == m[1][0]
        assert m[0][1] > m[0][2] and m[0][1] > m[1][2]
    m = run_json(capsys, "similarity", "--encoder", "average", "dog bites man", "man bites dog")["matrix"]
    assert m[0][1] > 0.9999


def test_search_ranks_a_users_file(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("Buy milk and bread.\n\nThe exam is on Friday at nine.\nCall the plumber about the sink.\n")
    report = run_json(capsys, "search", "--encoder", "minilm", "--file", str(notes), "when is the test", "--top", "2")
    assert report["lines_searched"] == 3 and report["hits"][0]["line"] == 3
    assert report["hits"][0]["text"].startswith("The exam")


def test_bad_files_and_missing_fp32_are_one_line_errors(tmp_path, capsys, monkeypatch):
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert main(["search", "anything", "--file", str(binary)]) == 2
    assert "binary" in capsys.readouterr().err
    monkeypatch.setenv("AI_LAB_MINILM_DIR", str(tmp_path / "nothing-here"))
    assert main(["embed", "--precision", "fp32", "hello"]) == 2
    assert "build_sentence_encoder.py" in capsys.readouterr().err
    assert main(["similarity", "only one"]) == 2
    assert "at least two" in capsys.readouterr().err
