"""The eval harness: measures how each strategy generalizes on a real model and writes a curves
file that `recommend --curves` reads. One call, `api.run_and_write`, over five parts, each importing only
those after it:

- `results`: paired comparisons and the curves file written from a run;
- `scoring`: the run itself (`runner`: every arm, trained and scored), per-item credit, and the
  shortcut baselines;
- `backends`: models behind one protocol, registered by name (local SmolLM2, any OpenAI-compatible
  endpoint), and the retrievers of the rag arms;
- `datasets`: seeded, offline regenerations of the datasets of Lampinen et al. 2025
  (arXiv 2505.00661), their nonsense words and the answer-leak checks;
- `stats`: intervals and paired tests.

Beside them, `probes`: quality measured on the buyer's own corpus (`probe build`, `probe run`),
importing the scoring (per-item credit), the backends (models, retrievers) and the statistics.

May import the one CSV writer (`outputs.tables`), the decision (the curves' schema), the prices,
the corpus and the ground floor; never the command line.
"""
