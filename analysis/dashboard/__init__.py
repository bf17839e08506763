"""The live dashboard (Mesa SolaraViz): levers, play/step, charts, the region network."""
