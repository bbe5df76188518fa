"""Bad input files and words: ONNX files (corrupt, oversized, external data outside their folder),
safetensors written by hand, malformed points CSVs, out-of-vocabulary words in vector arithmetic."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from engines.core.device import DeviceInfo
from engines.core.model_io import ModelFileError, load_tensors, save_tensors
from engines.embeddings.projection import axes_projection
from engines.embeddings.vectors import OutOfVocabularyError, WordVectors
from engines.neuralnet.datasets import DatasetFileError, load_csv

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from engines.core.onnx_session import create_session

CPU = DeviceInfo("cpu", "CPU", "cpu")


def _onnx_model(path: Path, external_location: str | None = None) -> Path:
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if external_location is not None:
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", external_location
        weight.ClearField("raw_data")
        model.graph.ClearField("initializer")
        model.graph.initializer.append(weight)
    onnx.save(model, str(path))
    return path


@pytest.fixture
def models(tmp_path) -> Path:
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(8, dtype=np.float32).tobytes())
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("location", [
    "../secret.bin",
    "sub/../../secret.bin",
    "ABSOLUTE",
    "../models_evil/data.bin",  # a sibling folder whose name starts like this one
    "SYMLINK",
])
def test_onnx_external_data_outside_its_folder_is_refused(models, location):
    if location == "ABSOLUTE":
        location = str(models.parent / "secret.bin")
    elif location == "SYMLINK":  # a link inside the folder that points out of it
        os.symlink(models.parent / "secret.bin", models / "link.bin")
        location = "link.bin"
    elif "models_evil" in location:
        (models.parent / "models_evil").mkdir()
        (models.parent / "models_evil" / "data.bin").write_bytes(bytes(32))
    path = _onnx_model(models / "evil.onnx", external_location=location)
    with pytest.raises(ModelFileError) as err:
        create_session(path, CPU)
    assert err.value.kind == "unsafe" and "outside its folder" in str(err.value)


def test_onnx_external_data_inside_its_folder_loads_and_missing_data_is_named(models):
    (models / "weights.bin").write_bytes(np.arange(8, dtype=np.float32).tobytes())
    session = create_session(_onnx_model(models / "ok.onnx", external_location="weights.bin"), CPU)
    (y,) = session.run(None, {"x": np.ones((1, 4), np.float32)})
    assert y.tolist() == [[12.0, 16.0]]
    with pytest.raises(ModelFileError, match="external data file 'gone.bin' is missing"):
        create_session(_onnx_model(models / "gone.onnx", external_location="gone.bin"), CPU)


@pytest.mark.parametrize("damage", ["zero-byte", "truncated", "text", "safetensors-renamed"])
def test_damaged_onnx_files_are_reported_as_corrupt(tmp_path, damage):
    good = _onnx_model(tmp_path / "good.onnx").read_bytes()
    data = {
        "zero-byte": b"",
        "truncated": good[: len(good) // 2],
        "text": b"this is not a model\n" * 20,
        "safetensors-renamed": b"\x10\x00\x00\x00\x00\x00\x00\x00{}              ",
    }[damage]
    path = tmp_path / "bad.onnx"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as err:
        create_session(path, CPU)
    assert err.value.kind == "corrupt" and "bad.onnx" in str(err.value)


def test_oversized_and_missing_onnx_files(tmp_path):
    with pytest.raises(ModelFileError, match="is too large"):
        create_session(_onnx_model(tmp_path / "m.onnx"), CPU, max_bytes=64)
    with pytest.raises(ModelFileError) as err:
        create_session(tmp_path / "nope.onnx", CPU)
    assert err.value.kind == "missing"


def test_hand_made_safetensors_with_overlapping_or_bad_offsets(tmp_path):
    import json
    import struct

    path = tmp_path / "w.safetensors"
    save_tensors(path, {"a": np.ones(4, np.float32)})
    assert load_tensors(path)["a"].tolist() == [1, 1, 1, 1]
    for bad in ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}},  # shape and size disagree
                {"a": {"dtype": "F32", "shape": [4]}},  # no offsets
                {"a": {"dtype": "Q99", "shape": [4], "data_offsets": [0, 16]}}):  # unknown dtype
        header = json.dumps(bad).encode()
        path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(16))
        with pytest.raises(ModelFileError) as err:
            load_tensors(path)
        assert err.value.kind in {"corrupt", "truncated"}


# --- points CSV -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "has 0 data rows"),
    (b"\n\n# only comments\n\n", "has 0 data rows"),
    (b"x,y,label\n", "has 0 data rows"),
    (b"1;2;0\n3;4;1\n5;6;0\n7;8", "line 4: found 2 values"),
    (b"0,0,0\n1,1,inf\n2,2,1\n3,3,0\n", "line 2: values must be finite"),
    (b"0,0,0\n1,-Infinity,1\n2,2,1\n3,3,0\n", "line 2: values must be finite"),
    (b"0,0,0\n1e400,1,1\n2,2,1\n3,3,0\n", "line 2: values must be finite"),  # overflows to inf
    (b"0,0,0\n1,1,1\n,,\n3,3,0\n", "line 3: '' is not a number"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not a UTF-8 text file"),
    (b"\x00\x01\x02\x03" * 10, "found 1 value"),
    ("x,y,label\n" + "".join(f"{i},{i},{i}\n" for i in range(20)), "20 different labels; the limit is 10"),
])
def test_malformed_points_csv_files_get_a_message_saying_where(tmp_path, data, message):
    path = tmp_path / "points.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    with pytest.raises(DatasetFileError, match=message) as err:
        load_csv(path)
    assert "points" in str(err.value)


def test_a_points_file_with_too_many_rows_is_refused(tmp_path, monkeypatch):
    from engines.neuralnet import datasets

    monkeypatch.setattr(datasets, "MAX_CSV_ROWS", 50)
    path = tmp_path / "big.csv"
    path.write_text("".join(f"{i},{i},{i % 2}\n" for i in range(60)))
    with pytest.raises(DatasetFileError, match="more than 50 points"):
        load_csv(path)


# --- out-of-vocabulary words --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store() -> WordVectors:
    words = ["the", "king", "queen", "man", "woman", "cat", "dog", "paris", "france"]
    rng = np.random.default_rng(0)
    return WordVectors(words, rng.standard_normal((len(words), 6)).astype(np.float32), "tiny")


@pytest.mark.parametrize("call", [
    lambda s, w: s.analogy(w, "man", "woman"),
    lambda s, w: s.analogy("king", "man", w, method="mul"),
    lambda s, w: s.analogy("king", "man", "woman", expected=w),
    lambda s, w: s.most_similar(positive=["king", w]),
    lambda s, w: s.most_similar(positive=["king"], negative=[w]),
    lambda s, w: s.most_similar_cosmul(positive=[w]),
    lambda s, w: s.similarity("cat", w),
    lambda s, w: s.doesnt_match(["cat", "dog", w]),
    lambda s, w: axes_projection(s, [f"man:{w}"]),
    lambda s, w: s[w],
], ids=["analogy-a", "analogy-mul-c", "analogy-expected", "similar-pos", "similar-neg", "cosmul", "similarity",
        "doesnt-match", "axis", "getitem"])
@pytest.mark.parametrize("word", ["zebra", "Kingg", "", " ", "é\u0301", "<unk>", "x" * 10_000])
def test_unknown_words_in_vector_arithmetic_name_the_word(store, call, word, request):
    if not word.strip() and request.node.callspec.id.endswith("-axis"):
        with pytest.raises(ValueError, match="both ends of the axis need a word"):  # caught before the lookup
            call(store, word)
        return
    started = time.perf_counter()
    with pytest.raises(OutOfVocabularyError) as err:
        call(store, word)
    assert err.value.word == word
    text = str(err.value)
    assert repr(word[:60])[:-1] in text and "is not in the vocabulary of 9 words" in text
    assert len(text) < 300  # a pasted page is not echoed back whole
    assert time.perf_counter() - started < 0.5  # even for a 10,000-character "word"
    assert isinstance(err.value, KeyError)  # callers that catch KeyError keep working


def test_unknown_words_get_spelling_suggestions(store):
    with pytest.raises(OutOfVocabularyError, match=r"did you mean 'king'") as err:
        store.analogy("Kingg", "man", "woman")
    assert err.value.suggestions[0] == "king"
    with pytest.raises(OutOfVocabularyError, match="did you mean 'queen'"):
        store.similarity("QUEEN", "king")
