"""Quality measured on the buyer's own corpus, with probes: multiple-choice questions whose evidence
(document, sentence, span, chunks) is known.

- `build.build_probes` is the one call of `probe build`: facts (`facts`) → questions of five types
  (`questions`) with distractors from the same corpus (`distractors`) → the offline guessability
  baselines (`guess`) → probes.jsonl and probes.csv (`probefile`);
- `recall.measure_recall` is the one call of `probe run`: recall@k per retriever and k (which
  probes' evidence chunks are retrieved), written by `curvesfile` as a curves file's ``retrieval``
  section, which `recommend --curves` reads; with a model, `arms.measure_arms` scores each strategy on
  the probes (the fine-tuned ones trained on the corpus to the recall ceiling by `tuned`).

May import the retrievers (`evalkit.backends`), the statistics (`evalkit.stats`), the one CSV writer
(`outputs.tables`) and the parts below (decision, corpus, ground floor).
"""
