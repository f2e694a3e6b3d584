"""A small OpenAI-compatible HTTP server for tests: any harness backend behind the real HTTP path.

``OpenAIServer(backend, key=...)`` listens on 127.0.0.1 (a free port) with the standard library's
``ThreadingHTTPServer`` and answers, in the shapes of OpenAI's API reference
(https://platform.openai.com/docs/api-reference):

- ``POST /v1/completions``: ``prompt`` (a string or a list), ``max_tokens`` (0 allowed), ``echo``,
  ``logprobs`` (the legacy ``choices[i].logprobs`` object: ``tokens``, ``token_logprobs``,
  ``text_offset``, ``top_logprobs``; the first token's logprob is null). Log-probabilities come from
  the backend's ``token_logprobs(texts)`` (the local backend has it); generation (``max_tokens``
  > 0) from its ``generate``.
- ``POST /v1/chat/completions``: the messages' contents joined into one user turn, a greedy reply
  (``choices[0].message.content``), ``usage`` token counts. No ``logprobs`` (null), as a provider
  without them answers: this server does not compute the chat template's top log-probabilities.
- ``GET /v1/models``.

Every request needs ``Authorization: Bearer <key>`` (else 401 in OpenAI's error format) and is
recorded in ``server.requests`` (method, path, headers, body) for tests to inspect. Switches
emulate hosted quirks: ``prompt_logprobs=False`` (``/completions`` refused with the 404 OpenAI
answers for a chat model), ``rate_limit_once`` (one 429 with ``retry-after`` before the first
answer). The server runs the backend one request at a time (a lock: torch models are not
re-entrant).
"""

from __future__ import annotations

import inspect
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHAT_MODEL_REFUSAL = {  # tests/data/openai/completions_refused_chat_model.json: the recorded body
    "error": {
        "message": "This is a chat model and not supported in the v1/completions endpoint. "
                   "Did you mean to use v1/chat/completions?",
        "type": "invalid_request_error",
        "param": "model",
        "code": None,
    }
}
RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached for requests. Please try again in 1s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


