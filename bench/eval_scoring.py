"""Eval scoring throughput: the local backend's tree scorer against padded batches, same run.

    python bench/eval_scoring.py [--profile quick] [--dataset reversal]

Scores every (prompt, option) request of a dataset, without and with its documents in context,
first the way most harnesses do it (the baseline: each request padded into batches of 8; with
documents, their key/value cache replicated for every row), then with the backend's scorer
(requests merged into a token trie scored with a tree attention mask; the documents' cache used
once, never replicated). Prints requests/s, tokens run through the model and the ratio, and the
largest difference between the two methods' scores.
"""

from __future__ import annotations

import argparse
import copy
import time

import torch

from adaptcost.evalkit.datasets.paper import generate
from adaptcost.evalkit.backends.local import LocalBackend
from adaptcost.evalkit.scoring.runner import context_of


def padded_batches(backend: LocalBackend, requests, prefix: str = "") -> list[float]:
    """The baseline: one padded row per request, 8 per batch (prefix cache replicated per row)."""
    out = []
    prefix_ids = list(backend.tokenizer(prefix)["input_ids"]) if prefix else []
    with torch.inference_mode():
        cache = backend.model(input_ids=torch.tensor([prefix_ids]), use_cache=True).past_key_values if prefix else None
        for start in range(0, len(requests), 8):
            batch = requests[start : start + 8]
            rows = [backend._encode_rest(c, x) if prefix else backend._encode_pair(c, x) for c, x in batch]
            ids, mask = backend._pad([r for r, _ in rows], left=False)
            kwargs = {}
            if prefix:
                shared = copy.deepcopy(cache)
                shared.batch_repeat_interleave(len(batch))
                mask = torch.cat([torch.ones((len(batch), len(prefix_ids)), dtype=mask.dtype), mask], dim=1)
                kwargs[backend._cache_kwarg] = shared
            logits = backend.model(input_ids=ids, attention_mask=mask, **kwargs).logits
            for row, (r, split) in enumerate(rows):
                logprobs = torch.log_softmax(logits[row, split - 1 : len(r) - 1].float(), dim=-1)
                out.append(float(logprobs.gather(-1, torch.tensor(r[split:]).unsqueeze(-1)).sum()))
    return out


def timed(label: str, run, n_requests: int, baseline_seconds: float | None = None):
    started = time.perf_counter()
    values = run()
    seconds = time.perf_counter() - started
    ratio = f"  {baseline_seconds / seconds:5.2f}x the baseline" if baseline_seconds else ""
    print(f"  {label:<28} {seconds:7.2f} s  {n_requests / seconds:7.1f} requests/s{ratio}")
    return values, seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--dataset", default="reversal")
    args = parser.parse_args()
    backend = LocalBackend()
    data = generate(args.dataset, 0, args.profile)
    requests = [(item.prompt, option) for item in data.items for option in item.options]
    prefix = context_of(data.docs)
    print(f"{args.dataset} · {args.profile}: {len(requests)} requests, documents of "
          f"{backend.count_tokens(prefix)} tokens, {torch.get_num_threads()} threads")
    for label, context in (("no documents", ""), ("documents in context", prefix)):
        print(label)
        lead = [("\n\n" + c if context else c, x) for c, x in requests]
        base, seconds = timed("padded batches (baseline)", lambda: padded_batches(backend, lead, context), len(lead))
        if context:
            tree, _ = timed("tree scorer", lambda: [s for s, _ in backend.loglikelihood_prefixed(context, lead)], len(lead), seconds)
        else:
            tree, _ = timed("tree scorer", lambda: [s for s, _ in backend.loglikelihood(lead)], len(lead), seconds)
        print(f"  largest score difference: {max(abs(a - b) for a, b in zip(base, tree)):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
