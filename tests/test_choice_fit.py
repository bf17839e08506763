"""The customer's choice fitted to a quote log (#22).

Quotes come from running the model (``analysis.choicefit.simulated``: its own bidding and
its own choice step) with the weights of ``fixtures/quotes_planted.yaml``; the fit starts
from the default weights of ``fixtures/quotes_prior.yaml``. The smoke fit here has about
2,300 deals in a market where nobody specifies projects (``spec_in`` 0 for the brand and
the competitor): the specification weight has nothing behind it, a planted unidentified
weight. The study at scale (more than 5,000 deals, every weight) is ``make test-slow``.
"""

import contextlib
import io
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIXTURES, cli, scenario

import analysis
from analysis.choicefit.design import PARAMETERS, choice_data, identification
from analysis.choicefit.fit import _hit_rate
from analysis.choicefit.library import library_log_likelihood
from analysis.choicefit.likelihood import (
    log_likelihood,
    null_log_likelihood,
    vector_of,
    win_probabilities,
)
from analysis.choicefit.output import calibration_by_price
from analysis.choicefit.quotes import read_quotes
from analysis.choicefit.simulated import simulate_quotes
from analysis.cli import main
from sim import load_scenario, run_model
from sim.scenario import with_values

PRIOR = FIXTURES / "quotes_prior.yaml"


def _quotes(tmp, planted, seed=3, weeks=52):
    path = tmp / "quotes.csv"
    simulate_quotes(planted, seed, weeks).to_csv(path, index=False, float_format="%.12g")
    return path


NO_SPEC = {"behaviour.pricing.spec_in": 0.0, "behaviour.pricing.competitor_spec_in": 0.0}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """``channelsim fit-choice`` on ~2,300 model-made deals; the ChoiceFit it made is kept."""
    import analysis.choicefit.fit as fitting

    tmp = tmp_path_factory.mktemp("fit")
    path = _quotes(tmp, with_values(scenario("quotes_planted"), NO_SPEC))
    out, made, real = tmp / "fitted.yaml", [], fitting.fit_choice
    fitting.fit_choice = lambda q, sc: made.append(real(q, sc)) or made[-1]
    try:
        with pytest.raises(SystemExit) as done, contextlib.redirect_stdout(io.StringIO()) as so:
            main(["fit-choice", "--quotes", str(path), "--scenario", str(PRIOR), "--out",
                  str(out)])
    finally:
        fitting.fit_choice = real
    assert done.value.code == 0
    return made[0], path, out, tmp, so.getvalue()


def test_the_command_prints_the_estimates_and_writes_them_beside_the_scenario(smoke):
    fit, _, out, tmp, printed = smoke
    lines = printed.splitlines()
    assert lines[0].split() == ["parameter", "prior", "estimate", "se", "t", "95%", "interval"]
    for name, row in zip(PARAMETERS, lines[1:], strict=False):
        assert row.split()[0] == name
    assert "specification" in lines[5] and "not identified: kept at prior" in lines[5]
    assert lines[-1] == f"fitted scenario written to {out} (estimates, calibration beside it)"
    table = pd.read_csv(tmp / "fitted_estimates.csv")
    np.testing.assert_allclose(table["estimate"], fit.estimate)
    assert (tmp / "fitted_calibration.png").stat().st_size > 10_000
    assert len(pd.read_csv(tmp / "fitted_calibration.csv")) == 10


def test_the_fit_finds_the_planted_weights(smoke):
    fit = smoke[0]
    planted = vector_of(scenario("quotes_planted"))
    assert fit.deals > 2000 and fit.converged and list(fit.not_identified) == ["specification"]
    dev = ((fit.estimate - planted) / fit.se)[fit.free()]
    assert np.abs(dev).max() < 3.0, dict(zip(PARAMETERS, dev.round(2), strict=False))
    stat, p = fit.wald(planted)
    assert p > 0.01, (stat, p)
    # ... and the data has power: the default weights the fit started from are rejected
    assert fit.wald(fit.prior)[1] < 1e-6


def test_the_librarys_log_likelihood_is_the_models_formula(smoke):
    fit, path, *_ = smoke
    assert abs(fit.log_likelihood - fit.own_log_likelihood) < 1e-6
    x = choice_data(read_quotes(path, scenario("quotes_prior")), scenario("quotes_prior"))
    theta = fit.prior      # another parameter vector: the default weights
    lib, per_deal = library_log_likelihood(x, theta)
    assert abs(lib - log_likelihood(theta, x)) < 1e-6
    assert abs(lib - fit.log_likelihood) > 10      # a different vector, a different value


