"""The costing: the assumptions (`scenario`), each provider billing rule written once (`rules`,
`billing`), every strategy's itemised cost (`strategies`) with RAG's chunks, embeddings, index and
reranking (`rag`), the break-even volumes (`breakeven`) and the same costs over many draws
(`montecarlo`). In: a corpus's counts and priced rows; out: `StrategyCost`s.

May import the prices, the corpus and the ground floor; never the decision, the outputs or the
command line.
"""
