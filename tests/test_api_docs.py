"""docs/api.md's examples run as written, from the repository root."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_doc_examples_run(capsys):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in blocks:  # the second example continues from the first
            exec(compile(block, "docs/api.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "pick: " in out and "documents," in out
    for name in ("'report.json'", "'report.md'", "'strategies.csv'", "'tornado.png'"):
        assert name in out
    assert namespace["rec"].pick in {"icl", "finetune", "finetune+local", "finetune+global"}


def test_public_api_exports():
    import adaptcost

    for name in ("profile_corpus", "load_pricing", "estimate", "recommend"):
        assert callable(getattr(adaptcost, name))
