"""certline-cli as a person uses it: the installed command, and a conversation at a terminal."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SECRETS = ("CERTLINE_PIN", "CERTLINE_TOKEN", "CERTLINE_NEW_PIN")


def cli_command() -> str:
    """The installed ``certline-cli`` of the interpreter running the tests."""
    return shutil.which("certline-cli") or str(Path(sys.executable).with_name("certline-cli"))


def converse(argv: list[str], answers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """Run the real command on a pseudo-terminal (POSIX), typing each answer when its prompt shows.

    No PIN or token comes from the environment. Returns the exit status and everything the terminal showed.
    """
    import pty
    import select

    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its standard input, output and error are the terminal
        os.execve(cli_command(), [cli_command(), *argv], env)
    seen = b""

    def read_until(marker: bytes | None) -> None:
        nonlocal seen
        while marker is None or marker not in seen:
            ready, _, _ = select.select([terminal], [], [], 60)
            assert ready, seen
            try:
                chunk = os.read(terminal, 1024)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk and marker is None:
                return
            assert chunk, seen
            seen += chunk

    for prompt, answer in answers:
        read_until(prompt)
        os.write(terminal, answer + b"\n")
    read_until(None)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen
