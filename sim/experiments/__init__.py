"""Many runs of the model: seeds and futures, engines, the result store, studies' designs.

This package imports the model; the model (``sim.model``, ``sim.agents``, ``sim.market``)
never imports it.
"""
