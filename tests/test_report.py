"""Charts, the HTML report, the deck and the diagnosis, from stored results."""

import re

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation

from analysis.comparison.diagnose import DealExportError, diagnose_deals, read_deal_export
from analysis.comparison.narrative import sentences
from analysis.comparison.paired import compare
from analysis.comparison.results import Results
from analysis.report import charts as ch
from analysis.report.charts.style import readable
from analysis.report.html import build_report, render_charts


@pytest.fixture(scope="module")
def res(small_comparison):
    return Results(small_comparison)


@pytest.fixture(scope="module")
def comp(small_comparison):
    return compare(small_comparison)


def test_every_chart_renders_a_non_empty_image(res, comp):
    rendered = render_charts(res, comp)
    keys = {c.key for c in rendered}
    for name in ("small_cut", "small_pilot"):
        for kind in ("difference", "histogram", "waterfall", "conflicts", "health", "stock",
                     "regions", "risk"):
            assert f"{kind}_{name}" in keys
    assert "pilot_small_pilot" in keys and "pilot_small_cut" not in keys
    assert {"turnover_fan", "lorenz_small", "mix_small"} <= keys
    for c in rendered:
        assert c.raw.startswith(b"\x89PNG") and len(c.raw) > 5000, c.key
        assert c.title, f"{c.key} has no finding in its title"


def test_waterfall_parts_add_up_to_the_turnover_change(res, comp):
    r = comp.strategies["small_cut"]
    parts = ch.waterfall_parts(res, r)
    # the deal-by-deal decomposition over the headline's window (#23), from the KPIs
    k, first = res.kpis, r.decomposition.first_effect_week
    window = k[k.week >= first].groupby(["scenario", "rep"])["turnover"].sum()
    change = (window["small_cut"] - window["small"]).mean()
    assert parts.sum() == pytest.approx(change, rel=1e-9, abs=1e-6)
    # the dip's weeks decompose too, to the dip itself (a mean over DIP_WEEKS weeks)
    from analysis.comparison.paired import DIP_WEEKS

    dips = [x for x in comp.strategies.values() if x.dip_parts is not None]
    assert dips
    for x in dips:
        assert x.dip_parts.total.estimate == pytest.approx(DIP_WEEKS * x.dip.depth, rel=1e-9)
        assert x.dip_parts.gap() < 1e-6


def test_html_report_has_the_sentences_numbers_charts_and_diff(small_comparison, comp):
    html_path, deck_path = build_report(small_comparison, pptx=True)
    html = html_path.read_text()
    for name, r in comp.strategies.items():
        pct = r.windows.turnover_after                # the headline's window (#23)
        ci = f"(95% CI {pct.low:+.1f}% to {pct.high:+.1f}%)"
        assert f"{pct.estimate:+.1f}% on average {ci}" in html
        assert f"{pct.estimate:+.1f}%</td>" in html     # the summary table, the same figure
        assert f"simulated futures {readable(name)} " in html   # named as a person reads it
    # every chart embedded, nothing fetched from elsewhere
    n_charts = len(render_charts(Results(small_comparison), comp))
    assert html.count('src="data:image/png;base64,') == n_charts
    assert not re.search(r'src="https?://', html)
    # what each strategy changes, and how to reproduce it
    assert "policy.discounts.distributor.base" in html and "0.2" in html
    assert "policy.deal_registration" in html
    assert "seed 2" in html and "channelsim compare" in html
    # where the change comes from (#23): the parts as in the terminal's sentence
    for r in comp.strategies.values():
        d = r.decomposition
        assert f"Where the change comes from, from week {d.first_effect_week}" in html
        assert f"<td>{d.parts['channel_stock'].estimate:+,.0f}</td>" in html
    assert html.count('<tr class="loss">') == sum(len(r.losses) for r in comp.strategies.values())
    # the deck (#25): title, the summary table, one slide per strategy, a four-slide appendix
    prs = Presentation(str(deck_path))
    slides = list(prs.slides)
    assert len(slides) == 2 + len(comp.strategies) + 4
    table = next(sh for sh in slides[1].shapes if sh.has_table).table
    summary = "\n".join(c.text for row in table.rows for c in row.cells)
    assert [sl.shapes.title.text for sl in slides[2:4]] == ["Small cut", "Small pilot"]
    pilot_slide = " ".join(sh.text_frame.text for sh in slides[3].shapes if sh.has_text_frame)
    assert "Material losses" in pilot_slide                # named on the deck too (#23)
    assert "against Small" in slides[0].shapes.title.text
    # one computation per figure (#23): a figure shown in several sections is the same there
    sections = {part.split("</h2>")[0]: part for part in html.split("<h2>")[1:]}
    for name, r in comp.strategies.items():
        turnover, margin = (f"{x.estimate:+.1f}%" for x in (r.windows.turnover_after,
                                                             r.windows.margin_after))
        for where in (sections["The answer"], sections["Executive summary"],
                      sections["Summary table"], summary):
            assert turnover in where and margin in where, (name, where[:80])
        total = f"{r.decomposition.total.estimate:+,.0f}"
        assert total in sections["Executive summary"] and total in sections[readable(name)]
    # a picture per strategy (its dip chart), the small multiples and the channel maps
    pictures = [s for s in slides if any(sh.shape_type == 13 for sh in s.shapes)]
    assert len(pictures) == len(comp.strategies) + 2


