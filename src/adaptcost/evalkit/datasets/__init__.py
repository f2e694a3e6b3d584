"""The eval's datasets: the paper's three (`paper`), the nonsense words they are written in
(`words`) and the check that no training or retrieved text gives a test answer away (`leaks`).
Imports the corpus's sentence rule and tokenizers, and of the eval only the claim bar
(`evalkit.stats.support`) a split's support is measured against."""
