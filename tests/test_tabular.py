"""The strict table reader: real-world CSV/xlsx exports read, bad files refused in one line."""

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import tabular
from sim.tabular import Table, TableError, read_table


def write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def refused(path: Path, **kwargs) -> str:
    """The message read_table refuses ``path`` with (checked to be one clean line)."""
    kwargs.setdefault("required", ["client"])
    with pytest.raises(TableError) as info:
        read_table(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__
    return message[len(f"{path}: "):]


def xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = "t.xlsx") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                ws.cell(i, j, value)
    path = tmp_path / name
    book.save(path)
    return path


# --- files that are read --------------------------------------------------------------------

def test_comma_file(tmp_path):
    path = write(tmp_path, " Client ,Amount,Region\nacme,12.5,north\nbolt,1000,south\n")
    table = read_table(path, required=["client", "amount"])
    assert isinstance(table, Table)
    assert (table.separator, table.decimal) == (",", ".")
    assert list(table.frame.columns) == ["client", "amount", "region"]
    assert table.frame["client"].tolist() == ["acme", "bolt"]
    assert table.number("amount").tolist() == [12.5, 1000.0]
    assert [table.row(0), table.row(1)] == [2, 3]


def test_semicolon_decimal_comma_european_export(tmp_path):
    path = write(tmp_path, "client;amount;share\r\nacme;1 234,50;0,5\r\nbolt;12,5;1\r\n"
                           "cora;1.234,5;0\r\ndune;1\u00a0000,25;0,25\r\n")
    table = read_table(path, required=["client", "amount"])
    assert (table.separator, table.decimal) == (";", ",")
    assert table.number("amount").tolist() == [1234.5, 12.5, 1234.5, 1000.25]
    assert table.number("share").tolist() == [0.5, 1.0, 0.0, 0.25]


def test_thousands_separators_with_decimal_point(tmp_path):
    path = write(tmp_path, 'client,amount\nacme,"1,234.5"\nbolt,1\u2009234.5\ncora,-2.5e3\n'
                           "dune,\u22127\n")
    table = read_table(path, required=["client", "amount"])
    assert table.number("amount").tolist() == [1234.5, 1234.5, -2500.0, -7.0]


def test_tab_file_keeps_decimal_point(tmp_path):
    path = write(tmp_path, "client\tamount\tnote\nacme\t12.5\thas, commas\nbolt\t3\t\n")
    table = read_table(path, required=["client", "amount"])
    assert (table.separator, table.decimal) == ("\t", ".")
    assert table.number("amount").tolist() == [12.5, 3.0]
    assert table.text("note", required=False).tolist() == ["has, commas", ""]


def test_pipe_file(tmp_path):
    path = write(tmp_path, "client|amount\nacme|5\nbolt|6\n")
    table = read_table(path, required=["client"])
    assert table.separator == "|"
    assert table.number("amount", integer=True).tolist() == [5.0, 6.0]


def test_quoted_fields_containing_the_separator(tmp_path):
    path = write(tmp_path, 'client,amount,note\n"Smith, John",5,"a, b, c"\n'
                           '"Doe, Jane",6,"say ""hi"""\n')
    table = read_table(path, required=["client"])
    assert table.separator == ","
    assert table.frame["client"].tolist() == ["Smith, John", "Doe, Jane"]
    assert table.frame["note"].tolist() == ["a, b, c", 'say "hi"']
    semi = write(tmp_path, 'client;amount\n"a;b";"1,5"\n"c";2\n', "semi.csv")
    table = read_table(semi, required=["client", "amount"])
    assert (table.separator, table.decimal) == (";", ",")
    assert table.frame["client"].tolist() == ["a;b", "c"]
    assert table.number("amount").tolist() == [1.5, 2.0]


def test_utf8_bom_is_removed_from_the_header(tmp_path):
    path = write(tmp_path, "\ufeffClient;Amount\nAcmé;3\n".encode())
    table = read_table(path, required=["client"])
    assert list(table.frame.columns) == ["client", "amount"]
    assert table.frame["client"].tolist() == ["Acmé"]