def test_the_written_scenario_reproduces_the_fitted_win_probabilities(smoke):
    fit, path, out, *_ = smoke
    written = load_scenario(out)
    x = choice_data(read_quotes(path, written), written)
    p = win_probabilities(vector_of(written), x)
    assert np.abs(p - fit.win_probability).max() < 1e-6
    assert written.choice.noise_scale == 1.0


def test_the_fitted_scenario_declares_the_intervals_and_keeps_the_parents_other_ranges(smoke):
    fit, _, out, *_ = smoke
    doc = yaml.safe_load(out.read_text())
    assert doc["extends"].endswith("fixtures/quotes_prior.yaml")
    ranges = doc["uncertainties"]
    assert set(ranges) == {f"choice.{n}" for n in PARAMETERS if n != "specification"}
    for name in ranges:
        name = name.removeprefix("choice.")
        lo, hi = fit.interval(name)
        r = ranges[f"choice.{name}"]
        assert r["low"] == pytest.approx(max(lo, 0.0) if "." not in name and name !=
                                         "brand_nest" else lo)
        assert r["high"] == pytest.approx(hi)
        assert r["low"] < fit.value(name) < r["high"]
    written = load_scenario(out)
    at_ends = with_values(written, {k: v["low"] for k, v in ranges.items()})
    assert at_ends.choice.price == ranges["choice.price"]["low"]


def test_the_fitted_scenario_validates_runs_and_compares(smoke):
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    _, _, out, tmp, _ = smoke
    r = cli("validate", out)
    assert r.returncode == 0, r.stderr
    fitted = load_scenario(out)
    kpis = run_model(fitted, 1, 8).kpis()
    assert len(kpis) == 8 and kpis["turnover"].sum() > 0
    store = run_comparison({"fitted": fitted, "prior": scenario("quotes_prior")}, "fitted", 2,
                           1, 8, tmp / "cmp", SerialEngine())
    assert all(store.done(name, rep) for name in ("fitted", "prior") for rep in (0, 1))
    assert set(store.read("kpis")["scenario"]) == {"fitted", "prior"}


def test_the_calibration_chart_and_table(smoke):
    fit, *_ = smoke
    table = calibration_by_price(fit)
    assert len(table) == 10 and table["quotes"].sum() == fit.quotes
    assert table["price_rel"].is_monotonic_increasing
    se = np.sqrt(table["observed"] * (1 - table["observed"]) / table["quotes"])
    assert (np.abs(table["predicted"] - table["observed"]) < 3 * se + 1e-9).all(), table
    assert 0.1 < fit.rho_squared < 0.6 and 0.5 < fit.hit_rate < 0.95
    assert any("endogenous" in w for w in fit.warnings)


def test_a_planted_unidentified_weight_is_flagged_and_kept_at_its_prior(smoke):
    fit, _, out, *_ = smoke
    prior = scenario("quotes_prior")
    assert fit.not_identified == {"specification": "no variation in the quotes once each "
                                  "segment's constant is taken out"}
    assert fit.value("specification") == prior.choice.specification
    assert math.isnan(fit.se[PARAMETERS.index("specification")])
    assert any(w.startswith("specification is not identified") and "keeps its prior" in w
               for w in fit.warnings)
    doc = yaml.safe_load(out.read_text())
    assert "choice.specification" not in doc["uncertainties"]
    assert load_scenario(out).choice.specification == prior.choice.specification


def test_no_incumbent_column_or_one_delivery_time_leave_those_weights_unidentified(smoke):
    _, path, _, tmp, _ = smoke
    prior = scenario("quotes_prior")
    df = pd.read_csv(path).drop(columns="incumbent")
    stocked = {p.name: p.stocked for p in prior.products}
    # every quote promises what the competitor promises: delivery tells nothing
    df["delivery_weeks"] = [prior.competitor.delivery_weeks if stocked[p] else
                            prior.behaviour.pricing.made_to_order_weeks for p in df["product"]]
    df.to_csv(tmp / "flat.csv", index=False)
    why = identification(choice_data(read_quotes(tmp / "flat.csv", prior), prior))
    assert why == {"delivery": "no variation in the quotes once each segment's constant is "
                   "taken out", "relationship": "the file has no incumbent column",
                   "specification": "no variation in the quotes once each segment's constant "
                   "is taken out"}
    df["delivery_weeks"] += 0.5 * (df["agent_id"] == "D01")    # one seller differs: it can
    df.to_csv(tmp / "flat.csv", index=False)
    why = identification(choice_data(read_quotes(tmp / "flat.csv", prior), prior))
    assert "delivery" not in why


