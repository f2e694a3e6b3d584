"""Model-written probes (`probe build --writer MODEL`): a model behind an OpenAI-compatible
endpoint writes the question of an offline probe in natural words; a second call checks it.

- What is written: the question only, of the probes of `WRITTEN_TYPES` (their facts say where a
  one-answer question is possible: rephrasing where the subject has one value, reversal where the
  relation is one-to-one). The options (the key and the offline distractors) and the key's
  position are the offline build's, so a written probe differs from its offline twin in its
  question alone.
- The writer's prompt holds the evidence sentence, the answer and the type wanted (`write_prompt`).
  A question that holds its answer, or for rephrasing repeats `REPHRASE_RUN` words in a row of the
  evidence (questions.shares_run: the offline rephrasing's rule), or that another probe asks
  already, is rejected: the offline probe stays, marked as such.
- The check (`check_prompt`): a second call sees ONLY the evidence sentence(s), the written
  question and the lettered options, and must pick the key (`picked`: the letter, or the option's
  exact text). A probe whose check picks anything else is dropped and counted.
- The cost (`estimate`), before any call: the tokens of every call to make (prompt, chat framing
  and the output cap), priced from the price book's row for the model on the decision date, with
  the row's source and as-of date; a call already in the cache (callcache) costs nothing. A check
  whose question is not written yet is counted with a question of `WRITE_TOKENS` tokens (the most
  the writer may write), so the figure is an upper bound.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Sequence

from ...errors import AdaptcostError, PricingError
from ...limits import MAX_USD, problem
from ..backends.openai import CHAT_MESSAGE_TOKENS, chat_body, count_tokens_for
from .callcache import CallCache, call_key
from .spend import unpriced
from .questions import REPHRASE_RUN, Draft, contains, shares_run

WRITTEN_TYPES = ("recall", "rephrasing", "reversal")
WRITE_TOKENS = 96  # the most tokens a written question may take (max_tokens of the writer's call)
CHECK_TOKENS = 8  # the check replies with a letter
MAX_QUESTION_CHARS = 400
LETTERS = "ABCDE"
CHECK_VERDICT = "pass"

Ask = Callable[[str, int], str]  # (prompt, max_tokens) -> the model's reply


@dataclass(frozen=True)
class WriterRequest:
    """`--writer MODEL` and its options (see the CLI)."""

    model: str
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    max_usd: float | None = None
    dry_run: bool = False
    limit: int | None = None

    def __post_init__(self):
        if not self.model.strip():
            raise AdaptcostError("--writer: name the model that writes the questions")
        if self.max_usd is not None and problem(self.max_usd, low=0, high=MAX_USD) is not None:
            raise AdaptcostError(f"--max-usd {problem(self.max_usd, low=0, high=MAX_USD)}")
        if self.limit is not None and problem(self.limit, low=1, whole=True) is not None:
            raise AdaptcostError(f"--writer-limit {problem(self.limit, low=1, whole=True)}")


# ---------------------------------------------------------------- prompts and replies


def _asked(draft: Draft) -> str:
    fact = draft.facts[0]
    if draft.type == "reversal":
        return (f'Ask for the thing the evidence says this of, naming "{fact.value}" in the question; its answer is '
                f'"{draft.answer}".')
    if draft.type == "rephrasing":
        return (f"Use your own words: do not repeat any {REPHRASE_RUN} words in a row of the evidence, "
                "so that the question cannot be answered by matching its wording.")
    return "Ask it the way a colleague who has not read the document would ask."


def write_prompt(draft: Draft) -> str:
    """The writer's prompt: the evidence, the answer, the type of question wanted."""
    evidence = "\n".join(f.sentence for f in draft.facts)
    return ("Write one question for a quiz on a team's documents.\n"
            f"Evidence: {evidence}\n"
            f"Answer: {draft.answer}\n"
            f'The question must be answerable from the evidence, its one right answer being exactly "{draft.answer}", '
            f"and it must not contain the answer. {_asked(draft)}\n"
            "Reply with the question only, on one line.")


def check_prompt(evidence: Sequence[str], question: str, options: Sequence[str]) -> str:
    """The check's prompt: the evidence sentence(s), the question and the lettered options only."""
    lettered = "\n".join(f"{LETTERS[i]}) {o}" for i, o in enumerate(options))
    return ("Answer the multiple-choice question from the evidence alone.\n"
            "Evidence:\n" + "\n".join(evidence) + "\n"
            f"Question: {question}\n"
            f"Options:\n{lettered}\n"
            "Reply with the letter of the one right option only.")


