"""The decision: the quality curves (`curves`), the estimate of every strategy for one corpus
(`estimate`), the pick with its reasons (`recommend`), the document both become (`document`),
and the Monte Carlo, tornado and sweeps around it (`uncertainty`).

May import the costing, the prices, the corpus and the ground floor; never the outputs or the
command line.
"""
