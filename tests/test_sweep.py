"""Sweeps: the design, the command, its table and its errors."""

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, cli

from analysis.studies.common import parse_vary
from sim.experiments.designs import design


def test_parse_and_design():
    assert parse_vary("policy.discounts.promo=0:0.1:3") == ("policy.discounts.promo", 0.0, 0.1, 3)
    for bad in ("promo", "a=1:0:3", "a=1:1", "a=0:1:1", "a=x:1:3", "a=0:1:2.5"):
        with pytest.raises(ValueError):
            parse_vary(bad)
    grid = design([("a", 0.0, 1.0, 3), ("b", 10.0, 20.0, 2)])
    assert len(grid) == 6
    assert sorted({p["a"] for p in grid}) == [0.0, 0.5, 1.0]
    assert sorted({p["b"] for p in grid}) == [10.0, 20.0]
    lhs = design([("a", 0.0, 1.0, 0), ("b", 10.0, 20.0, 0)], samples=8, seed=1)
    a = np.array([p["a"] for p in lhs])
    assert len(lhs) == 8 and sorted(np.floor(a * 8).astype(int)) == list(range(8))


def test_sweep_command_table_and_resume(tmp_path):
    args = ["sweep", FIXTURES / "small.yaml", "--vary", "competitor.aggressiveness=0.2:0.8:3",
            "--reps", "3", "--weeks", "25", "--workers", "1", "--out", tmp_path, "--quiet"]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "sweep.csv")
    assert t["competitor.aggressiveness"].tolist() == [0.2, 0.5, 0.8]
    # the small market is written with aggressiveness 0.5: that point equals the input
    assert t.loc[1, "turnover_change_pct"] == 0 and t.loc[1, "p_shrink"] == 0
    # a fiercer competitor takes turnover; a milder one leaves more
    assert t.loc[2, "turnover_change_pct"] < 0 < t.loc[0, "turnover_change_pct"]
    assert (tmp_path / "sweep.png").stat().st_size > 5000
    assert cli("report", tmp_path).returncode == 0
    page = (tmp_path / "report.html").read_text()
    assert "Turnover is highest at competitor.aggressiveness = 0.2" in page
    assert "data:image/png" in page
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")}
    assert cli(*args).returncode == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")} == before


@pytest.mark.parametrize(("vary", "reason"), [
    ("policy.discounts.nothing=0:1:3", "policy.discounts.nothing: no such parameter"),
    ("policy.stacking=0:1:3", "not a numeric setting"),
    ("policy.discounts.promo=0:3:2", "must be at most 1"),
    ("policy.discounts.promo=0:1", "needs PATH=LOW:HIGH:STEPS"),
])
def test_sweep_bad_paths_are_clean_errors(tmp_path, vary, reason):
    r = cli("sweep", FIXTURES / "small.yaml", "--vary", vary, "--out", tmp_path / "o")
    assert r.returncode == 2 and reason in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
