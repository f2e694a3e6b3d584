"""The corpus: find the documents (`discover`), extract their text (`extract`), split sentences
(`sentences`), count tokens exactly per encoding (`encodings`), and remember the counts by content
(`countcache`). Out: a `CorpusProfile`.

Imports only the ground floor (`adaptcost.errors`, `defaults`, `paths`, `fileio`, `suggest`,
`_version`); every other part may import it.
"""