def test_the_likelihood_of_one_deal_by_hand():
    """Two quotes of utility 1 and 0 and the competitor at 0.5, lambda 0.5: the formula."""
    from analysis.choicefit.design import ChoiceData

    x = ChoiceData(deal=np.array([0, 0]), price=np.array([0.0, 0.0]),
                   delivery=np.array([0.0, 0.0]), expertise=np.array([1.0, 0.0]),
                   incumbent=np.zeros(2), spec=np.zeros(1), segment=np.array([1]),
                   c_price=np.zeros(1), c_delivery=np.zeros(1), c_expertise=np.array([0.5]),
                   c_incumbent=np.zeros(1), won=np.array([False, True]), has_incumbent=True)
    theta = np.zeros(len(PARAMETERS))
    theta[PARAMETERS.index("expertise")] = 1.0
    theta[PARAMETERS.index("brand_nest")] = 0.5
    inc = 0.5 * math.log(math.exp(1 / 0.5) + math.exp(0 / 0.5))
    p_brand = 1 / (1 + math.exp(0.5 - inc))
    p = [p_brand * math.exp(1 / 0.5) / (math.exp(2) + 1), p_brand / (math.exp(2) + 1)]
    np.testing.assert_allclose(win_probabilities(theta, x), p, rtol=1e-12)
    assert log_likelihood(theta, x) == pytest.approx(math.log(p[1]), rel=1e-12)
    assert null_log_likelihood(x) == pytest.approx(math.log(1 / 3))
    assert _hit_rate(x, np.array(p)) == 0.0            # the first quote was the likelier
    lost = ChoiceData(**{**x.__dict__, "won": np.array([False, False])})
    assert log_likelihood(theta, lost) == pytest.approx(math.log(1 - p_brand), rel=1e-12)


@pytest.mark.slow
def test_known_answer_at_scale(tmp_path):
    """More than 5,000 model-made deals: Wald test of the planted vector, each within 3 se."""
    planted_sc = with_values(scenario("quotes_planted"), {"market.customers": 4000})
    prior = with_values(scenario("quotes_prior"), {"market.customers": 4000})
    fit = analysis.fit_choice(_quotes(tmp_path, planted_sc, seed=11), prior)
    planted = vector_of(planted_sc)
    assert fit.deals >= 5000 and not fit.not_identified
    dev = (fit.estimate - planted) / fit.se
    stat, p = fit.wald(planted)
    print(f"deals {fit.deals}, Wald {stat:.2f} p {p:.3f}, max |dev| {np.abs(dev).max():.2f}, "
          f"LL {fit.log_likelihood:.6f} / {fit.own_log_likelihood:.6f}, rho2 "
          f"{fit.rho_squared:.3f}, hit {fit.hit_rate:.3f}")
    assert p > 0.01, (stat, p)
    assert np.abs(dev).max() < 3.0, dict(zip(PARAMETERS, dev.round(2), strict=True))
    assert abs(fit.log_likelihood - fit.own_log_likelihood) < 1e-6


@pytest.mark.slow
def test_prices_set_knowing_the_customer_bias_the_price_weight_toward_zero(tmp_path):
    """The endogeneity warning, shown: choices redrawn from the formula on the model's quotes,
    once with the prices as quoted and once with every price raised where the customer leans
    to the brand (``+ 0.01 x`` its nest-versus-competitor draw, which the seller sees)."""
    from dataclasses import replace

    from analysis.choicefit.library import estimate
    from analysis.choicefit.likelihood import utilities
    from sim.rules.choice import choose_nested, gumbel

    planted_sc = scenario("quotes_planted")
    prior = scenario("quotes_prior")
    x = choice_data(read_quotes(_quotes(tmp_path, planted_sc), prior), prior)
    theta = vector_of(planted_sc)
    rng = np.random.default_rng(5)
    g_bid, g_nest, g_comp = (gumbel(rng.random(n)) for n in (len(x.deal), x.n_deals,
                                                             x.n_deals))
    lam = theta[PARAMETERS.index("brand_nest")]
    fits = {}
    for kappa in (0.0, 0.01):
        shifted = replace(x, price=x.price + kappa * (g_nest - g_comp)[x.deal])
        u, u_c = utilities(theta, shifted)
        best, takes = choose_nested(x.deal, u, g_bid, u_c, g_nest, g_comp, lam)
        won = np.zeros(len(x.deal), bool)
        won[best[takes]] = True
        fits[kappa] = estimate(replace(shifted, won=won), vector_of(prior), set())
    i = PARAMETERS.index("price")
    honest, chosen = fits[0.0], fits[0.01]
    se = math.sqrt(honest.cov[i, i])
    print(f"price planted {theta[i]}, as quoted {honest.theta[i]:.3f} +/- {se:.3f}, set "
          f"knowing the customer {chosen.theta[i]:.3f} +/- {math.sqrt(chosen.cov[i, i]):.3f}")
    assert abs(honest.theta[i] - theta[i]) < 3 * se
    assert chosen.theta[i] < theta[i] - 3 * se, (chosen.theta[i], theta[i], se)
