"""Decisions under uncertainty: explore futures, sensitivity, robustness, discovery, optimisation.

Uncertainties and levers are the ``plausible`` ranges declared on the config fields
(:func:`sim.config.params.param`); everything here samples and analyses over them.
"""
