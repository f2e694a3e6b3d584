"""A deterministic word-level model for the HTTP tests (no torch): it knows what its text says.

Tokens are words with their leading whitespace. A token's log-probability is -0.1 when its word
(lower case, punctuation dropped) appears earlier in the text, else -1.0; the first token has none.
So an option stated in the context scores -0.1 a word and any other -1.0 a word; closed book, every
option of a probe whose words the question does not hold ties. ``generate`` answers a lettered
multiple-choice prompt with the letter of the first option stated before the options ("I do not
know" when none is): the same knowledge, asked by generation. Registered as backend "words-model".
"""

from __future__ import annotations

import re

from adaptcost.evalkit.backends.registry import register

_TOKEN = re.compile(r"\s*\S+")
_OPTION = re.compile(r"^([A-E])\. (.+)$", re.MULTILINE)


def _word(token: str) -> str:
    return re.sub(r"[^\w]", "", token.lower())


class WordsModel:
    name = "words-model"

    def __init__(self, **_) -> None:
        self.generated: list[str] = []

    def token_logprobs(self, texts):
        out = []
        for text in texts:
            seen: set[str] = set()
            tokens = []
            for k, m in enumerate(_TOKEN.finditer(text)):
                word = _word(m.group())
                tokens.append((m.start(), m.end(), None if k == 0 else (-0.1 if word in seen else -1.0)))
                seen.add(word)
            out.append(tokens)
        return out

    def loglikelihood(self, requests):
        out = []
        for (context, continuation), tokens in zip(requests, self.token_logprobs([c + x for c, x in requests])):
            mine = [v for _, end, v in tokens if end > len(context)]
            out.append((float(sum(v for v in mine if v is not None)), len(mine)) if continuation else (0.0, 0))
        return out

    def generate(self, prompts, max_new_tokens=128, chat=False):
        replies = []
        for prompt in prompts:
            self.generated.append(prompt)
            options = _OPTION.findall(prompt)
            before = prompt[: prompt.find("\nA. ")].lower() if options else ""
            said = next((letter for letter, text in options if text.lower() in before), None)
            replies.append(said or "I do not know")
        return replies

    def finetune(self, texts, settings):
        raise NotImplementedError

    def context_window(self) -> int:
        return 100_000

    def count_tokens(self, text: str) -> int:
        return len(text.split())


register("words-model", WordsModel)
