"""The command line and the generated documentation."""

import subprocess
import sys
from pathlib import Path

import pytest

from activations import _doctable
from activations.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def test_info_lists_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "available" in out


def test_check_prints_the_table_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check",
            "--backend",
            "numpy",
            "--activation",
            "relu",
            "--activation",
            "gelu",
            "--random",
            "50",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "relu " in out and "gelu(approximate=True)" in out and "0 failed" in out


def test_check_of_an_unknown_activation_fails_clearly() -> None:
    with pytest.raises(ValueError, match="unknown activation"):
        main(["check", "--activation", "rleu"])


def test_module_entry_point_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "activations", "info"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("activations ")


def test_conventions_doc_is_generated_from_the_catalog() -> None:
    text = (ROOT / "docs" / "conventions.md").read_text()
    assert _doctable.generated() in text, "run: python -m activations._doctable --write"


def test_readme_examples_run() -> None:
    import doctest

    result = doctest.testfile(
        str(ROOT / "README.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 5 and result.failed == 0
