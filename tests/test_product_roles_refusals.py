"""Product lines no channel can sell are refused at load: one line naming file and field, exit 2.

Two ways a line ends with no seller: the rules leave none (``product_roles`` and, under
``segment_split``, ``segment_roles`` allow no common channel), or the rules allow channels the
network does not have (no agent of the kind or role; a marketplace listing the policy does
not enable). Each refusal says which line, which segment and what to change; each has an
accepted twin one setting away, so the tests fail if the check refuses too much.
"""

import subprocess

import pytest
from conftest import CLI, FIXTURES, ROOT, cli

from sim.scenario import ScenarioError, load_scenario

SMALL = FIXTURES / "small.yaml"
NO_SERVICE = ("network:\n  partners: {integrator: 2, dealer: 3, project: 1, service: 0, "
              "specifier: 1}\n")


def _file(tmp_path, body: str, name: str = "s.yaml"):
    f = tmp_path / name
    f.write_text(f"extends: {SMALL}\n{body}", encoding="utf-8")
    return f


def refused(tmp_path, body: str, *fragments: str) -> str:
    """Loading refuses the file with one line naming it and the field, holding every fragment.

    Loading is what ``validate`` and every command do first (the exit code and the one line
    on stderr through the command line: the last tests).
    """
    f = _file(tmp_path, body)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    lines = exc.value.lines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{f}: policy.product_roles.engineered: "), lines[0]
    for part in fragments:
        assert part in lines[0], lines[0]
    return lines[0]


def accepted(tmp_path, body: str) -> None:
    load_scenario(_file(tmp_path, body, "ok.yaml"))


# -- a line allowed only to channels the network lacks -----------------------------------
def test_a_line_allowed_only_to_a_kind_with_no_agent_is_refused(tmp_path):
    line = refused(tmp_path, NO_SERVICE + "policy:\n  product_roles: {engineered: [service]}\n",
                   "only by service partners, and the network has none",
                   "set network.partners.service above 0")
    assert "segment" not in line           # no segment rule is in force: none is blamed
    # another allowed channel the network has: accepted
    accepted(tmp_path, NO_SERVICE + "policy:\n  product_roles: {engineered: [service, direct]}\n")
    # the same rule with service partners in the network: accepted
    accepted(tmp_path, "policy:\n  product_roles: {engineered: [service]}\n")


def test_a_line_allowed_only_to_a_role_with_no_agent_is_refused(tmp_path):
    refused(tmp_path, "network: {direct_reps: 0}\npolicy:\n  product_roles: {engineered: "
            "[direct]}\n", "only by direct reps", "set network.direct_reps above 0")
    # the marketplace listing exists but sells only where the policy enables it
    refused(tmp_path, "policy:\n  product_roles: {engineered: [marketplace]}\n",
            "only by the marketplace listing", "set policy.marketplace.enabled (and "
            "network.marketplace) to true")
    accepted(tmp_path, "policy:\n  marketplace: {enabled: true}\n  product_roles: {engineered: "
             "[marketplace]}\n")


def test_a_segment_left_with_only_absent_agents_is_refused(tmp_path):
    rules = ("  territory: segment_split\n  segment_roles: {small: [distributor], mid: "
             "[distributor, integrator], key: [direct], project: [integrator, project]}\n"
             "  product_roles: {engineered: [integrator, direct]}\n")
    no_integrator = "network:\n  partners: {integrator: 0, dealer: 3, project: 1}\n"
    refused(tmp_path, no_integrator + "policy:\n" + rules,
            "in segment 'mid' (with segment_roles.mid) only by integrator partners",
            "network.partners.integrator")
    accepted(tmp_path, "policy:\n" + rules)


def test_a_strategy_may_rely_on_the_agents_its_rollout_brings(tmp_path):
    strategy = (NO_SERVICE + "policy:\n  product_roles: {engineered: [service]}\n"
                "rollout:\n  full_week: 10\n")
    refused(tmp_path, strategy, "only by service partners")
    accepted(tmp_path, strategy + "  network_changes: [{action: add, roles: [partner], "
             "kinds: [service], count: 1}]\n")
    accepted(tmp_path, strategy + "  network_changes: [{action: retype, roles: [partner], "
             "kinds: [dealer], share: 0.5, to_kind: service}]\n")


