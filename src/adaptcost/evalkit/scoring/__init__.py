"""One eval run: every arm trained and scored on every dataset (`runner`), per-item credit over
the options (`credit`) and the shortcut baselines beside each cell (`baselines`). Imports the
datasets, the backends and the statistics."""
