"""``halkit completion bash|zsh|fish``: scripts generated from the parser, that the shells accept."""

from __future__ import annotations

import shutil
import subprocess
from typing import List

import pytest
from clirun import run


def _bash_complete(script: str, words: List[str]) -> List[str]:
    line = " ".join(f"'{w}'" for w in words)
    program = f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _halkit; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_commands_and_options() -> None:
    code, script, _ = run("completion", "bash")
    assert code == 0 and "complete -F _halkit halkit" in script
    assert subprocess.run(["bash", "-n"], input=script, text=True, timeout=30).returncode == 0
    assert _bash_complete(script, ["halkit", "c"]) == ["crawl", "check-profiles", "completion"]
    assert set(_bash_complete(script, ["halkit", "get", "--fo"])) == {"--follow", "--format"}
    assert "--max-resources" in _bash_complete(script, ["halkit", "-q", "crawl", "--max"])
    assert _bash_complete(script, ["halkit", "completion", "f"]) == ["fish"]


def test_zsh_and_fish_scripts() -> None:
    code, zsh, _ = run("completion", "zsh")
    assert code == 0 and zsh.startswith("#compdef halkit") and "bashcompinit" in zsh
    code, fish, _ = run("completion", "fish")
    assert code == 0
    assert "complete -c halkit -n '__fish_seen_subcommand_from get' -l follow -s f -r" in fish
    assert "-l color -l colour -xa 'auto always never'" in fish
    for shell, text in (("zsh", zsh), ("fish", fish)):
        if shutil.which(shell):
            assert subprocess.run([shell, "-n"], input=text, text=True, timeout=30).returncode == 0


def test_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("completion", "tcsh")[0] == 2
