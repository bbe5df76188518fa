import json

import pytest

from engines.core.assets import AssetError, AssetRegistry, record_asset
from engines.core.paths import assets_dir


def make_root(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.bin").write_bytes(b"hello assets")
    record_asset("data/a.bin", root=tmp_path, made_by="test", provenance="written by the test",
                 licence="MIT", metrics={"size_ok": 1})
    return tmp_path


def test_recorded_asset_verifies(tmp_path):
    reg = AssetRegistry(make_root(tmp_path))
    assert reg.path("data/a.bin").read_bytes() == b"hello assets"
    assert reg.info("data/a.bin").metrics == {"size_ok": 1}
    assert reg.verify_all() == {"data/a.bin": "ok"}


def test_tampered_asset_is_rejected(tmp_path):
    root = make_root(tmp_path)
    (root / "data" / "a.bin").write_bytes(b"hellO assets")  # same size, other bytes
    with pytest.raises(AssetError, match="sha256"):
        AssetRegistry(root).path("data/a.bin")


def test_unlisted_and_missing_assets(tmp_path):
    root = make_root(tmp_path)
    reg = AssetRegistry(root)
    with pytest.raises(AssetError, match="not a listed asset"):
        reg.path("data/other.bin")
    (root / "data" / "a.bin").unlink()
    with pytest.raises(AssetError, match="missing"):
        reg.path("data/a.bin")


def test_manifest_entries_need_provenance(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"assets": {"x": {"sha256": "0", "size": 1}}}))
    with pytest.raises(AssetError, match="lacks"):
        AssetRegistry(tmp_path)


def test_every_shipped_asset_matches_the_manifest():
    report = AssetRegistry(assets_dir()).verify_all()
    assert report, "the manifest lists no assets"
    assert {name: status for name, status in report.items() if status != "ok"} == {}
