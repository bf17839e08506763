"""What users do with simulations: summaries, statistics, reports and the command line."""
