"""The README's system packages and the ones .ci/run installs are one list."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_what_ci_installs():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r"^packages=\(([^)]*)\)", script, re.MULTILINE).group(1).split()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## System packages"):]
    command = re.search(r"```sh\napt-get install (.*?)\n```", section, re.DOTALL).group(1)
    assert command.replace("\\", " ").split() == installed
    assert "libpulse0" in installed  # QtMultimedia's audio client: the sounds