def clean_question(reply: str) -> str:
    """The question in a writer's reply: its first non-empty line, without a "Question:" label,
    list marker, emphasis or surrounding quotes."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:\*\*)?(?:question|q)\s*[:.-]\s*(?:\*\*)?\s*", "", line, flags=re.I)
    line = re.sub(r"^(?:\d+[.)]|[-*])\s+", "", line)
    return line.strip().strip("*").strip().strip('"“”\'').strip()


def rejection(draft: Draft, question: str) -> str | None:
    """Why a written question cannot be asked, or None when it can."""
    if not question:
        return "no question in the reply"
    if len(question) > MAX_QUESTION_CHARS:
        return f"the question runs past {MAX_QUESTION_CHARS} characters"
    if contains(question, draft.answer):
        return "the question holds its answer"
    if draft.type == "rephrasing" and any(shares_run(question, f.sentence) for f in draft.facts):
        return f"the question repeats {REPHRASE_RUN} words in a row of the evidence"
    return None


def picked(reply: str, options: Sequence[str]) -> int | None:
    """The option a check's reply names: a capital letter first ("B", "(B)", "B) 30 days", after an
    "Answer:" label), a lone lower-case letter, or exactly one option's text; else None."""
    text = re.sub(r"^\s*(?:the\s+)?(?:answer|option)\s*(?:is)?\s*[:\-]?\s*", "", reply.strip(), flags=re.I).strip()
    letters = LETTERS[:len(options)]
    match = re.fullmatch(rf"\**\(?([{letters}])\)?\**(?:[.):]\s*.*|\s+.*)?", text, flags=re.S)
    if match is None and len(text.rstrip(".")) == 1 and text[0].upper() in letters:
        match = re.fullmatch(r"(.)\.?", text.upper())
    if match is not None:
        return letters.index(match.group(1).upper())
    said = text.rstrip(".").strip().casefold()
    hits = [i for i, o in enumerate(options) if o.strip().casefold() == said]
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------- one probe


@dataclass(frozen=True)
class Outcome:
    """What the writer made of one probe: a question that passed its check, one the check
    refused (`picked` is not the key: dropped), or a rejection (the offline probe stays)."""

    question: str | None = None
    rejected: str | None = None
    picked: int | None = None
    passed: bool = False


def write_one(draft: Draft, options: Sequence[str], key: int, asked: set[str], ask: Ask) -> Outcome:
    """Write `draft`'s question, reject or check it (see the module's doc); `asked` holds the
    questions the file asks already."""
    question = clean_question(ask(write_prompt(draft), WRITE_TOKENS))
    why = rejection(draft, question) or ("another probe asks the same question" if question in asked else None)
    if why is not None:
        return Outcome(rejected=why)
    choice = picked(ask(check_prompt([f.sentence for f in draft.facts], question, options), CHECK_TOKENS), options)
    return Outcome(question=question, picked=choice, passed=choice == key)