def _invalid_key(sent: str) -> dict:
    shown = f"{sent[:3]}*****{sent[-4:]}" if len(sent) > 8 else "*****"
    return {"error": {"message": f"Incorrect API key provided: {shown}. You can find your API key at "
                                 "https://platform.openai.com/account/api-keys.",
                      "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}


def _bad_request(message: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: dict | None


@dataclass
class OpenAIServer:
    """Serve ``backend`` as ``model`` until ``close()`` (or the end of a ``with`` block)."""

    backend: object
    key: str
    model: str = "smollm2"
    prompt_logprobs: bool = True
    rate_limit_once: bool = False
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._limited = False
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="openai-test-server", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> "OpenAIServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def count(self, path: str | None = None) -> int:
        """Requests received (to ``path`` only, e.g. "/v1/completions")."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    # ------------------------------------------------------------------ answers

    def answer(self, method: str, path: str, headers: dict, body: dict | None) -> tuple[int, dict, dict]:
        """(status, JSON body, extra headers) for one request."""
        with self._lock:
            self.requests.append(Recorded(method, path, dict(headers), body))
        sent = headers.get("authorization", "")
        if sent != f"Bearer {self.key}":
            return 401, _invalid_key(sent.removeprefix("Bearer ")), {}
        if self.rate_limit_once and not self._limited:
            self._limited = True
            return 429, RATE_LIMITED, {"retry-after": "1"}
        route = {("GET", "/v1/models"): self._models, ("POST", "/v1/completions"): self._completions,
                 ("POST", "/v1/chat/completions"): self._chat}.get((method, path))
        if route is None:
            return 404, _bad_request(f"Invalid URL ({method} {path})"), {}
        if method == "POST" and not isinstance(body, dict):
            return 400, _bad_request("We could not parse the JSON body of your request."), {}
        if method == "POST" and body.get("model") != self.model:
            return 404, {"error": {"message": f"The model `{body.get('model')}` does not exist or you do not have access to it.",
                                   "type": "invalid_request_error", "param": None, "code": "model_not_found"}}, {}
        with self._model_lock:
            return route(body)

    def _models(self, _body) -> tuple[int, dict, dict]:
        return 200, {"object": "list", "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "adaptcost-tests"}]}, {}

    def _completions(self, body: dict) -> tuple[int, dict, dict]:
        if not self.prompt_logprobs:
            return 404, CHAT_MODEL_REFUSAL, {}
        prompts = body.get("prompt", "")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        max_tokens = int(body.get("max_tokens", 16))
        echo, logprobs = bool(body.get("echo")), body.get("logprobs")
        if not prompts or not all(isinstance(p, str) for p in prompts):
            return 400, _bad_request("'prompt' must be a string or a list of strings", "prompt"), {}
        new = self.backend.generate(prompts, max_new_tokens=max_tokens) if max_tokens > 0 else [""] * len(prompts)
        texts = [p + n if echo else n for p, n in zip(prompts, new)]
        choices = []
        for index, (prompt, generated, text) in enumerate(zip(prompts, new, texts)):
            choice = {"text": text, "index": index, "logprobs": None, "finish_reason": "length"}
            if logprobs is not None:
                choice["logprobs"] = self._legacy_logprobs(prompt, generated, echo)
            choices.append(choice)
        prompt_tokens = sum(self.backend.count_tokens(p) for p in prompts)
        completion_tokens = sum(self.backend.count_tokens(n) for n in new)
        return 200, {"id": f"cmpl-{len(self.requests)}", "object": "text_completion", "created": int(time.time()),
                     "model": self.model, "choices": choices,
                     "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                               "total_tokens": prompt_tokens + completion_tokens}}, {}

    def _legacy_logprobs(self, prompt: str, generated: str, echo: bool) -> dict:
        """OpenAI's legacy logprobs object over the echoed prompt (with echo) and the generated text.

        ``text_offset[k]`` is where the previous token ended (0 for the first), so that each
        token's text is the span up to the next offset and the spans tile the whole text."""
        full = prompt + generated
        tokens, values, offsets = [], [], []
        previous_end = 0
        for start, end, value in self.backend.token_logprobs([full])[0]:
            if echo or end > len(prompt):
                tokens.append(full[previous_end:end])
                values.append(value)
                offsets.append(previous_end if echo else previous_end - len(prompt))
            previous_end = end
        return {"tokens": tokens, "token_logprobs": values, "top_logprobs": None, "text_offset": offsets}

    def _chat(self, body: dict) -> tuple[int, dict, dict]:
        messages = body.get("messages") or []
        if not messages or not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
            return 400, _bad_request("'messages' must be a non-empty list of messages with text content", "messages"), {}
        prompt = "\n\n".join(m["content"] for m in messages)
        limit = body.get("max_completion_tokens", body.get("max_tokens", 128))
        takes_chat = "chat" in inspect.signature(self.backend.generate).parameters
        reply = self.backend.generate([prompt], max_new_tokens=int(limit), **({"chat": True} if takes_chat else {}))[0]
        prompt_tokens, completion_tokens = self.backend.count_tokens(prompt), self.backend.count_tokens(reply)
        return 200, {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
                     "model": self.model,
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": reply, "refusal": None},
                                  "logprobs": None, "finish_reason": "length" if completion_tokens >= int(limit) else "stop"}],
                     "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                               "total_tokens": prompt_tokens + completion_tokens}}, {}


class _Handler(BaseHTTPRequestHandler):
    server_state: OpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: tests read server.requests instead
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        try:
            status, answer, extra = self.server_state.answer(method, path, headers, body)
        except Exception as err:  # a backend failure is a 500 in OpenAI's format, never a dropped socket
            status, answer, extra = 500, {"error": {"message": f"The server had an error: {type(err).__name__}: {err}",
                                                    "type": "server_error", "param": None, "code": None}}, {}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")
