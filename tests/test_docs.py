"""The documentation site builds in strict mode, and shows every activation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from activations._catalog import CATALOG

ROOT = Path(__file__).resolve().parent.parent


def test_site_builds_strictly_with_every_activation(tmp_path: Path) -> None:
    if not os.environ.get("CI"):  # CI installs the test extra, which has the docs tools
        pytest.importorskip("mkdocs", reason="pip install -e '.[docs]'")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    site = tmp_path / "site"
    gallery = (site / "gallery" / "index.html").read_text()
    conventions = (site / "conventions" / "index.html").read_text()
    api = (site / "api" / "index.html").read_text()
    for name in CATALOG:
        assert f'src="{name}.png"' in gallery, f"{name} has no plot in the gallery"
        assert (site / "gallery" / f"{name}.png").exists()  # beside the page, /gallery/
        assert name in conventions
    assert "assert_same_across_backends" in api and "vjp" in api
    for module in ("torch", "keras", "compat.theano", "compat.lasagne", "compat.keras2"):
        assert f"activations.{module}" in api, module
    # examples render as code (not as nested blockquotes of ">>>")
    assert "<blockquote>" not in api and "&gt;&gt;&gt;" in api
    page = (site / "activations" / "index.html").read_text()
    for name in CATALOG:
        assert f'id="{name}"' in page, f"{name} has no entry in the activations page"


def test_gallery_page_lists_every_activation() -> None:
    page = (ROOT / "docs" / "gallery.md").read_text()
    for name in CATALOG:
        assert f"![{name}](gallery/{name}.png)" in page
        assert (ROOT / "docs" / "gallery" / f"{name}.png").exists()


def test_activations_page_is_generated_from_the_catalog_and_its_examples_run() -> None:
    import doctest

    from activations import _doctable

    path = ROOT / "docs" / "activations.md"
    assert path.read_text() == _doctable.reference_page(), (
        "run: python -m activations._doctable --write"
    )
    result = doctest.testfile(str(path), module_relative=False)
    assert result.attempted >= 2 * len(CATALOG) and result.failed == 0
