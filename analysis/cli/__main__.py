"""``python -m analysis.cli``: the same as the ``channelsim`` script."""

from analysis.cli import main

main()
