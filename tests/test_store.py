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
