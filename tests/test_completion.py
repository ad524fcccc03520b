"""Shell completion: the candidates, the protocol each shell speaks, and the scripts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mockprep.cli import completion
from mockprep.paths import DB_NAME
from tests.conftest import write_bank


def _files(home: Path) -> dict[str, str]:
    """Every file in the data folder with a digest of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in home.iterdir() if p.is_file()}


def _complete(cli, monkeypatch, shell: str, line: str) -> list[str]:
    """What mockprep answers when ``shell`` asks to complete the command line ``line`` (cursor at its end)."""
    monkeypatch.setenv("_MOCKPREP_COMPLETE", f"complete_{shell}")
    if shell == "bash":
        words = line.split(" ")
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
    else:
        monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
        monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    result = cli()
    monkeypatch.delenv("_MOCKPREP_COMPLETE")
    assert result.exit_code == 0 and result.stderr == "", result
    return result.stdout.splitlines()


@pytest.fixture
def used_home(cli, home: Path, tmp_path: Path, monkeypatch) -> Path:
    """A home with an own bank, a session and a story."""
    folder = tmp_path / "banks"
    folder.mkdir()
    write_bank(folder / "nlp.toml", bank_id="my-nlp", n=2)
    assert cli("bank", "add", str(folder)).exit_code == 0
    cli("session", "--limit", "1", input="a\n\n3\n")
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\nprintf '# Bad \\033[31mtitle\\n\\n## Action\\nI did it.\\n' > \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    assert cli("story", "new").exit_code == 0
    return home


def test_candidates_come_from_the_database_without_changing_it(used_home: Path, capsys) -> None:
    capsys.readouterr()
    before = _files(used_home)
    assert ("my-nlp", "Demo my-nlp") in completion.complete_banks("my")
    assert [b for b, _ in completion.complete_banks("stat")] == ["statistics"]
    assert [t for t, _ in completion.complete_topics("demo")] == ["demo-topic"]
    assert "ml-engineer" in [r for r, _ in completion.complete_roles("")]
    assert completion.complete_stories("") == [("1", "Bad title")]  # the title's escape sequence is gone
    keys = [k for k, _ in completion.complete_behavioral_keys("core-skills/expl")]
    assert "core-skills/explain-model-to-non-experts" in keys
    assert _files(used_home) == before  # nothing written, not even a -wal or -shm file
    out, err = capsys.readouterr()
    assert out == err == ""


def test_candidates_while_another_process_writes(used_home: Path) -> None:
    from mockprep.db.store import Store

    store = Store.open(used_home, backups=False)  # holds the database open in WAL mode
    try:
        assert [b for b, _ in completion.complete_banks("my")] == ["my-nlp"]
    finally:
        store.close()


def test_no_database_means_no_candidates_and_no_database(home: Path) -> None:
    for complete in (completion.complete_banks, completion.complete_topics, completion.complete_stories):
        assert complete("") == []
    assert not (home / DB_NAME).exists()
    home.mkdir(parents=True)
    (home / DB_NAME).write_bytes(b"not a database at all" * 100)
    assert completion.complete_banks("") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_completes_commands_options_rounds_and_ids(cli, monkeypatch, used_home, shell) -> None:
    def names(line: str) -> list[str]:
        found = _complete(cli, monkeypatch, shell, line)
        if shell == "zsh":  # _arguments '*: :(("value":"help" ...))'
            return [item.split('"')[1] for item in "\n".join(found).split("\n") if '"' in item]
        return [item.split("\t")[0] for item in found]

    assert names("mockprep ")[:5] == ["session", "mock", "story", "stats", "history"]
    assert "--round" in names("mockprep session --")
    assert names("mockprep session --round ") == ["technical", "project", "behavioral"]
    assert names("mockprep session --bank my") == ["my-nlp"]
    assert names("mockprep stats -b my") == ["my-nlp"]
    assert names("mockprep mock --round b") == ["behavioral"]
    assert names("mockprep story show ") == ["1"]
    assert names("mockprep bank show my") == ["my-nlp"]


@pytest.mark.parametrize("command", ["link", "unlink"])
def test_story_link_completes_behavioral_question_keys(cli, monkeypatch, used_home, command) -> None:
    found = _complete(cli, monkeypatch, "bash", f"mockprep story {command} 1 core-skills/expl")
    assert "core-skills/explain-model-to-non-experts" in found
    everything = _complete(cli, monkeypatch, "bash", f"mockprep story {command} 1 ")
    assert everything and all("/" in key for key in everything)  # keys, not files of the folder


def test_zsh_and_fish_show_descriptions(cli, monkeypatch, used_home) -> None:
    assert '"1":"Bad title"' in "\n".join(_complete(cli, monkeypatch, "zsh", "mockprep story show "))
    assert "1\tBad title" in _complete(cli, monkeypatch, "fish", "mockprep story edit ")


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _mockprep_completion mockprep"),
        ("zsh", "compdef _mockprep_completion mockprep"),
        ("fish", "complete --command mockprep"),
    ],
)
def test_show_completion_prints_each_shells_script(cli, shell: str, marker: str) -> None:
    result = cli("--show-completion", shell)
    assert result.exit_code == 0 and marker in result.stdout
    assert "_MOCKPREP_COMPLETE=complete_" + shell in result.stdout


def test_show_completion_detects_the_shell(cli, monkeypatch) -> None:
    monkeypatch.setattr(completion, "detect_shell", lambda: "zsh")
    assert "#compdef mockprep" in cli("--show-completion").stdout
    monkeypatch.setattr(completion, "detect_shell", lambda: "tcsh")
    result = cli("--show-completion")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "cannot complete for shell tcsh" in line and "bash, zsh, fish" in line
    assert cli("--show-completion", "powershell").exit_code == 2


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_install_completion_writes_the_script_once(cli, monkeypatch, tmp_path: Path, shell: str) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for _ in range(2):  # installing again changes nothing more
        result = cli("--install-completion", shell)
        assert result.exit_code == 0 and f"Installed {shell} completion in" in result.stdout
    script = {
        "bash": tmp_path / ".bash_completions" / "mockprep.sh",
        "zsh": tmp_path / ".zfunc" / "_mockprep",
        "fish": tmp_path / ".config" / "fish" / "completions" / "mockprep.fish",
    }[shell]
    assert "_MOCKPREP_COMPLETE" in script.read_text()
    rc = {"bash": tmp_path / ".bashrc", "zsh": tmp_path / ".zshrc"}.get(shell)
    if rc is not None:
        lines = rc.read_text().splitlines()
        assert len(lines) == 1 and ("source" in lines[0] or "compinit" in lines[0])


def test_completion_options_are_in_the_help(cli) -> None:
    out = cli("--help").stdout
    assert "--install-completion" in out and "--show-completion" in out
