"""Evaluation kit: seeded, offline regenerations of the datasets of Lampinen et al. 2025 (arXiv 2505.00661)."""
