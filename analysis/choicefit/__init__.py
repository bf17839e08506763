"""The customer's choice estimated from a client's quote log (issue #22, docs/choice-fit.md).

``quotes`` reads the file, ``design`` turns it into the choice rule's utility terms,
``likelihood`` is the project's own nested-logit likelihood, ``library`` the Biogeme
estimate, ``fit`` the :class:`~analysis.choicefit.fit.ChoiceFit`, ``output`` its tables,
chart and fitted scenario, ``simulated`` quote logs recorded from the model's own choices.
"""
