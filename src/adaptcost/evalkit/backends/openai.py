"""The "openai" backend: any OpenAI-compatible HTTP endpoint (OpenAI, vLLM, llama.cpp, Together...).

Standard library only (``urllib.request`` + ``json``). All HTTP goes through one seam,
``transport(method, url, headers, body) -> (status, response_dict)``, so tests replay recorded
exchanges and never touch the network.

Scoring (``loglikelihood``) is exact where the endpoint returns prompt log-probabilities
(legacy ``/completions`` with ``echo``). Where it rejects that (HTTP 400/404), the backend switches,
for the rest of its life, to an approximation through ``/chat/completions`` (see
:meth:`OpenAIBackend._score_chat`); ``backend.scoring`` records which was used. With
``chat_fallback=False`` (``probe run``: it scores by generation instead) the rejection raises
:class:`~.protocol.NoPromptLogprobs` and nothing is approximated.

The API key is read only from the environment variable named by ``api_key_env``, on every request;
it is never stored on the backend, it is stripped and checked before use, and it is scrubbed
(in clear, in base64 and in pieces: :mod:`.apikey`) from every message and every text built from
an endpoint's response. ``urllib_transport`` follows a redirect only within the same origin
(scheme, host and port): a redirect elsewhere is refused, so the key never reaches a second host.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Callable, Sequence

from adaptcost.errors import AdaptcostError, PricingError
from adaptcost.evalkit.backends.apikey import read_api_key, redact
from adaptcost.evalkit.backends.protocol import FinetuneSettings, NoPromptLogprobs

__all__ = ["OpenAIBackend", "urllib_transport", "Transport", "chat_body", "count_tokens_for", "resolve_base_url"]

Transport = Callable[[str, str, dict, "dict | None"], "tuple[int, dict]"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CONTEXT_WINDOW = 8192
MISSING_LOGPROB = -20.0  # chat approximation: log-probability of a token outside top_logprobs
TOP_LOGPROBS = 20
CHAT_OVERHEAD_TOKENS = 10  # per fine-tuning example: message framing + the fixed user prompt
TRAIN_PROMPT = "Continue."  # the user turn before each training text (the text is the assistant turn)
MAX_RETRIES = 3  # on HTTP 429 and 5xx
# A 429/503 may say how long to wait (Retry-After, RFC 9110 section 10.2.3, in seconds; OpenAI sends it
# with its rate-limit errors: platform.openai.com/docs/guides/rate-limits). The transport hands it on
# under this key of the decoded body; waits are capped so a server cannot stall a run for hours.
RETRY_AFTER = "_retry_after"
MAX_RETRY_AFTER = 60.0
COMPLETIONS_BATCH = 16  # prompts per /completions request
# Input tokens a one-message chat request adds to its content: 3 per message, 1 for the role, 3 that
# prime the reply (OpenAI cookbook, "How to count tokens with tiktoken", num_tokens_from_messages).
CHAT_MESSAGE_TOKENS = 7
_MULTIPART = "multipart/form-data"
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]+")


# ------------------------------------------------------------------ default transport


def _multipart(fields: dict) -> tuple[bytes, str]:
    """Encode ``fields`` as multipart/form-data; a dict value {filename, content} is a file."""
    boundary = "adaptcost-" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        if isinstance(value, dict):
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{value["filename"]}"\r\n'
                "Content-Type: application/jsonl\r\n\r\n"
            )
            payload = value["content"].encode() if isinstance(value["content"], str) else value["content"]
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            payload = str(value).encode()
        parts.append(f"--{boundary}\r\n".encode() + head.encode() + payload + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"{_MULTIPART}; boundary={boundary}"


def _parse(raw: bytes) -> dict:
    try:
        data = json.loads(raw.decode("utf-8", "replace") or "{}")
    except json.JSONDecodeError:
        return {"error": {"message": raw[:200].decode("utf-8", "replace")}}
    return data if isinstance(data, dict) else {"data": data}


def _seconds(value: str | None) -> float | None:
    """A Retry-After header's delay in seconds (the HTTP-date form is not read: None)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}" + (f":{port}" if port != _DEFAULT_PORTS.get(scheme) else "")


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects (with the key) only within the request's origin; refuse any other.

    urllib's own handler re-sends every header, ``Authorization`` included, to whatever host a
    301/302/303/307/308 names. Within the origin, 307 and 308 keep the method and body
    (RFC 9110 sections 15.4.8-9); 301-303 after a POST become a GET, as urllib does.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            fp.close()
            raise AdaptcostError(
                f"{req.get_method()} {req.full_url} was redirected (HTTP {code}) to another host, {_origin_text(newurl)}: "
                "not followed, so the API key stays with the endpoint; set base_url to the new address if you trust it"
            )
        if code in (307, 308) and req.get_method() not in ("GET", "HEAD"):
            return urllib.request.Request(
                newurl, data=req.data, headers=dict(req.header_items()), method=req.get_method(),
                origin_req_host=req.origin_req_host, unverifiable=True,
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOriginRedirects)