def test_blank_lines_short_rows_and_trailing_separators(tmp_path):
    path = write(tmp_path, "\nclient,amount,region,\n\nacme,5,north,\n,,,\nbolt,6\n"
                           '"multi\nline",7,east\ncora,8,west\n')
    table = read_table(path, required=["client", "amount"])
    assert list(table.frame.columns) == ["client", "amount", "region"]
    assert table.frame["region"].tolist() == ["north", "", "east", "west"]
    assert [table.row(i) for i in range(4)] == [4, 6, 7, 9]
    assert table.frame["client"].tolist()[2] == "multi\nline"


def test_single_column_file_only_when_one_column_is_required(tmp_path):
    path = write(tmp_path, "client\nacme\nSmith, John\nbolt\n")
    table = read_table(path, required=["client"])
    assert table.frame["client"].tolist() == ["acme", "Smith, John", "bolt"]
    assert table.separator == ";"  # the first separator that keeps every line whole
    assert refused(path, required=["client", "amount"]) == (
        "cannot tell the column separator; use commas (or semicolons) throughout")


def test_extra_columns_are_kept_and_required_names_are_normalised(tmp_path):
    path = write(tmp_path, "client,amount,Internal ID\nacme,5,x1\n")
    table = read_table(path, required=[" Client "], optional=["amount"])
    assert table.frame["internal id"].tolist() == ["x1"]


# --- files that are refused -----------------------------------------------------------------

def test_missing_file_and_folder(tmp_path):
    assert refused(tmp_path / "nope.csv") == "file not found"
    assert refused(tmp_path / "nope" / "deeper.csv") == "file not found"
    assert refused(tmp_path) == "is a folder, not a file"


def test_pipe_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert refused(fifo) == "is not a regular file"


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "client\nacme\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert refused(path) == "cannot read (Permission denied)"


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n",
                                     b",,,\n;;\n"])
def test_empty_files(tmp_path, content):
    assert refused(write(tmp_path, content)) == "the file is empty"


def test_latin1_bytes_name_the_byte_and_line(tmp_path):
    path = write(tmp_path, "client;amount\nacme;1\ncaf\xe9;2\n".encode("latin-1"))
    assert refused(path) == "not UTF-8 text (byte 0xE9 at line 3); save it as UTF-8"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named(tmp_path, encoding):
    path = write(tmp_path, "client,amount\nacme,1\n".encode(encoding))
    assert refused(path) == "UTF-16 text; save it as UTF-8"


def test_nul_byte_in_utf8_text(tmp_path):
    path = write(tmp_path, b"client,amount\nacme,1\nbo\x00lt,2\n")
    assert refused(path) == "contains a NUL byte at line 3; not a text table"


def test_header_only(tmp_path):
    path = write(tmp_path, "client,amount\n\n\n")
    assert refused(path) == "no rows below the header"


def test_duplicate_and_unnamed_columns(tmp_path):
    assert refused(write(tmp_path, "client,Amount,amount \na,1,2\n")) == (
        "column 'amount' appears twice")
    assert refused(write(tmp_path, "client,,amount\na,1,2\n", "b.csv")) == (
        "column 2 has no name in the header")


def test_missing_required_column_plain(tmp_path):
    path = write(tmp_path, "klient;amount\nacme;1,5\n")
    assert refused(path, required=["client", "amount", "region"], optional=["note", "rep"]) == (
        "missing column(s): client, region (needs client, amount, region; may have note, rep)")


def test_missing_required_column_names_the_separator_the_file_uses(tmp_path):
    # rows are shorter than the ';' header, so ';' does not split consistently; ',' does
    # (through the comma inside a column name and the decimal commas) and is chosen.
    path = write(tmp_path, "client;amount (eur, net);region;note\nacme;1,5;north\n"
                           "bolt;2,5;south\ncora;3,5;east\n")
    assert refused(path, required=["client", "region"]) == (
        "missing column(s): client, region (needs client, region); "
        "the file seems to use ';' between columns")


def test_cannot_tell_the_separator(tmp_path):
    path = write(tmp_path, "client;amount;region\nacme,1,north\nbolt,2,south\n")
    assert refused(path, required=["client", "amount"]) == (
        "cannot tell the column separator; use commas (or semicolons) throughout")


