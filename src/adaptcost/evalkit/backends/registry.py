"""Model backends for the eval harness: one small protocol, registered by name.

A backend scores continuations (``loglikelihood``), completes prompts (``generate``)
and fine-tunes itself into a new backend (``finetune``). Backends are looked up by
name with :func:`get_backend`; optional dependencies are checked with
``importlib.util.find_spec`` so that importing this module never imports torch.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.devices import DEVICES, check_device_name  # noqa: F401  (re-exported)
from adaptcost.evalkit.backends.protocol import Backend, FinetuneSettings  # noqa: F401  (re-exported)
from adaptcost.suggest import did_you_mean

__all__ = [
    "DEVICES",
    "Backend",
    "FinetuneSettings",
    "available_backends",
    "check_device",
    "check_device_name",
    "get_backend",
    "register",
]

@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Backend]
    needs: tuple[str, ...]
    devices: bool = False  # the factory takes device= (a model on this machine)


_REGISTRY: dict[str, _Entry] = {}


def register(name: str, factory: Callable[..., Backend], needs: tuple[str, ...] = (), devices: bool = False) -> None:
    """Register a backend factory under ``name``.

    ``needs`` lists importable module names of optional dependencies; they are checked
    (without importing them) before the factory is called. ``devices``: the factory takes a
    ``device`` option (auto, cpu, cuda, mps); other backends (remote APIs) take only "auto".
    """
    if not name or ":" in name:
        raise ValueError(f"backend names must be non-empty and contain no ':', got {name!r}")
    _REGISTRY[name] = _Entry(factory, tuple(needs), devices)


def available_backends() -> list[str]:
    """Registered backend names, sorted (whether or not their dependencies are installed)."""
    return sorted(_REGISTRY)


def missing_modules(needs: Sequence[str]) -> list[str]:
    """The optional modules of `needs` that cannot be found (checked without importing them)."""
    missing = []
    for module in needs:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing


def get_backend(name: str, **options: Any) -> Backend:
    """Build the backend registered as ``name`` with ``options``.

    ``"NAME:ARG"`` is shorthand for ``get_backend(NAME, model=ARG)``, e.g.
    ``"local:/models/my-llama"``. ``device`` (auto, cpu, cuda, mps) goes to a backend that runs a
    model on this machine; a backend that runs elsewhere (an API) takes only "auto".
    """
    base, sep, arg = name.partition(":")
    if sep and base in _REGISTRY and arg:
        if "model" in options:
            raise AdaptcostError(f"backend {name!r} names a model already: drop the model option, or use {base!r}")
        options = {**options, "model": arg}
        name = base
    if "device" in options:
        check_device_name(options["device"])  # a name --device does not take: said before anything else
    entry = _entry(name)
    if "device" in options:
        check_device(name, options["device"])
        if not entry.devices:
            options = {k: v for k, v in options.items() if k != "device"}
    return entry.factory(**options)


def _entry(name: str) -> _Entry:
    """The backend registered as `name` ("NAME:ARG": NAME) with its dependencies found, or one clear error."""
    base, sep, arg = name.partition(":")
    if sep and base in _REGISTRY and arg:
        name = base
    entry = _REGISTRY.get(name)
    if entry is None:
        known = available_backends()
        raise AdaptcostError(
            f"unknown backend {name!r}{did_you_mean(name, known)} (available: {', '.join(known) or 'none'})"
        )
    if missing_modules(entry.needs):
        raise AdaptcostError(
            f"the {name!r} backend needs {', '.join(entry.needs)}: pip install 'adaptcost[eval]'"
        )
    return entry


def check_device(backend: str, device: str, resolve: bool = True) -> None:
    """One clear error, before any model is loaded, when `backend` cannot run on `device`: a name
    --device does not take, a device other than auto for a backend that runs its model elsewhere
    (an API), or (`resolve`) a device torch cannot use here (this imports torch, after the
    backend's own dependencies are checked). Without `resolve` it needs nothing installed."""
    device = check_device_name(device)
    known = _REGISTRY.get(backend.partition(":")[0])
    if known is not None and not known.devices:
        if device != "auto":
            raise AdaptcostError(f"device {device!r}: the {backend.partition(':')[0]!r} backend runs its model elsewhere "
                                 "(leave --device at auto)", field="device")
        return
    if resolve and _entry(backend).devices:
        from adaptcost.evalkit.backends.devices import resolve_device

        resolve_device(device)


def offline_hub() -> None:
    """Nothing may download at run time: the Hugging Face libraries read these when they load,
    so they are set before the local backend imports them (unless the user set them)."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ.setdefault(name, "1")


def _local_factory(**options: Any) -> Backend:
    offline_hub()
    from adaptcost.evalkit.backends.local import LocalBackend  # lazy: imports torch

    return LocalBackend(**options)


register("local", _local_factory, needs=("torch", "transformers", "gguf", "peft"), devices=True)


def _openai_factory(**options: Any) -> Backend:
    from adaptcost.evalkit.backends.openai import OpenAIBackend  # stdlib HTTP only

    return OpenAIBackend(**options)


register("openai", _openai_factory)