def test_diagnose_a_deal_export_by_hand(tmp_path):
    csv = tmp_path / "deals.csv"
    csv.write_text(
        "date,channel,partner_id,region,segment,amount\n"
        "2024-01-10,distributor,D1,north,small,100\n"
        "2024-02-10,distributor,D1,north,mid,300\n"
        "2024-02-15,distributor,D2,south,small,100\n"
        "2024-03-01,partner,P1,north,project,400\n"
        "2024-03-05,direct,,north,key,100\n"
        "2025-01-10,distributor,D1,north,small,200\n"
        "2025-02-10,partner,P2,south,mid,200\n"
        "2025-03-10,direct,,south,key,600\n")
    d = diagnose_deals(read_deal_export(csv))
    # 2024: D1, D2 active; 2025: only D1 active, both still contracted (seen before)
    assert d.network.loc[2024, "distributors_active"] == 2
    assert d.network.loc[2025, "distributors_active"] == 1
    assert d.network.loc[2025, "distributors_contracted"] == 2
    assert d.network.loc[2025, "partners_contracted"] == 2
    # share through the network: 2024 900 of 1000; 2025 400 of 1000
    assert d.distribution_share.loc[2024] == pytest.approx(0.9)
    assert d.distribution_share.loc[2025] == pytest.approx(0.4)
    assert d.channels.loc["direct", "share"] == pytest.approx(700 / 2000)
    # network sales: D1 600, P1 400, P2 200, D2 100 -> top ceil(0.2 x 4) = 1 agent: 600/1300
    assert d.top20_share == pytest.approx(600 / 1300)
    shares = np.array([600, 400, 200, 100]) / 1300
    assert d.hhi == pytest.approx((shares**2).sum() * 10_000)
    assert d.conflicts is None


@pytest.mark.parametrize(("text", "reason"), [
    ("date,channel,amount\n2024-01-01,direct,5\n", r"missing column\(s\): partner_id"),
    ("date,channel,partner_id,region,segment,amount\n2024-01-01,telepathy,,n,s,5\n",
     "row 2, column channel: 'telepathy' is not one of direct"),
    ("date,channel,partner_id,region,segment,amount\nsoon,direct,,n,s,5\n",
     "row 2, column date: unparseable date 'soon'"),
    ("date,channel,partner_id,region,segment,amount\n2024-01-01,direct,,n,s,-5\n",
     "row 2, column amount: '-5' must be >= 0"),
    ("", "the file is empty"),
    ("date;channel;partner_id;region;segment;amount\n2024-01-01;direct;;n;s;1 234,5\n", None),
])
def test_bad_deal_exports_are_refused(tmp_path, text, reason):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    if reason is None:  # a European spreadsheet's export: semicolons and a decimal comma
        assert read_deal_export(f)["amount"].tolist() == [1234.5]
        return
    with pytest.raises(DealExportError, match=reason):
        read_deal_export(f)


def test_diagnosis_of_a_simulated_baseline(res):
    from analysis.comparison.diagnose import diagnose_results

    d = diagnose_results(res)
    assert list(d.network.index) == [1]
    assert (d.network["distributors_active"] <= d.network["distributors_contracted"]).all()
    assert 0 < d.distribution_share.loc[1] <= 1
    assert d.channels["share"].sum() == pytest.approx(1.0)
    assert d.conflicts.loc["distributor", "partner"] == d.conflicts.loc["partner", "distributor"]
    k = res.kpis[res.kpis["scenario"] == "small"]
    assert d.conflicts.to_numpy().sum() >= k.groupby("rep")["conflicts"].sum().mean()
    assert isinstance(d.channels, pd.DataFrame)


def test_active_means_selling_in_a_deal_export(tmp_path):
    csv = tmp_path / "deals.csv"
    rows = ["date,channel,partner_id,region,segment,amount"]
    rows += [f"2024-0{m}-01,distributor,BIG,n,s,1000" for m in range(1, 7)]
    rows += ["2024-01-02,distributor,TINY,n,s,10", "2024-01-03,distributor,MID,n,s,2000",
             "2023-05-01,distributor,GONE,n,s,500"]
    csv.write_text("\n".join(rows) + "\n")
    d = diagnose_deals(read_deal_export(csv))
    # contracted in 2024: the four ids seen so far; active: the three that sold in 2024
    # (a small sale is still a sale; GONE sold only in 2023)
    assert d.network.loc[2024, "distributors_contracted"] == 4
    assert d.network.loc[2024, "distributors_active"] == 3


def test_results_stored_before_the_deals_table_still_compare_and_report(small_comparison,
                                                                        tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(small_comparison, old)
    shutil.rmtree(old / "tables" / "deals")     # as a store of a version without the table
    comp = compare(old)
    r = comp.strategies["small_cut"]
    assert r.decomposition is None and r.losses is None and "decomp_rebates" not in comp.summary()
    # the waterfall falls back to its split over the horizon, which adds up as well
    parts = ch.waterfall_parts(Results(old), r)
    assert parts.sum() == pytest.approx(r.turnover_change.estimate, rel=1e-9, abs=1e-6)
    assert not any(x.startswith("Material losses") for x in sentences(comp)["small_cut"])
