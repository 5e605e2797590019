"""Local copies of the JavaScript the static exports load, so they work offline.

``make html`` and ``make slides`` write pages that would otherwise load MathJax,
require.js, the Jupyter widget manager and reveal.js from public CDNs. This tool
fetches each package once from the npm registry, at the exact version pinned in
``PACKAGES`` below, checks the tarball against its pinned sha512 (the registry's
``integrity`` field), and unpacks it into ``build/vendor/<folder>/``. After that
no build and no page needs the network.

    python tools/vendor.py            # fetch what is missing, verify, unpack
    python tools/vendor.py --check    # exit 1 if anything is missing

A package already unpacked (its folder holds the ``.integrity`` stamp with the
pinned hash) is not fetched again. A mismatching download is refused.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "build" / "vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    name: str        # npm package name
    version: str     # exact version
    integrity: str   # the registry's dist.integrity for that version (sha512, base64)
    folder: str      # where it is unpacked, under build/vendor/

    @property
    def url(self) -> str:
        base = self.name.split("/")[-1]
        return f"{REGISTRY}/{self.name}/-/{base}-{self.version}.tgz"


#: Every file the static exports load comes from one of these.
PACKAGES = [
    # nbconvert's HTML template speaks MathJax 2's configuration; 2.7.9 is the last 2.x.
    Package("mathjax", "2.7.9",
            "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl5p9G2IHcAl/wJa+5+BQ==",
            "mathjax"),
    Package("requirejs", "2.3.8",
            "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
            "requirejs"),
    # The widget manager for ipywidgets 8 (renders stored widget state without a kernel).
    Package("@jupyter-widgets/html-manager", "1.0.15",
            "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
            "html-manager"),
    # nbconvert's reveal template is written for reveal.js 4 (dist/ and plugin/ layout).
    Package("reveal.js", "4.6.0",
            "sha512-QC80rYsZldAe95bW9VImucIPTjfsKhI0jRQrIOXU4P92ZyXb/dfw9L3EE96bN6i7UmeUl1qBieH4UNTr25erYw==",
            "reveal.js"),
]

STAMP = ".integrity"


def path(folder: str) -> Path:
    """The unpacked package's folder (build/vendor/<folder>)."""
    return VENDOR / folder


def is_present(pkg: Package) -> bool:
    stamp = path(pkg.folder) / STAMP
    return stamp.is_file() and stamp.read_text().strip() == pkg.integrity


def verify(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"integrity must be sha512-..., got {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(f"download does not match its pinned sha512 (got sha512-{actual})")


def unpack(data: bytes, dest: Path) -> None:
    """Unpack an npm tarball (every file under ``package/``) into ``dest``."""
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            parts = Path(member.name).parts
            if len(parts) < 2 or ".." in parts:
                continue
            target = tmp.joinpath(*parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:
                target.write_bytes(src.read())
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def fetch(pkg: Package, timeout: float = 120) -> None:
    print(f"fetching {pkg.name}@{pkg.version} from the npm registry", flush=True)
    with urllib.request.urlopen(pkg.url, timeout=timeout) as response:
        data = response.read()
    verify(data, pkg.integrity)
    dest = path(pkg.folder)
    unpack(data, dest)
    (dest / STAMP).write_text(pkg.integrity + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a package is missing")
    args = parser.parse_args(argv)
    missing = [pkg for pkg in PACKAGES if not is_present(pkg)]
    if args.check:
        for pkg in missing:
            print(f"missing: {pkg.name}@{pkg.version} (run: python tools/vendor.py)")
        return 1 if missing else 0
    for pkg in missing:
        try:
            fetch(pkg)
        except OSError as exc:
            sys.exit(f"could not fetch {pkg.name}@{pkg.version} from {pkg.url}: {exc}\n"
                     "The static exports need it once; connect to the npm registry and run make again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
