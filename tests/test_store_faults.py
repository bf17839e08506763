"""Faults while results are stored: full disk, corrupted files, killed writers, old layouts."""

import pandas as pd
import pytest

from sim.experiments.store import TABLES


def test_full_disk_mid_comparison_keeps_earlier_results(tmp_path, monkeypatch):
    from conftest import scenario

    from sim.experiments import dataset
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import StoreError

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    ref = tmp_path / "ref"
    run_comparison(scs, "a", 3, 1, 20, ref, SerialEngine())
    out = tmp_path / "out"
    real = dataset.write_arrow
    calls = {"n": 0}

    def flaky(table, path):
        calls["n"] += 1
        if calls["n"] == 2 * len(TABLES) + 1:  # the third replication's first table
            raise OSError(28, "No space left on device")
        return real(table, path)

    monkeypatch.setattr(dataset, "write_arrow", flaky)
    with pytest.raises(StoreError, match="No space left on device"):
        run_comparison(scs, "a", 3, 1, 20, out, SerialEngine())
    stored = sorted(p.relative_to(out) for p in out.rglob("rep-*"))
    assert len(stored) == 2 and not list(out.rglob(".rep-*"))
    assert all(len(list((out / p).glob("*.arrow"))) == len(TABLES) for p in stored)
    monkeypatch.setattr(dataset, "write_arrow", real)
    run_comparison(scs, "a", 3, 1, 20, out, SerialEngine())
    files = sorted(p.relative_to(ref) for p in ref.rglob("*.parquet"))
    assert files == sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    for p in files:
        assert (out / p).read_bytes() == (ref / p).read_bytes()


def test_corrupted_result_and_stray_temporary_folders(tmp_path):
    from conftest import scenario

    from analysis.comparison.results import load_results
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import StoreError

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    run_comparison(scs, "a", 2, 1, 20, tmp_path, SerialEngine())
    stray = tmp_path / "runs" / "a" / ".rep-0001.tmp-999"
    stray.mkdir(parents=True)
    (stray / "kpis.arrow").write_bytes(b"half a file")
    k = load_results(tmp_path)
    assert sorted(k["rep"].unique()) == [0, 1]  # the stray folder is never read
    victim = tmp_path / "tables" / "kpis" / "scenario=b" / "block-00000.parquet"
    victim.write_bytes(b"garbage")
    with pytest.raises(StoreError, match="block-00000.parquet is unreadable.*rerun"):
        load_results(tmp_path)
    victim.unlink()     # as the message says: remove it and rerun; the block is run again
    run_comparison(scs, "a", 2, 1, 20, tmp_path, SerialEngine())
    assert sorted(load_results(tmp_path)["rep"].unique()) == [0, 1] and victim.is_file()


def test_a_block_killed_mid_write_is_written_again(tmp_path, monkeypatch):
    from conftest import scenario

    from analysis.comparison.results import load_results
    from sim.experiments import dataset
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    run_comparison(scs, "a", 2, 1, 20, tmp_path / "ref", SerialEngine())
    out = tmp_path / "out"
    real = dataset._write_parquet
    calls = {"n": 0}

    def killed(table, target):
        calls["n"] += 1
        if calls["n"] == 3:           # the first block's third table: the block is half written
            raise KeyboardInterrupt
        real(table, target)

    monkeypatch.setattr(dataset, "_write_parquet", killed)
    with pytest.raises(KeyboardInterrupt):
        run_comparison(scs, "a", 2, 1, 20, out, SerialEngine())
    assert list(out.rglob("block-*.parquet")) and not list(out.rglob("block-*.json"))
    assert len(list(out.rglob("rep-*"))) == 3      # a: 0, 1 and b: 0 are still staged
    monkeypatch.setattr(dataset, "_write_parquet", real)
    run_comparison(scs, "a", 2, 1, 20, out, SerialEngine())
    pd.testing.assert_frame_equal(load_results(out, "deals"), load_results(tmp_path / "ref",
                                                                           "deals"))
    assert not list(out.rglob("rep-*"))


def test_reopening_a_store_removes_what_killed_writers_left(tmp_path):
    import os
    import subprocess
    import sys

    from sim.experiments.store import ResultStore

    ResultStore.open(tmp_path, {"kind": "comparison"})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    gone = tmp_path / "runs" / "a" / f".rep-0003.tmp-{dead}"
    gone.mkdir(parents=True)
    (gone / "kpis.arrow").write_bytes(b"half a file")
    gone_file = tmp_path / f".manifest.json.tmp-{dead}"
    gone_file.write_text("{")
    half_block = tmp_path / "tables" / "kpis" / "scenario=a" / f".block-00000.parquet.tmp-{dead}"
    half_block.parent.mkdir(parents=True)
    half_block.write_bytes(b"PAR1")
    live = tmp_path / "runs" / "a" / f".rep-0004.tmp-{os.getpid()}"
    live.mkdir()
    ResultStore.open(tmp_path, {"kind": "comparison"})
    assert not gone.exists() and not gone_file.exists() and not half_block.exists()
    assert live.is_dir()  # a writer that still runs keeps its folder


def test_folders_of_the_older_layout_read_as_before(tmp_path):
    """A folder written before blocks (one Parquet file per replication and table) reads the
    same, and a comparison reopened on it finishes in the new layout."""
    from conftest import scenario

    from analysis.comparison.results import load_results
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import ResultStore

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    new = tmp_path / "new"
    run_comparison(scs, "a", 3, 1, 20, new, SerialEngine())
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_bytes((new / "manifest.json").read_bytes())
    for name in TABLES:
        t = load_results(new, name)
        for (sc, rep), part in t.groupby(["scenario", "rep"]):
            folder = old / "runs" / sc / f"rep-{rep:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            part.drop(columns=["scenario", "rep"]).reset_index(drop=True).to_parquet(
                folder / f"{name}.parquet", index=False)
    for name in TABLES:
        pd.testing.assert_frame_equal(load_results(old, name), load_results(new, name))
    assert ResultStore(old).done("b", 2)
    run_comparison(scs, "a", 3, 1, 20, old, SerialEngine())     # reopened: nothing to run
    assert not list(old.rglob("rep-*"))
    for p in new.rglob("*.parquet"):
        assert (old / p.relative_to(new)).read_bytes() == p.read_bytes()
