"""Timing whole processes beside a floor, for bench_cli and bench_startup: the same load average line, the
same bytecode cache an installed Certline has, and runs interleaved so that every command meets the same load."""
from __future__ import annotations

import os
from typing import Callable

Commands = dict[str, tuple[list[str], dict[str, str]]]  # name: (command, its environment)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def with_bytecode_cache(environment: dict[str, str], folder: str) -> dict[str, str]:
    """``environment`` with Python's bytecode cache kept in ``folder`` and written there, as an install has it."""
    cached = {name: value for name, value in environment.items() if name != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = folder
    return cached


def interleaved(commands: Commands, runs: int, timer: Callable[[list[str], dict[str, str]], float]
                ) -> dict[str, list[float]]:
    """Each command timed ``runs`` times by ``timer``, in turn with the others, after one untimed run of each."""
    for command, environment in commands.values():
        timer(command, environment)  # warm the OS file cache once, and write the bytecode cache
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, environment) in commands.items():
            samples[name].append(timer(command, environment))
    return samples