def test_row_with_too_many_fields_counts_blank_lines(tmp_path):
    path = write(tmp_path, "client,amount\n\nacme,5\n\n\nSmith, John,6\n")
    assert refused(path) == (
        "row 6 has 3 fields, the header has 2 (a separator inside a value needs quotes)")


def test_unterminated_quote_names_the_line_it_opens(tmp_path):
    path = write(tmp_path, 'client,amount\nacme,5\n\n"bolt,6\ncora,7\n')
    assert refused(path) == "row 4: unterminated quote"
    after = write(tmp_path, 'client,amount\nacme,"5"x\n', "after.csv")
    assert refused(after) == (
        "row 2: text after a closing quote (a quote inside a quoted value is doubled)")


def test_too_large_file(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(250_000_000)  # sparse: nothing is written
    assert refused(path, what="client history") == (
        "250 MB is too large for a client history (limit 200 MB)")


def test_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    path = write(tmp_path, "client\n" + "x\n" * 4)
    assert refused(path) == "more than 3 rows; too large for a table"
    assert read_table(write(tmp_path, "client\nx\ny\nz\n", "ok.csv"),
                      required=["client"]).frame.shape == (3, 1)


# --- number() and text() --------------------------------------------------------------------

def number_error(table: Table, column: str = "amount", **kwargs) -> str:
    with pytest.raises(TableError) as info:
        table.number(column, **kwargs)
    return str(info.value)


def test_number_errors_name_the_file_line_and_column(tmp_path):
    path = write(tmp_path, "client,amount\n\nacme,5\nbolt,abc\n")
    table = read_table(path, required=["client"])
    assert number_error(table) == f"{path}: row 4, column amount: 'abc' is not a number"
    for bad in ["inf", "nan", "1e999", "1,5", "12 34", "1.234,5", "$5", "5%", "0x1F"]:
        table.frame.loc[1, "amount"] = bad
        assert number_error(table) == f"{path}: row 4, column amount: {bad!r} is not a number"
    table.frame.loc[1, "amount"] = "-3"
    assert number_error(table, minimum=0) == f"{path}: row 4, column amount: '-3' must be >= 0"
    assert table.number("amount", minimum=-3).tolist() == [5.0, -3.0]
    table.frame.loc[1, "amount"] = "2.5"
    assert number_error(table, integer=True) == (
        f"{path}: row 4, column amount: '2.5' must be a whole number")
    assert number_error(table, "nope") == f"{path}: no column 'nope' (has client, amount)"


def test_unprintable_column_names_are_quoted_in_messages(tmp_path):
    path = write(tmp_path, '"total\namount",client\nx,acme\n')
    table = read_table(path, required=["client"])
    assert number_error(table, "total\namount") == (
        f"{path}: row 3, column 'total\\namount': 'x' is not a number")
    assert number_error(table, "zz") == f"{path}: no column 'zz' (has 'total\\namount', client)"


def test_number_empty_cells(tmp_path):
    path = write(tmp_path, "client;amount\nacme;\nbolt;2,5\n")
    table = read_table(path, required=["client"])
    assert number_error(table) == f"{path}: row 2, column amount: empty (a number is needed)"
    values = table.number("amount", required=False)
    assert np.isnan(values[0]) and values[1] == 2.5


def test_text_allowed_values_and_empty_cells(tmp_path):
    path = write(tmp_path, "client,channel\nacme,direct\nbolt,retail\ncora,\n")
    table = read_table(path, required=["client", "channel"])
    channels = ["direct", "distributor", "partner", "marketplace"]
    with pytest.raises(TableError) as info:
        table.text("channel", allowed=channels)
    assert str(info.value) == (f"{path}: row 3, column channel: 'retail' is not one of "
                               "direct, distributor, partner, marketplace")
    with pytest.raises(TableError) as info:
        table.text("channel", allowed=[f"c{i}" for i in range(10)])
    assert str(info.value).endswith("is not one of c0, c1, c2, c3, c4, c5, c6, c7, ...")
    with pytest.raises(TableError) as info:
        table.text("channel", allowed=["direct", "retail"])
    assert str(info.value) == f"{path}: row 4, column channel: empty (a value is needed)"
    values = table.text("channel", allowed=["direct", "retail"], required=False)
    assert values.tolist() == ["direct", "retail", ""] and values.dtype.kind == "U"


# --- Excel ----------------------------------------------------------------------------------

def test_xlsx_one_sheet(tmp_path):
    rows = [["Client", "Amount", "Signed"], ["acme", 3.0, dt.datetime(2024, 1, 5)],
            [], ["bolt", 2.5, dt.date(2024, 2, 1)], ["cora", 1e-5, None]]
    table = read_table(xlsx(tmp_path, {"Deals": rows}), required=["client", "amount"])
    assert (table.separator, table.decimal) == ("xlsx", ".")
    assert table.frame["amount"].tolist() == ["3", "2.5", "1e-05"]
    assert table.frame["signed"].tolist() == ["2024-01-05", "2024-02-01", ""]
    assert table.number("amount").tolist() == [3.0, 2.5, 1e-5]
    assert [table.row(i) for i in range(3)] == [2, 4, 5]


def test_xlsx_number_error_names_the_sheet_row(tmp_path):
    path = xlsx(tmp_path, {"Deals": [["client", "amount"], ["acme", 1], ["bolt", "n/a"]]})
    table = read_table(path, required=["client"])
    assert number_error(table) == f"{path}: row 3, column amount: 'n/a' is not a number"


def test_xlsx_several_sheets(tmp_path):
    path = xlsx(tmp_path, {"Deals": [["client"], ["acme"]], "Notes": [["x"]],
                           "Old": [["client"], ["bolt"]]})
    assert refused(path) == "has several sheets (Deals, Notes, Old); name one with sheet="
    assert read_table(path, required=["client"], sheet="Old").frame["client"].tolist() == [
        "bolt"]
    assert refused(path, sheet="Sheet1") == "has no sheet 'Sheet1' (sheets: Deals, Notes, Old)"


def test_xlsx_empty_sheet_and_missing_columns(tmp_path):
    assert refused(xlsx(tmp_path, {"Deals": []})) == "sheet 'Deals' is empty"
    path = xlsx(tmp_path, {"Deals": [["klient"], ["acme"]]}, "b.xlsx")
    assert refused(path) == "missing column(s): client (needs client)"


def test_bogus_xlsx_and_old_xls(tmp_path):
    assert refused(write(tmp_path, "client\nacme\n", "fake.xlsx")) == (
        "not an Excel .xlsx workbook")
    assert refused(write(tmp_path, b"PK\x03\x04garbage", "zip.xlsx")) == (
        "not an Excel .xlsx workbook")
    assert refused(write(tmp_path, b"\xd0\xcf\x11\xe0", "old.XLS")) == (
        "old Excel .xls format; save it as .xlsx or CSV")


# --- anything at all ------------------------------------------------------------------------

CSVISH = st.text(alphabet=st.sampled_from(list('ab1,.;\t|" \n\r\ufeffé')), max_size=200)


@given(content=st.one_of(st.binary(max_size=300), CSVISH.map(str.encode)),
       required=st.sampled_from([["a"], ["a", "b"], ["b1"]]))
@settings(derandomize=True, deadline=2000, max_examples=150)
def test_any_bytes_give_a_table_or_one_clean_line(tmp_path_factory, content, required):
    path = tmp_path_factory.mktemp("fuzz") / "x.csv"
    path.write_bytes(content)
    try:
        table = read_table(path, required=required)
    except TableError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message
        assert message.startswith(f"{path}: ")
        return
    assert set(required) <= set(table.frame.columns) and len(table.frame) >= 1
    assert table.separator in tabular.SEPARATORS and table.decimal in ".,"
    for column in table.frame.columns:
        for parse in (table.number, table.text):
            try:
                assert len(parse(column, required=False)) == len(table.frame)
            except TableError as exc:
                assert str(exc).startswith(f"{path}: row ") and "\n" not in str(exc)
