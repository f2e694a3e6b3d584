"""The outputs: a recommendation as JSON and Markdown (`serialise`), the report folder
(`report`), its charts (`charts`) and CSV tables (`tables`). Nothing here decides or prices.

May import the decision, the costing, the prices, the corpus and the ground floor; never the
command line, typer or rich.
"""
