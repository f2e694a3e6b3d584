"""The prices: the dated tables' schema (`schema`), rows and lifecycles (`rows`, `retrieval`), the
loaded `PriceBook` (`book`), the warnings each row brings (`notices`), LiteLLM's map imported
(`litellm`) and compared (`diff`), and the units prices are written in (`units`). The tables
themselves are data, in `pricing/` at the repository root (package data in a wheel).

May import the corpus (tokenizer names) and the ground floor; never the costing, the decision,
the outputs or the command line.
"""