def test_the_baselines_policy_is_checked_against_the_network_as_it_starts(tmp_path):
    """Agents the rollout adds arrive at the switch: before it the baseline's rules hold."""
    base = _file(tmp_path, NO_SERVICE + "policy:\n  product_roles: {engineered: [service]}\n",
                 "base.yaml")
    f = tmp_path / "strat.yaml"
    f.write_text(f"extends: {base}\nname: strat\npolicy:\n  product_roles: {{engineered: "
                 "[service]}\nrollout:\n  full_week: 10\n  network_changes: [{action: add, "
                 "roles: [partner], kinds: [service], count: 1}]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    assert exc.value.lines() == [
        f"{f}: policy.product_roles.engineered: the line 'engineered' (under the baseline's "
        "policy, before the rollout) may be sold only by service partners, and the network "
        "has none that sells; allow a channel the network has, or set network.partners.service "
        "above 0"]


def test_a_roster_without_a_contracted_agent_of_the_kind_is_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,role,kind,region,annual_purchases,contracted\n"
                      "D1,Dist,distributor,,north,100000,1\n"
                      "P1,Dealer,partner,dealer,south,20000,1\n"
                      "P2,Service,partner,service,east,5000,0\n"
                      "R1,Reps,direct,,north,0,1\n", encoding="utf-8")
    body = f"network: {{roster: {roster}}}\npolicy:\n  product_roles: {{engineered: [service]}}\n"
    refused(tmp_path, body, "only by service partners", "contract one in the roster")
    accepted(tmp_path, body.replace("[service]", "[service, dealer]"))


def test_validate_and_compare_exit_2_with_one_line_before_any_work(tmp_path):
    body = NO_SERVICE + "policy:\n  product_roles: {engineered: [service]}\n"
    f = _file(tmp_path, body)
    r = cli("validate", f)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        f"{f}: policy.product_roles.engineered: the line 'engineered' may be sold only by "
        "service partners, and the network has none that sells; allow a channel the network "
        "has, or set network.partners.service above 0"], r.stderr
    strategy = _file(tmp_path, body + "name: strat\nrollout: {full_week: 5}\n", "strat.yaml")
    out = tmp_path / "cmp"
    r = subprocess.run([*CLI, "compare", str(SMALL), str(strategy), "--weeks", "10", "--out",
                        str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith(f"{strategy}: policy.product_roles.engineered: "), lines[0]
    assert "replications done" not in r.stdout + r.stderr and not out.exists()


# -- a line and segment the rules leave with no channel -----------------------------------
def test_the_segment_roles_message_names_the_line_the_segments_and_the_fix(tmp_path):
    line = refused(
        tmp_path, "policy:\n  territory: segment_split\n  segment_roles: {small: [distributor], "
        "mid: [distributor], key: [direct], project: [integrator]}\n  product_roles: "
        "{engineered: [direct]}\n",
        "under segment_split no channel may sell the line 'engineered' in segments 'mid' and "
        "'project', where its mix sells it",
        "product_roles.engineered allows direct, segment_roles.mid allows distributor; "
        "segment_roles.project allows integrator",
        "add a channel to product_roles.engineered or to segment_roles.mid or "
        "segment_roles.project", "or set the line's mix in 'mid' and 'project' to 0")
    # 'small' is allowed nothing in common either, but the line is not sold there (mix 0)
    assert "'small'" not in line and "'key'" not in line


def test_a_line_named_only_for_specifiers_does_not_blame_segment_roles(tmp_path):
    line = refused(tmp_path, "policy:\n  product_roles: {engineered: [specifier]}\n",
                   "no channel may sell the line 'engineered'", "specifiers advise",
                   "name a role (distributor, partner, direct, marketplace)")
    assert "segment_roles" not in line     # segment_split is not in force