def urllib_transport(method: str, url: str, headers: dict, body: dict | None, *, timeout: float = 120.0) -> tuple[int, dict]:
    """One HTTP exchange with urllib: the status and the decoded JSON body (any status).

    A JSON ``body`` is sent as JSON, unless ``headers["Content-Type"]`` is multipart/form-data
    (then a dict field value ``{"filename", "content"}`` is a file). Network failures raise
    :class:`AdaptcostError` naming the URL.
    """
    headers = dict(headers)
    data = None
    if body is not None:
        if headers.get("Content-Type", "").startswith(_MULTIPART):
            data, headers["Content-Type"] = _multipart(body)
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as err:
        data = _parse(err.read() or b"")
        wait = _seconds(err.headers.get("retry-after") if err.headers is not None else None)
        if wait is not None:
            data[RETRY_AFTER] = wait
        return err.code, data
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise AdaptcostError(f"cannot reach {method} {url}: {reason} (check the network and base_url)") from None


# ------------------------------------------------------------------ the backend


def resolve_base_url(base_url: str | None) -> str:
    """The endpoint a backend talks to: `base_url`, else OPENAI_BASE_URL, else OpenAI's."""
    return (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def count_tokens_for(price, texts: Sequence[str]) -> list[int]:
    """Tokens of each text for a model priced by `price` (a ModelPrice): exact where its row names an
    exact tokenizer, else its ratio times that encoding's count; an o200k_base count without a price."""
    from adaptcost.corpus.encodings import get_counter

    if price is None:
        return get_counter("o200k_base").count_many(list(texts))
    spec = price.tokenizer
    counts = get_counter(spec.encoding).count_many(list(texts))
    return counts if spec.exact else [round(n * spec.ratio) for n in counts]


def chat_body(model: str, prompt: str, max_tokens: int) -> dict:
    """The exact /chat/completions body `generate` sends for one prompt (greedy, one user turn):
    what a cache of generations keys on."""
    return {"model": model, "messages": [{"role": "user", "content": prompt}], "temperature": 0, "max_tokens": max_tokens}


class OpenAIBackend:
    """A model behind an OpenAI-compatible API (see the module docstring)."""

    def __init__(
        self,
        model: str = "gpt-4.1-mini",
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        transport: Transport | None = None,
        *,
        poll_interval: float = 30.0,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        run_finetunes: bool = False,
        chat_fallback: bool = True,
    ) -> None:
        self.model = model
        self.chat_fallback = chat_fallback  # False: no prompt logprobs raise NoPromptLogprobs (no approximation)
        self.run_finetunes = run_finetunes  # opt-in: fine-tune() calls bill real money only when True
        self.base_url = resolve_base_url(base_url)
        self.api_key_env = api_key_env
        self.name = f"openai:{model}"
        self.scoring = "prompt-logprobs"  # or "chat-top-logprobs" once the endpoint rejects echo
        self._transport = transport or urllib_transport
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._sleep = sleep
        self._price_cache: tuple | None = None
        self._api_key()  # fail now, not at the first request

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={self.base_url!r}, scoring={self.scoring!r})"

    # -------------------------------------------------------------- HTTP

    def _api_key(self) -> str:
        return read_api_key(self.api_key_env)

    def _scrub(self, text: str, key: str | None = None) -> str:
        """``text`` on one line, without the key in any form nor anything that looks like a key."""
        text = _KEY_LIKE.sub("sk-***", " ".join(str(text).split()))
        if key is None:
            key = os.environ.get(self.api_key_env, "").strip()  # as read for the request; no error inside an error
        return redact(text, key)

    def _call(self, method: str, path: str, body: dict | None = None, *, multipart: bool = False, allow: tuple[int, ...] = ()) -> tuple[int, dict]:
        """Send one request with retries (HTTP 429/5xx, exponential backoff); statuses in ``allow``
        are returned to the caller, any other error status raises a one-line AdaptcostError."""
        key = self._api_key()
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {key}"}
        if multipart:
            headers["Content-Type"] = _MULTIPART
        for attempt in range(MAX_RETRIES + 1):
            try:
                status, data = self._transport(method, url, headers, body)
            except AdaptcostError as err:
                raise AdaptcostError(self._scrub(str(err), key)) from None
            retry = status == 429 or 500 <= status < 600
            if retry and attempt < MAX_RETRIES:
                asked = data.get(RETRY_AFTER) if isinstance(data, dict) else None
                wait = self._backoff * 2**attempt
                self._sleep(max(wait, min(float(asked), MAX_RETRY_AFTER)) if isinstance(asked, (int, float)) else wait)
                continue
            if 200 <= status < 300 or status in allow:
                return status, data
            error = data.get("error") if isinstance(data, dict) else None
            detail = error.get("message", "") if isinstance(error, dict) else (error or "")
            tries = f" after {attempt + 1} tries" if retry else ""
            raise AdaptcostError(
                self._scrub(f"{method} {url} failed with HTTP {status}{tries}: {detail or 'no detail'}", key)
            )
        raise AssertionError("unreachable")

    # -------------------------------------------------------------- pricing and tokens

    def _price(self):
        """(ModelPrice or None, fine-tuned?) for this model; ``ft:BASE:...`` ids price as BASE's fine-tune."""
        if self._price_cache is None:
            from adaptcost.prices.book import load_pricing

            tuned = self.model.startswith("ft:")
            name = self.model.split(":")[1] if tuned else self.model
            try:
                self._price_cache = (load_pricing().get(name), tuned)
            except PricingError:
                self._price_cache = (None, tuned)
        return self._price_cache

    def price_reference(self) -> str | None:
        """Which price an estimate uses (rates, file, date), or None for a model the tables do not price."""
        price, tuned = self._price()
        if price is None:
            return None
        rates = self._rates(price, tuned)
        return (f"{price.name}{' (fine-tuned)' if tuned else ''} at ${rates.input:g}/1M input and ${rates.output:g}/1M output "
                f"tokens ({price.file}, as of {price.as_of.isoformat()})")

    @staticmethod
    def _rates(price, tuned: bool):
        return price.finetune.rates if tuned and price.finetune is not None else price.rates

    def _priced(self):
        price, tuned = self._price()
        if price is None:
            raise AdaptcostError(
                f"no price for model {self.model!r} in the pricing tables: add it with --pricing FILE to estimate its cost"
            )
        return price, tuned

    def context_window(self) -> int:
        price, _ = self._price()
        return price.context_window_tokens if price is not None else DEFAULT_CONTEXT_WINDOW

    def count_tokens(self, text: str) -> int:
        """Exact for models whose pricing entry names an exact tokenizer; else an o200k_base estimate."""
        return self._count_many([text])[0]

    def _count_many(self, texts: Sequence[str]) -> list[int]:
        return count_tokens_for(self._price()[0], texts)

    def estimate_scoring_usd(self, requests: Sequence[tuple[str, str]]) -> float:
        """What scoring ``requests`` would cost at the pricing table's rates (exact token counts).

        Prompt-logprob scoring reads context+continuation and generates nothing (input only);
        the chat approximation reads each distinct context once and generates up to the longest
        continuation's tokens.
        """
        price, tuned = self._priced()
        rates = self._rates(price, tuned)
        requests = [(c, x) for c, x in requests if x]
        if self.scoring == "prompt-logprobs":
            tokens_in = sum(self._count_many([c + x for c, x in requests]))
            return tokens_in * rates.input / 1e6
        groups = self._group(requests)
        tokens_in = sum(self._count_many(list(groups)))
        tokens_out = sum(max(self.count_tokens(x.lstrip()) for x in xs) for xs in groups.values())
        return (tokens_in * rates.input + tokens_out * rates.output) / 1e6

    def estimate_generation_usd(self, prompts: Sequence[str], max_new_tokens: int) -> float:
        """The most that :meth:`generate` on ``prompts`` would cost: each prompt's exact tokens plus a
        chat message's framing (CHAT_MESSAGE_TOKENS) at the input rate, and ``max_new_tokens`` per
        prompt at the output rate (replies that stop sooner cost less), each request at its tier's
        rates (a long prompt past a model's long-context threshold: costing.billing.request_rates,
        as `probe build --writer` prices its calls)."""
        from adaptcost.costing.billing import request_rates

        price, tuned = self._priced()
        total = 0.0
        for n in self._count_many(list(prompts)):
            tokens_in = n + CHAT_MESSAGE_TOKENS
            rates = self._rates(price, tuned) if tuned else request_rates(price, tokens_in)[0]
            total += tokens_in * rates.input + max_new_tokens * rates.output
        return total / 1e6

    # -------------------------------------------------------------- scoring

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        requests = list(requests)
        results: list[tuple[float, int] | None] = [(0.0, 0) if not x else None for _, x in requests]
        todo = [i for i, r in enumerate(results) if r is None]
        if self.scoring == "prompt-logprobs":
            done = self._score_echo([requests[i] for i in todo])
            if done is not None:
                for i, r in zip(todo, done):
                    results[i] = r
                return results  # type: ignore[return-value]
        for i, r in zip(todo, self._score_chat([requests[i] for i in todo])):
            results[i] = r
        return results  # type: ignore[return-value]

    def _score_echo(self, requests: list[tuple[str, str]]) -> list[tuple[float, int]] | None:
        """Exact scores from prompt logprobs, or None after switching to the chat approximation."""
        out: list[tuple[float, int]] = []
        for start in range(0, len(requests), COMPLETIONS_BATCH):
            batch = requests[start : start + COMPLETIONS_BATCH]
            body = {
                "model": self.model,
                "prompt": [c + x for c, x in batch],
                "max_tokens": 0,
                "echo": True,
                "logprobs": 0,
            }
            status, data = self._call("POST", "/completions", body, allow=(400, 404))
            if status in (400, 404):
                if not self.chat_fallback:
                    error = data.get("error") if isinstance(data, dict) else None
                    detail = error.get("message", "") if isinstance(error, dict) else (error or "")
                    raise NoPromptLogprobs(self._scrub(
                        f"{self.base_url}/completions gives no prompt log-probabilities for {self.model} "
                        f"(HTTP {status}: {detail or 'no detail'})"))
                self.scoring = "chat-top-logprobs"
                return None
            choices = sorted(data.get("choices", []), key=lambda ch: ch.get("index", 0))
            if len(choices) != len(batch):
                raise AdaptcostError(f"{self.base_url}/completions returned {len(choices)} choices for {len(batch)} prompts")
            out.extend(self._continuation_logprob(c, x, ch) for (c, x), ch in zip(batch, choices))
        return out

    def _continuation_logprob(self, context: str, continuation: str, choice: dict) -> tuple[float, int]:
        """Sum the logprobs of the tokens covering the continuation's characters.

        A token that starts inside the context but runs into the continuation (a merge across the
        boundary) counts as the continuation's first token. Generated tokens (past the prompt) are
        ignored.
        """
        lp = choice.get("logprobs") or {}
        offsets, values = lp.get("text_offset") or [], lp.get("token_logprobs") or []
        begin, end = len(context), len(context) + len(continuation)
        total, n = 0.0, 0
        for k, (off, value) in enumerate(zip(offsets, values)):
            nxt = offsets[k + 1] if k + 1 < len(offsets) else end
            if off >= end:
                break
            if off >= begin or nxt > begin:
                if value is None:
                    raise AdaptcostError("the endpoint gave no log-probability for the continuation's first token: give a non-empty context")
                total += float(value)
                n += 1
        if n == 0:
            raise AdaptcostError(f"{self.base_url}/completions returned no tokens for a continuation (is echo supported?)")
        return total, n

    @staticmethod
    def _group(requests: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for context, continuation in requests:
            groups.setdefault(context, []).append(continuation)
        return groups

    def _score_chat(self, requests: list[tuple[str, str]]) -> list[tuple[float, int]]:
        """APPROXIMATE scores through /chat/completions top_logprobs.

        The model continues each distinct context as a user message (greedy, ``top_logprobs=20``).
        A continuation (leading whitespace stripped, tokenized with o200k_base) earns at each
        position the logprob of its token when that token is in the position's top-20 list and the
        model's generated tokens so far equal the continuation's (the first token is always
        looked up); every other token scores a floor of ``MISSING_LOGPROB`` (-20). Exact only for
        continuations the model would itself generate, token for token.
        """
        from adaptcost.corpus.encodings import load_tiktoken

        enc, _ = load_tiktoken("o200k_base")

        def pieces(text: str) -> list[str]:
            return [enc.decode_single_token_bytes(t).decode("utf-8", "replace") for t in enc.encode_ordinary(text)]

        scores: dict[tuple[str, str], tuple[float, int]] = {}
        for context, continuations in self._group(requests).items():
            tokenized = {x: pieces(x.lstrip()) or pieces(x) for x in continuations}
            max_tokens = max(1, max(len(t) for t in tokenized.values()))
            body = {
                "model": self.model,
                "messages": [{"role": "user", "content": context}],
                "temperature": 0,
                "logprobs": True,
                "top_logprobs": TOP_LOGPROBS,
                "max_tokens": max_tokens,
            }
            _, data = self._call("POST", "/chat/completions", body)
            try:
                content = data["choices"][0]["logprobs"]["content"] or []
            except (KeyError, IndexError, TypeError):
                raise AdaptcostError(f"{self.base_url}/chat/completions returned no logprobs (does the endpoint support them?)") from None
            for x, toks in tokenized.items():
                total, on_path = 0.0, True
                for pos, tok in enumerate(toks):
                    value = None
                    if on_path and pos < len(content):
                        tops = {t["token"]: t["logprob"] for t in content[pos].get("top_logprobs") or []}
                        value = tops.get(tok)
                        on_path = content[pos].get("token") == tok
                    else:
                        on_path = False
                    total += float(value) if value is not None else MISSING_LOGPROB
                scores[(context, x)] = (total, len(toks))
        return [scores[r] for r in requests]

    # -------------------------------------------------------------- generation

    def generate(self, prompts: Sequence[str], max_new_tokens: int = 128) -> list[str]:
        out = []
        for prompt in prompts:
            _, data = self._call("POST", "/chat/completions", chat_body(self.model, prompt, max_new_tokens))
            try:
                text = data["choices"][0]["message"]["content"] or ""
            except (KeyError, IndexError, TypeError):
                raise AdaptcostError(f"{self.base_url}/chat/completions returned no message") from None
            out.append(redact(str(text), self._api_key()))  # generations land in results and logs
        return out

    # -------------------------------------------------------------- fine-tuning (opt-in)

    def _training_tokens(self, texts: Sequence[str]) -> int:
        return sum(self._count_many(texts)) + CHAT_OVERHEAD_TOKENS * len(texts)

    def estimate_finetune_usd(self, texts: Sequence[str], settings: FinetuneSettings = FinetuneSettings()) -> float:
        """Training cost at the pricing table's rate: exact tokens (+10 per example) × epochs."""
        price, _ = self._priced()
        if price.finetune is None:
            raise AdaptcostError(f"the pricing table has no fine-tuning price for {price.name} ({price.file})")
        return price.finetune.training_usd_per_mtok * self._training_tokens(texts) * settings.epochs / 1e6

    def finetune_quote(self, texts: Sequence[str], settings: FinetuneSettings = FinetuneSettings()) -> dict:
        """What fine-tuning on ``texts`` would cost and where the price comes from (a dry run's
        figures; nothing is sent): examples, training tokens (+10 per example), epochs, the
        estimate (:meth:`estimate_finetune_usd`) and the price with its file, source and date."""
        texts = [t for t in texts if t.strip()]
        price, _ = self._priced()
        usd = self.estimate_finetune_usd(texts, settings)  # refuses a model without a fine-tuning price
        ft = price.finetune
        return {"model": self.model, "examples": len(texts), "training_tokens": self._training_tokens(texts),
                "epochs": settings.epochs, "estimated_usd": round(usd, 6),
                "price": {"training_usd_per_mtok": ft.training_usd_per_mtok, "file": price.file, "source": ft.source,
                          "as_of": ft.as_of.isoformat()}}

    def finetune(
        self,
        texts: Sequence[str],
        settings: FinetuneSettings = FinetuneSettings(),
        *,
        progress: Callable[[int, int], None] | None = None,
        dry_run: bool | None = None,
    ) -> "OpenAIBackend":
        """Fine-tune through the provider's API: costs real money, so it is opt-in.

        With ``dry_run`` (the default) nothing is sent: an AdaptcostError gives the estimated cost.
        With ``dry_run=False``: upload the texts as chat JSONL (a fixed user turn, the text as the
        assistant turn), create the job with ``n_epochs`` and ``seed`` (the provider picks learning
        rate and batch size), poll until it ends, and return a backend for the tuned model.
        """
        texts = [t for t in texts if t.strip()]
        if not texts:
            raise AdaptcostError("nothing to fine-tune on: give at least one non-empty text")
        if dry_run is None:
            dry_run = not self.run_finetunes
        if dry_run:
            price, _ = self._priced()
            usd = self.estimate_finetune_usd(texts, settings)
            ft = price.finetune
            shown = f"${usd:,.2f}" if usd >= 0.01 else f"${usd:.4f}"
            raise AdaptcostError(
                f"fine-tuning {self.model} on {len(texts):,} examples ({self._training_tokens(texts):,} tokens × "
                f"{settings.epochs} epochs) would cost about {shown} at ${ft.training_usd_per_mtok:g}/1M training tokens "
                f"({price.file}, as of {ft.as_of.isoformat()}); pass dry_run=False (or --api-finetune) to run it"
            )
        jsonl = "".join(
            json.dumps({"messages": [{"role": "user", "content": TRAIN_PROMPT}, {"role": "assistant", "content": t}]}) + "\n"
            for t in texts
        )
        _, uploaded = self._call(
            "POST", "/files", {"purpose": "fine-tune", "file": {"filename": "adaptcost-train.jsonl", "content": jsonl}}, multipart=True
        )
        file_id = uploaded.get("id")
        if not file_id:
            raise AdaptcostError(f"{self.base_url}/files returned no file id")
        body = {
            "model": self.model,
            "training_file": file_id,
            "hyperparameters": {"n_epochs": settings.epochs},
            "seed": settings.seed,
        }
        _, job = self._call("POST", "/fine_tuning/jobs", body)
        job_id = job.get("id")
        if not job_id:
            raise AdaptcostError(f"{self.base_url}/fine_tuning/jobs returned no job id")
        if progress is not None:
            progress(0, 1)
        while job.get("status") not in ("succeeded", "failed", "cancelled"):
            self._sleep(self._poll_interval)
            _, job = self._call("GET", f"/fine_tuning/jobs/{urllib.parse.quote(str(job_id), safe='')}")
        if job["status"] != "succeeded" or not job.get("fine_tuned_model"):
            error = job.get("error") or {}
            detail = error.get("message") if isinstance(error, dict) else error
            raise AdaptcostError(self._scrub(f"fine-tuning job {job_id} {job['status']}: {detail or 'no detail'}"))
        tuned = str(job["fine_tuned_model"])
        if self._scrub(tuned) != tuned:
            raise AdaptcostError(self._scrub(f"fine-tuning job {job_id} returned a model name that holds the API key or spaces: {tuned}"))
        if progress is not None:
            progress(1, 1)
        return OpenAIBackend(
            tuned,
            self.base_url,
            self.api_key_env,
            self._transport,
            poll_interval=self._poll_interval,
            backoff=self._backoff,
            sleep=self._sleep,
        )
