"""What no single agent owns.

The deals, the policy, settlement, incentives, the books, the competitor and the rollout.
"""
