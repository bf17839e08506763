"""Stress tests and calibration: sweep, sensitivity, discovery, optimisation, calibration."""
