"""Quality measured on the buyer's own corpus, with probes: multiple-choice questions whose evidence
(document, sentence, span, chunks) is known.

- `build.build_probes` is the one call of `probe build`: facts (`facts`) → questions of five types
  (`questions`) with distractors from the same corpus (`distractors`) → the offline guessability
  baselines (`guess`) → probes.jsonl and probes.csv (`probefile`); with a writer model
  (`--writer`), `writer` has it write the questions of those probes and a second call check them,
  every call cached by content (`callcache`), their cost worked out before any call;
- `recall.measure_recall` is the one call of `probe run`: recall@k per retriever and k (which
  probes' evidence chunks are retrieved), written by `curvesfile` as a curves file's ``retrieval``
  section, which `recommend --curves` reads;
- `arms.measure_arms` answers the probes with a model, arm by arm (the fine-tuned ones trained on the corpus to the recall ceiling by `tuned`; `answering`: log-likelihood or,
  on an endpoint without prompt log-probabilities, generation matched to one option by `replies`;
  `spend`: the cost before any call), and `table` turns the arms into the accuracy table, as the
  decision's strategies and question types, that `recommend --curves` reads.

May import the retrievers (`evalkit.backends`), the statistics (`evalkit.stats`), the one CSV writer
(`outputs.tables`) and the parts below (decision, corpus, ground floor).
"""
