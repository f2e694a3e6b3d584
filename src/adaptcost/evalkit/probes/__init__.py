"""Quality measured on the buyer's own corpus, with probes: multiple-choice questions whose evidence
(document, sentence, span, chunks) is known. `probefile` reads a probes file (adaptcost-probes/1);
`recall` measures recall@k per retriever and k (which probes' evidence chunks are retrieved);
`curvesfile` writes the result as a curves file's ``retrieval`` section, which `recommend --curves`
reads.

May import the retrievers (`evalkit.backends`), the statistics (`evalkit.stats`) and the parts below
evalkit (decision, corpus, ground floor).
"""
