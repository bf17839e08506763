"""The ``fit-choice`` command: the customer's choice estimated from a client's quote log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import load, refusals, writable_file


def _print(fit, table) -> None:
    typer.echo(f"{'parameter':<24}{'prior':>9}{'estimate':>10}{'se':>9}{'t':>8}  95% interval")
    for r in table.itertuples():
        if not r.identified:
            typer.echo(f"{r.parameter:<24}{r.prior:>9.3f}{r.estimate:>10.3f}"
                       f"{'':>17}  not identified: kept at prior")
            continue
        typer.echo(f"{r.parameter:<24}{r.prior:>9.3f}{r.estimate:>10.3f}{r.se:>9.3f}"
                   f"{r.t:>8.2f}  {r.low95:.3f} .. {r.high95:.3f}")


def fit_choice(
    quotes: Annotated[Path, typer.Option(
        metavar="FILE", help="The client's quote log (CSV or .xlsx).")],
    scenario: Annotated[Path, typer.Option(
        metavar="FILE", help="The scenario the quotes were made in "
                                           "(its choice section is the prior).")],
    out: Annotated[Path, typer.Option(
        metavar="FILE", help="The fitted scenario to write (it extends "
                                      "--scenario).")] = Path("fitted.yaml"),
):
    """Fit the choice weights and brand nest to quotes (nested logit, Biogeme); write them.

    Beside --out: <out>_estimates.csv, <out>_calibration.csv and <out>_calibration.png
    (predicted against observed win rate by price decile).
    """
    from analysis.choicefit.fit import fit_choice as fit
    from analysis.choicefit.output import (
        calibration_by_price,
        calibration_chart,
        estimates_table,
        summary_lines,
        write_fitted,
    )
    from analysis.choicefit.quotes import read_quotes

    sc = load(scenario)
    with refusals():
        q = read_quotes(quotes, sc)
    writable_file(out, "--out")
    with refusals():
        result = fit(q, sc)
        write_fitted(result, sc, scenario, out, quotes)   # validated before it is written
    table = estimates_table(result)
    _print(result, table)
    for line in summary_lines(result):
        typer.echo(line)
    stem = out.with_suffix("")
    table.to_csv(f"{stem}_estimates.csv", index=False)
    cal = calibration_by_price(result)
    cal.to_csv(f"{stem}_calibration.csv", index=False)
    calibration_chart(cal).savefig(f"{stem}_calibration.png", dpi=110)
    typer.echo(f"fitted scenario written to {out} (estimates, calibration beside it)")
