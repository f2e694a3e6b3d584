"""Models and retrievers behind small protocols, registered by name: the `Backend` protocol
(`protocol`), the registry (`registry`), the local model (`local`, with its scoring, training and
weight store) and an OpenAI-compatible endpoint (`openai`); the rag arms' retrievers
(`retrievers`). Imports the prices and the corpus (the endpoint's token counts and prices), never
the datasets, the scoring or the results."""
