"""What a person sees in a terminal (#25): summaries that fit, help in words, --quiet."""

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import tempfile
import termios

import pytest
from conftest import CLI, FIXTURES, ROOT, model
from rich.console import Console
from typer.testing import CliRunner

from analysis.cli import COMMANDS, app, main
from analysis.cli.terminal import _p, _pct, print_comparison, print_summary
from analysis.comparison.narrative import headline
from analysis.comparison.paired import compare
from analysis.comparison.summary import yearly_summary

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def printed(show, width: int) -> list[str]:
    """The lines ``show(console)`` prints on a console of a fixed width (as on a terminal)."""
    out = io.StringIO()
    show(Console(width=width, file=out, color_system=None))
    return out.getvalue().splitlines()


def one_line(lines: list[str]) -> str:
    """The text with line breaks and runs of spaces as single spaces (wrapped sentences)."""
    return " ".join(" ".join(lines).split())


@pytest.fixture(scope="module")
def comparison(small_comparison):
    return compare(small_comparison)


def table_cells(lines: list[str]) -> dict[str, dict[str, str]]:
    """Every printed table read back: row name -> header (its lines joined) -> cell."""
    cells: dict[str, dict[str, str]] = {}
    headers: list[list[str]] = []
    for line in lines:
        if line.startswith("┏"):
            headers = []
        elif line.startswith("┃"):
            parts = [x.strip() for x in line.strip("┃").split("┃")]
            headers = [[*h, p] for h, p in zip(headers, parts, strict=True)] if headers else [
                [p] for p in parts]
        elif line.startswith("│"):
            parts = [x.strip() for x in line.strip("│").split("│")]
            names = [" ".join(x for x in h if x) for h in headers]
            cells.setdefault(parts[0], {}).update(zip(names[1:], parts[1:], strict=True))
    return cells


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_comparison_fits_and_keeps_every_strategys_headline(comparison, width):
    lines = printed(lambda c: print_comparison(comparison, c), width)
    assert max(map(len, lines)) <= width
    text = one_line(lines)
    cells = table_cells(lines)
    assert len(comparison.strategies) == 2
    for r in comparison.strategies.values():
        # the verdict, whole, though wrapped at words
        assert " ".join(headline(r, comparison.weeks).split()) in text
        interval = _pct(r.windows.turnover_after)          # e.g. -2.7% [-10.7, +5.4]
        assert re.fullmatch(r"[+-]\d+\.\d% \[[+-]\d+\.\d, [+-]\d+\.\d\]", interval)
        if width == 80:      # one block per strategy: each figure on its label's line
            block = lines[lines.index(next(x for x in lines if x.startswith(f"{r.title} ─"))):]
            assert f"Δ turnover after start [95% CI]  {interval}" in block
            assert next(x for x in block if x.startswith("P(shrink) ")).endswith(
                f" {_p(r.p_shrink)}")
        else:                # the strategy's row of the table(s), each cell whole
            row = cells[r.title]
            assert row["Δ turnover after start [95% CI]"] == interval
            assert row["P(shrink)"] == _p(r.p_shrink)
            assert row["worst dip"] == f"{r.dip.depth_pct:+.1f}% (wk {r.dip.week})"
            assert len(row) == 11                # every figure, in one table or two


def test_the_layout_follows_the_width(comparison):
    """One table when wide, two of fewer columns at 100, blocks at 80; today's at 200."""
    def tables(width):
        return sum(x.startswith("┏") for x in printed(lambda c: print_comparison(comparison, c),
                                                      width))
    assert [tables(w) for w in (80, 100, 160, 200)] == [0, 2, 1, 1]
    wide = printed(lambda c: print_comparison(comparison, c), 200)
    assert any("Δ turnover after start [95% CI]" in x for x in wide)  # the header on one line


@pytest.mark.parametrize("width", [80, 100])
def test_the_yearly_summary_fits(width):
    kpis = model("small", 3, 60).tables()["kpis"]
    lines = printed(lambda c: print_summary("small", "EUR", kpis, c), width)
    assert max(map(len, lines)) <= width
    years = yearly_summary(kpis)
    assert len(years) == 2                      # 52 weeks and 8
    for _, y in years.iterrows():               # every year's total, whole, in its row
        total = f"{y['turnover'] / 1000:,.0f}"
        assert any(re.match(rf"│ +{int(y['year'])} │ .*│ +{total} │", x) for x in lines), total
        assert any(f"│ {int(y['agents_contracted']):>10d} │" in x for x in lines)


