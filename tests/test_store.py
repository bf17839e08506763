"""The result store's tables: blocks of replications read by column and scenario."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import scenario

from analysis.comparison.results import load_results
from sim.experiments import dataset
from sim.experiments.compare import run_comparison
from sim.experiments.engines import SerialEngine
from sim.experiments.store import StoreError


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three scenarios, five replications in blocks of two (0-1, 2-3, 4)."""
    out = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dataset, "BLOCK", 2)
        scs = {"a": scenario("small"), "b": scenario("small_cut"), "c": scenario("small")}
        run_comparison(scs, "a", 5, 3, 20, out, SerialEngine())
    return out


def test_blocks_are_a_dataset_partitioned_by_scenario(folder):
    import pyarrow.dataset as ds

    files = sorted(p.relative_to(folder / "tables" / "deals").as_posix()
                   for p in (folder / "tables" / "deals").rglob("*.parquet"))
    assert files == [f"scenario={s}/block-0000{b}.parquet" for s in "abc" for b in range(3)]
    # any Parquet reader opens it as it is: rows, replications and scenarios as stored
    whole = ds.dataset(folder / "tables" / "deals", partitioning="hive").to_table().to_pandas()
    mine = load_results(folder, "deals")
    assert len(whole) == len(mine)
    assert sorted(whole["rep"].unique()) == [0, 1, 2, 3, 4]
    assert set(whole["scenario"].astype(str)) == {"a", "b", "c"}


def test_columns_and_scenarios_read_only_what_is_asked(folder):
    full = load_results(folder, "agents")
    assert list(full["scenario"].unique()) == ["a", "b", "c"]
    assert (full.groupby("scenario")["rep"].apply(lambda r: r.is_monotonic_increasing)).all()
    part = load_results(folder, "agents", columns=["week", "purchases"], scenarios=["c", "a"])
    assert list(part.columns) == ["scenario", "rep", "week", "purchases"]
    want = full[full["scenario"].isin(["a", "c"])][["scenario", "rep", "week", "purchases"]]
    pd.testing.assert_frame_equal(part, want.reset_index(drop=True))


def test_categories_hold_the_same_values(folder):
    full = load_results(folder, "deals")
    cats = load_results(folder, "deals", categories=True)
    text = [c for c in full.columns if pd.api.types.is_string_dtype(full[c])]
    assert {"scenario", "region", "segment", "channel"} <= set(text)
    assert all(isinstance(cats[c].dtype, pd.CategoricalDtype) for c in text)
    pd.testing.assert_frame_equal(cats.astype(dict.fromkeys(text, full["region"].dtype)), full)
    held = cats[text].memory_usage(deep=True).sum()
    assert held < 0.2 * full[text].memory_usage(deep=True).sum()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"table": "sales"}, "unknown table 'sales'"),
    ({"table": "kpis", "columns": ["week", "profit"]}, "no column"),
])
def test_bad_reads_are_one_clean_error(folder, kwargs, message):
    with pytest.raises(StoreError, match=message) as err:
        load_results(folder, **kwargs)
    assert "\n" not in str(err.value)


def test_a_scenario_not_stored_reads_as_nothing_stored(folder):
    with pytest.raises(StoreError, match="holds no results"):
        load_results(folder, scenarios=["nobody"])


def test_deals_read_by_groups_of_futures_give_the_same_comparison(folder, monkeypatch):
    """The decomposition and breakdowns read the deals a few futures at a time; cut into
    groups of 2 (and a block cut in half, groups of 1) they equal one read of everything."""
    from analysis.comparison import results
    from analysis.comparison.paired import compare

    monkeypatch.setattr(results, "CHUNK", 1000)
    whole = compare(folder).strategies["b"]
    assert whole.decomposition is not None and len(whole.decomposition.per_rep) == 5
    for chunk in (2, 1):
        monkeypatch.setattr(results, "CHUNK", chunk)
        cut = compare(folder).strategies["b"]
        pd.testing.assert_frame_equal(cut.decomposition.per_rep, whole.decomposition.per_rep)
        pd.testing.assert_frame_equal(cut.decomposition.breakdown,
                                      whole.decomposition.breakdown)
        assert (cut.dip_parts is None) == (whole.dip_parts is None)
        if whole.dip_parts is not None:
            pd.testing.assert_frame_equal(cut.dip_parts.per_rep, whole.dip_parts.per_rep)


def test_reading_by_replications_takes_those_rows(folder):
    full = load_results(folder, "kpis")
    part = load_results(folder, "kpis", reps=range(1, 4))      # cuts the block 0-1 and 2-3
    want = full[full["rep"].between(1, 3)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, want)
