"""The `lexica` command line."""

from __future__ import annotations

from lexica import __version__
from lexica.cli import main


def test_version(capsys) -> None:
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_missing_tokenizer_file_is_a_clear_error(tmp_path, capsys) -> None:
    code = main(["tokenize", "--tokenizer", str(tmp_path / "nope.json"), "hello"])
    assert code == 2
    assert "nope.json" in capsys.readouterr().err
