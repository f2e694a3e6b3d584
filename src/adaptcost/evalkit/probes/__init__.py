"""Probes: multiple-choice questions built from the buyer's own corpus, each with its verbatim
evidence, for `adaptcost probe`. `build.build_probes` is the one call of `probe build`: facts
(`facts`) → questions of five types (`questions`) with distractors from the same corpus
(`distractors`) → the offline guessability baselines (`guess`) → probes.jsonl and probes.csv
(`probefile`). May import evalkit.backends and evalkit.stats, the corpus and the ground floor.
"""
