"""The quotes file of ``channelsim fit-choice`` (#22): what it accepts, and one clean line
(file, row, column), exit status 2 and nothing written for each file it cannot use."""

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, cli, scenario

from analysis.choicefit.quotes import QuotesError, read_quotes
from analysis.cli import main

PRIOR = FIXTURES / "quotes_prior.yaml"
HEADER = ("quote_id,date,deal_id,customer_id,segment,region,product,agent_id,price,"
          "list_price,delivery_weeks,won,incumbent,specified,competitor_price")
GOOD = [
    "Q1,2024-01-08,K1,C1,mid,north,system,D01,1312.5,1500,1,1,0,0,1275",
    "Q2,2024-01-08,K1,C1,mid,north,system,P-inte-01,1350,1500,2,0,1,0,1275",
    "Q3,2024-01-09,K2,C2,project,south,engineered,integrator,5000,6000,8,0,0,1,",
]


def _file(tmp_path, rows, header=HEADER, name="q.csv"):
    f = tmp_path / name
    f.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return f


def _swap(row: int, column: str, value: str, header=HEADER):
    cols = header.split(",")
    rows = [r.split(",") for r in GOOD]
    rows[row][cols.index(column)] = value
    return [",".join(r) for r in rows]


def _drop(column: str):
    """GOOD without one column: (rows, header)."""
    cols = HEADER.split(",")
    i = cols.index(column)
    rows = [",".join(c for j, c in enumerate(r.split(",")) if j != i) for r in GOOD]
    return rows, ",".join(c for j, c in enumerate(cols) if j != i)


def test_a_good_file_is_read_by_deal(tmp_path):
    q = read_quotes(_file(tmp_path, GOOD), scenario("quotes_prior"))
    assert list(q.deal_id) == ["K1", "K2"]
    assert list(q.deal) == [0, 0, 1]
    np.testing.assert_allclose(q.price_rel, [0.875, 0.9, 5000 / 6000])
    assert list(q.seller_kind) == ["distributor", "integrator", "integrator"]
    assert list(q.won) == [True, False, False]
    assert list(q.specified) == [0, 1]
    np.testing.assert_allclose(q.competitor_rel, [0.85, np.nan])
    assert list(q.brand_won) == [True, False]


def test_semicolons_and_decimal_commas_read_the_same(tmp_path):
    rows = [r.replace(",", ";").replace("1312.5", "1312,5") for r in GOOD]
    q = read_quotes(_file(tmp_path, rows, HEADER.replace(",", ";")), scenario("quotes_prior"))
    np.testing.assert_allclose(q.price_rel, [0.875, 0.9, 5000 / 6000])


def test_a_workbook_and_a_discount_column_read_the_same(tmp_path):
    df = pd.read_csv(_file(tmp_path, GOOD), dtype=str)
    df["discount"] = 1 - df["price"].astype(float) / df["list_price"].astype(float)
    df = df.drop(columns="price")
    df.to_excel(tmp_path / "q.xlsx", index=False)
    q = read_quotes(tmp_path / "q.xlsx", scenario("quotes_prior"))
    np.testing.assert_allclose(q.price_rel, [0.875, 0.9, 5000 / 6000])


BAD = [  # (rows, header, what the line must say)
    (None, None, "q.csv: file not found"),
    ([], "", "q.csv: the file is empty"),
    (GOOD, HEADER.replace(",won", ",outcome"), "missing column(s): won"),
    (*_drop("price"), "missing column(s): price (or discount off list)"),
    (_swap(1, "price", "abc"), None, "row 3, column price: 'abc' is not a number"),
    (_swap(0, "price", "-5"), None, "row 2, column price: '-5' must be >= 0"),
    (_swap(1, "list_price", "0"), None, "row 3, column list_price: must be > 0"),
    (_swap(0, "price", "131250"), None, "row 2, column price: 87.5 times the list price"),
    (_swap(2, "delivery_weeks", ""), None, "row 4, column delivery_weeks: empty"),
    (_swap(1, "won", "yes"), None, "row 3, column won: 'yes' is not a number"),
    (_swap(1, "won", "2"), None, "row 3, column won: '2' must be one of 0, 1"),
    (_swap(0, "incumbent", "0.5"), None, "row 2, column incumbent: '0.5' must be a whole"),
    (_swap(2, "specified", "2"), None, "row 4, column specified: '2' must be one of -1, 0, 1"),
    (_swap(2, "segment", "huge"), None, "row 4, column segment: 'huge' is not one of small"),
    (_swap(0, "product", "widget"), None, "row 2, column product: 'widget' is not one of"),
    (_swap(1, "agent_id", "D99"), None, "row 3, column agent_id: 'D99' is not in the "
     "scenario's network"),
    (_swap(1, "agent_id", "partner"), None, "name the partner's id or its kind"),
    (_swap(1, "quote_id", "Q1"), None, "row 3, column quote_id: 'Q1' appears twice"),
    (_swap(1, "segment", "key"), None, "row 3, column segment: differs from the deal's first "
     "row 2"),
    (_swap(1, "competitor_price", "1300"), None, "row 3, column competitor_price: differs"),
    (_swap(1, "won", "1"), None, "row 3, column won: deal 'K1' is won by two quotes"),
    (_swap(0, "date", "08/01/2024"), None, "row 2, column date: '08/01/2024' is not an ISO"),
    ([GOOD[0], GOOD[1] + ",extra,more", GOOD[2]], None,
     "row 3 has 17 fields, the header has 15"),
    (GOOD, HEADER + ",discount", None),   # filled below: discount disagreeing with price
]
BAD[-1] = ([r + ",0.5" for r in GOOD], HEADER + ",discount",
           "row 2, column discount: disagrees with price / list_price")


@pytest.mark.parametrize(("rows", "header", "reason"), BAD)
def test_a_bad_quotes_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, rows,
                                                                  header, reason):
    f = tmp_path / "q.csv" if rows is None else _file(tmp_path, rows, header or HEADER)
    if header == "":
        f.write_text("")
    out = tmp_path / "out" / "fitted.yaml"
    with pytest.raises(SystemExit) as exit_:
        main(["fit-choice", "--quotes", str(f), "--scenario", str(PRIOR), "--out", str(out)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.count("\n") == 1 and err.startswith(str(f)), err
    assert reason in err, err
    assert not (tmp_path / "out").exists()


def test_the_command_line_refuses_too_few_deals_before_fitting(tmp_path):
    out = tmp_path / "fitted.yaml"
    r = cli("fit-choice", "--quotes", _file(tmp_path, GOOD), "--scenario", PRIOR, "--out", out)
    assert r.returncode == 2
    assert r.stderr.strip().endswith("q.csv: 2 deals; a fit needs at least 50"), r.stderr
    assert r.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "q.csv"]


def test_reading_refuses_with_a_quotes_error(tmp_path):
    with pytest.raises(QuotesError, match="q.csv: row 3, column won"):
        read_quotes(_file(tmp_path, _swap(1, "won", "7")), scenario("quotes_prior"))