def in_terminal(args, columns: int) -> list[str]:
    """``channelsim ARGS`` in a pseudo-terminal of ``columns``; its lines, styles removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen([*CLI, *map(str, args)], stdout=slave, stderr=err, cwd=ROOT,
                             env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:                  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        assert p.wait(timeout=600) == 0, err.seek(0) or err.read()
    text = ANSI.sub("", b"".join(chunks).decode())
    return text.replace("\r\n", "\n").splitlines()


@pytest.mark.parametrize("columns", [80, 100])
def test_compare_in_a_real_terminal_fits_it(columns):
    # a short folder name: the line naming it is as long as the name
    with tempfile.TemporaryDirectory(prefix="c") as out:
        lines = in_terminal(["compare", FIXTURES / "small.yaml", FIXTURES / "small_cut.yaml",
                             "--reps", "2", "--weeks", "26", "--workers", "1", "--out", out,
                             "--quiet"], columns)
    assert max(map(len, lines)) <= columns, [x for x in lines if len(x) > columns]
    text = one_line(lines)
    assert "simulated futures small_cut" in text and "P(shrink)" in text
    assert ("┏" in text) == (columns == 100)            # tables at 100, blocks at 80
    assert "replications done" not in text               # quiet: no progress
    assert f"summary.json in {out}/" in text


# Typer's type names as help shows them: <int range>, <list[Path]>, <bool>, <path>, <str>
TYPE_NAME = re.compile(r"<(list|bool|int|float|path|str|file|text|tuple|datetime)\b[^>]*>",
                       re.IGNORECASE)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_names_values_in_words(command):
    r = CliRunner().invoke(app, [*([command] if command else []), "--help"],
                           env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"})
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output and "--help" in r.output
    assert not TYPE_NAME.findall(r.output), (command, TYPE_NAME.findall(r.output))
    for typed in ("<list", "<bool", "<int", "<float", "<Path", "<path", "<str>", "x>=", "<=x"):
        assert typed not in r.output, (command, typed)


def test_help_words_for_values_and_switches():
    text = CliRunner().invoke(app, ["compare", "--help"], env={"COLUMNS": "120"}).output
    rows = {m.group(1): m.group(2).strip() for m in
            re.finditer(r"│\s+(--[a-z-]+)\s+(\S*(?: \[[^\]]*\])?)", text)}
    assert rows["--out"] == "FOLDER" and rows["--reps"] == "N [at least 1]"
    assert rows["--weeks"] == "WEEKS [1 to 5200]" and rows["--scheduler"] == "ADDRESS"
    assert rows["--material-share"] == "PERCENT [0.0 to 100.0]"
    # a switch takes no value: its help text follows it directly (read across wrapped rows)
    flat = " ".join(text.replace("│", " ").split())
    assert "--quiet No progress output; results and errors are still printed." in flat
    assert "--help Show this message and exit." in flat
    assert "STRATEGIES ... Strategy files to compare." in flat


def channelsim(capsys, *args) -> str:
    """``channelsim ARGS`` run in this process (no interpreter start); what it printed."""
    with pytest.raises(SystemExit) as end:
        main([str(a) for a in args])
    out = capsys.readouterr()
    assert end.value.code == 0, out.err
    return out.out


def test_sweep_quiet_prints_the_result_without_the_progress(tmp_path, capsys):
    args = ["sweep", FIXTURES / "small.yaml", "--vary", "competitor.aggressiveness=0.2:0.8:2",
            "--reps", "2", "--weeks", "8", "--workers", "1"]
    loud = channelsim(capsys, *args, "--out", tmp_path / "loud")
    out = channelsim(capsys, *args, "--out", tmp_path / "quiet", "--quiet")
    progress = [x for x in loud.splitlines() if "replications done" in x]
    # the input and two points, two futures each
    assert progress and progress[-1].startswith("[6/6] replications done")
    assert "replications done" not in out
    assert out.startswith("Turnover is highest at competitor.aggressiveness = 0.2")
    assert "turnover_change_pct" in out and "p_shrink" in out
    assert out.rstrip().endswith(f"tables, charts and study.json in {tmp_path / 'quiet'}/")
    # the same results as without --quiet, only the progress lines gone
    rest = [x for x in loud.splitlines() if "replications done" not in x]
    assert out.replace(str(tmp_path / "quiet"), "X").splitlines() == [
        x.replace(str(tmp_path / "loud"), "X") for x in rest]