def chosen(types: Sequence[str], limit: int | None) -> list[int]:
    """The indices of the probes to write: those of WRITTEN_TYPES, at most `limit` of them spread
    evenly through the file (the first, then every len/limit-th)."""
    eligible = [i for i, t in enumerate(types) if t in WRITTEN_TYPES]
    if limit is None or limit >= len(eligible):
        return eligible
    return [eligible[j * len(eligible) // limit] for j in range(limit)]


def shown_base_url(base_url: str) -> str:
    """The base URL as files and messages carry it: without a user:password part, query or fragment."""
    parts = urllib.parse.urlsplit(base_url)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class CachedAsk:
    """`backend.generate` one prompt at a time through the call cache: (prompt, max_tokens) -> reply."""

    def __init__(self, backend, base_url: str, model: str, cache: CallCache):
        self.backend, self.base_url, self.model, self.cache = backend, base_url, model, cache

    def key(self, prompt: str, max_tokens: int) -> str:
        return call_key(self.base_url, self.model, chat_body(self.model, prompt, max_tokens))

    def __call__(self, prompt: str, max_tokens: int) -> str:
        return self.cache.reply(self.key(prompt, max_tokens), lambda: self.backend.generate([prompt], max_tokens)[0])


# ---------------------------------------------------------------- the cost, before any call


@dataclass
class Estimate:
    """The calls a build will make and their cost (see the module's doc)."""

    model: str
    base_url: str
    probes: int
    calls: int  # not in the cache: made and billed
    cached: int
    tokens_in: int
    tokens_out: int  # at most: each call's max_tokens
    unwritten_checks: int  # check prompts counted with a WRITE_TOKENS question
    usd: float | None  # None: the price book has no price for the model
    prices: list  # the PriceRefs the figure used
    unpriced: str = ""

    def line(self) -> str:
        head = (f"writer {self.model} at {self.base_url}: {self.probes:,} probes to write, {self.calls:,} calls to make "
                f"({self.cached:,} answered from the cache), {self.tokens_in:,} prompt tokens and at most {self.tokens_out:,} "
                "output tokens")
        if self.unwritten_checks:
            head += f" ({self.unwritten_checks:,} check prompts counted with a {WRITE_TOKENS}-token question)"
        if self.usd is None:
            return f"{head}; cost unknown: {self.unpriced}"
        if not self.prices:
            return f"{head}: $0 (every call is in the cache)"
        rates = " and ".join(f"${p.usd_per_unit:g} ({p.field.rsplit('.', 1)[-1]})" for p in self.prices)
        ref = self.prices[0]
        return (f"{head}: at most ${self.usd:,.4f}, at {rates} per 1M tokens ({ref.model}, {ref.file}, as of {ref.as_of}, "
                f"{ref.source})")

    def to_dict(self) -> dict:
        return {"calls": self.calls, "cached": self.cached, "tokens_in": self.tokens_in, "tokens_out_max": self.tokens_out,
                "usd_at_most": None if self.usd is None else round(self.usd, 6),
                "prices": [p.to_dict() for p in self.prices]}


def model_price(model: str, pricing: Sequence = ()):
    """The price book's row for `model` on the decision date, or (None, why) when it has none."""
    from ...prices.book import load_pricing

    try:
        book = load_pricing(pricing)
        return book.get(model).on(book.day), ""
    except PricingError as exc:
        return None, str(exc)


def estimate(model: str, base_url: str, drafts: Sequence[tuple[Draft, Sequence[str]]], ask: CachedAsk,
             pricing: Sequence = ()) -> Estimate:
    """The cost of writing and checking each (draft, options) (see the module's doc)."""
    from ...costing.billing import _ref, request_rates, usd

    price, why = model_price(model, pricing)
    calls: list[tuple[str, int, int]] = []  # (prompt, extra prompt tokens, max_tokens) of each call to make
    cached = unwritten = 0
    for draft, options in drafts:
        prompt = write_prompt(draft)
        evidence = [f.sentence for f in draft.facts]
        reply = ask.cache.get(ask.key(prompt, WRITE_TOKENS))
        if reply is None:
            calls.append((prompt, 0, WRITE_TOKENS))
            calls.append((check_prompt(evidence, "", options), WRITE_TOKENS, CHECK_TOKENS))
            unwritten += 1
            continue
        cached += 1
        question = clean_question(reply)
        if rejection(draft, question) is not None:
            continue  # no check is made (a question another probe asks is counted as checked: an upper bound)
        check = check_prompt(evidence, question, options)
        if ask.cache.has(ask.key(check, CHECK_TOKENS)):
            cached += 1
        else:
            calls.append((check, 0, CHECK_TOKENS))
    counts = count_tokens_for(price, [c[0] for c in calls])
    tokens_in = [n + extra + CHAT_MESSAGE_TOKENS for n, (_, extra, _) in zip(counts, calls)]
    total, refs = None, {}
    if price is not None:
        total = 0.0
        for n, (_, _, out) in zip(tokens_in, calls):
            rates, tier = request_rates(price, n)
            total += usd(n, rates.input) + usd(out, rates.output)
            for field, rate in ((f"{tier}.input", rates.input), (f"{tier}.output", rates.output)):
                refs.setdefault(field, _ref(price, field, rate))
    return Estimate(model, shown_base_url(base_url), len(drafts), len(calls), cached, sum(tokens_in),
                    sum(c[2] for c in calls), unwritten, total, list(refs.values()), why)


def refuse(cost: Estimate, max_usd: float | None) -> None:
    """Refuse, before any call, a build over `max_usd`, or one whose cost cannot be known and whose
    user did not state that the endpoint bills nothing (--max-usd 0)."""
    if cost.calls == 0:
        return  # every call is in the cache: nothing is billed
    if cost.usd is None:
        unpriced(cost.line(), max_usd)  # only --max-usd 0 runs a model the tables do not price
        return
    if max_usd is not None and cost.usd > max_usd:
        raise AdaptcostError(f"{cost.line()}: over --max-usd {max_usd:g}; nothing was sent (raise --max-usd, or lower "
                             "--writer-limit)")
