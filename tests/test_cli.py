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


def test_tokenize_folder_json_output(minilm_dir, capsys) -> None:
    import json

    assert main(["tokenize", "-t", str(minilm_dir), "--json", "I've been waiting for a HuggingFace course my whole life."]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["ids"] == [101, 1045, 1005, 2310, 2042, 3403, 2005, 1037, 17662, 12172, 2607, 2026, 2878, 2166, 1012, 102]
    assert row["offsets"][1] == [0, 1]


def test_tokenize_gguf_and_model_files(smollm_gguf, mistral_data_dir, capsys) -> None:
    import json

    assert main(["tokenize", "-t", str(smollm_gguf), "--json", "The capital of France is"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"][:2] == ["The", "Ġcapital"]
    assert main(["tokenize", "-t", str(mistral_data_dir / "tokenizer.model.v1"), "--json", "Hi there"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == ["▁Hi", "▁there"]


def test_folder_without_tokenizer_lists_what_it_looked_for(tmp_path, capsys) -> None:
    assert main(["tokenize", "-t", str(tmp_path), "x"]) == 2
    assert "tokenizer.json" in capsys.readouterr().err
