"""Each strategy against the baseline: paired statistics, the pilot, agents at risk, words."""
