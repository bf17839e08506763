"""The README is the front door: short, and everything it names exists and runs (#14)."""

import glob
import re
import subprocess
import sys

import pytest
from conftest import ROOT, cli

from analysis.cli import COMMANDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)
PATH = re.compile(r"(?<![\w/.])((?:scenarios|docs|tests|analysis|sim|benchmarks|tools)"
                  r"/[\w./*-]*[\w*])")


def test_the_readme_is_a_front_door():
    assert len(README.splitlines()) <= 250
    assert [lang for lang, _ in BLOCKS].count("bash") >= 2


def test_every_command_it_names_is_a_command():
    # as written to be typed: in backticks or at the start of a code block's line
    named = set(re.findall(r"(?:`|^)channelsim ([a-z][a-z-]*)", README, re.M))
    assert {"validate", "compare", "report", "breakeven", "init"} <= named
    assert named <= set(COMMANDS), named - set(COMMANDS)
    table = re.findall(r"^\| `channelsim ([^`]+)`", README, re.M)
    for row in table:                 # `channelsim sweep`, `sensitivity`, ... in one row
        for word in re.findall(r"(?:^|`, `)([a-z][a-z-]*)", row):
            assert word in COMMANDS, word


def test_every_make_target_it_names_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    assert {"demo", "test", "test-slow"} <= named <= targets, named - targets


def test_every_file_and_link_it_names_exists():
    links = [t for t in re.findall(r"\]\(([^)#]+)", README) if not t.startswith("http")]
    paths = PATH.findall(README)
    assert len(links) > 10 and len(paths) > 5
    for name in links + paths:
        if "*" in name:
            assert glob.glob(str(ROOT / name)), name
        else:
            assert (ROOT / name).exists(), name


def test_the_quick_commands_of_its_first_block_run():
    bash = next(body for lang, body in BLOCKS if lang == "bash" and "channelsim validate" in body)
    line = next(x for x in bash.splitlines() if x.startswith("channelsim validate"))
    files = sorted(glob.glob(str(ROOT / line.split()[-1])))
    r = cli("validate", *files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok") == len(files) > 5


@pytest.mark.slow
def test_its_comparison_and_python_example_run(tmp_path):
    """The README's compare line (10 futures of the case) and its Python block, as written."""
    bash = next(body for lang, body in BLOCKS if lang == "bash" and "channelsim compare" in body)
    line = next(x for x in bash.splitlines() if x.startswith("channelsim compare"))
    args = line.split()[1:]
    args[args.index("--out") + 1] = str(tmp_path / "readme")
    r = cli(*args, "--quiet")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "readme" / "summary.json").is_file()
    code = next(body for lang, body in BLOCKS if lang == "python")
    code = code.replace("/tmp/readme", str(tmp_path / "py"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) >= 3
