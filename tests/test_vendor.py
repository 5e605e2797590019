"""tools/vendor.py: pinned, verified, unpacked local copies of the exports' JavaScript."""
import base64
import hashlib
import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("vendor", Path(__file__).resolve().parent.parent / "tools" / "vendor.py")
vendor = importlib.util.module_from_spec(SPEC)
sys.modules["vendor"] = vendor  # dataclasses look their module up there
SPEC.loader.exec_module(vendor)


def tarball(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_verify_accepts_the_pinned_hash_and_refuses_any_other():
    data = b"some tarball"
    vendor.verify(data, integrity(data))
    with pytest.raises(ValueError, match="does not match"):
        vendor.verify(data + b"!", integrity(data))
    with pytest.raises(ValueError, match="sha512"):
        vendor.verify(data, "sha1-abc")


def test_unpack_strips_the_package_folder_and_skips_escapes(tmp_path):
    data = tarball({"package/dist/a.js": b"A", "package/README.md": b"R", "package/../../evil": b"E"})
    dest = tmp_path / "pkg"
    vendor.unpack(data, dest)
    assert (dest / "dist" / "a.js").read_bytes() == b"A"
    assert (dest / "README.md").read_bytes() == b"R"
    assert not any(p.name == "evil" for p in tmp_path.rglob("*"))


def test_every_pin_is_exact_and_sha512_and_folders_differ():
    folders = [p.folder for p in vendor.PACKAGES]
    assert len(set(folders)) == len(folders)
    for pkg in vendor.PACKAGES:
        assert pkg.version.count(".") == 2 and pkg.version.replace(".", "").isdigit(), pkg
        assert pkg.integrity.startswith("sha512-"), pkg
        assert pkg.url.endswith(f"-{pkg.version}.tgz")


def test_a_package_counts_as_present_only_with_the_pinned_stamp(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor, "VENDOR", tmp_path)
    pkg = vendor.PACKAGES[0]
    assert not vendor.is_present(pkg)
    folder = tmp_path / pkg.folder
    folder.mkdir()
    (folder / vendor.STAMP).write_text("sha512-other\n")
    assert not vendor.is_present(pkg)
    (folder / vendor.STAMP).write_text(pkg.integrity + "\n")
    assert vendor.is_present(pkg)
