"""Every option of the command line, declared once, and the one place where the API's field
names become flags. The assumptions' options are built from the one list of assumptions
(adaptcost.costing.scenario): their help and defaults are read there."""

from __future__ import annotations

import functools
import inspect
import typing
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..defaults import DEFAULT_EMBEDDING_MODEL, DEFAULT_MAX_FILE_MB, DEFAULT_MODEL, DEFAULT_TOLERANCE
from ..errors import AdaptcostError
from ..limits import problem

MAX_FILE_MB = 1e6  # a terabyte: past any one document

if typing.TYPE_CHECKING:
    from ..corpus.discover import CorpusOptions


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class CountFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


CorpusArg = Annotated[list[str], typer.Option("--corpus", "-c", help="Folder, file or glob; repeatable.")]
IncludeOpt = Annotated[Optional[list[str]], typer.Option("--include", help="Only files matching this glob (gitignore syntax); repeatable.")]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option("--exclude", help="Skip files matching this glob; repeatable.")]
GitignoreOpt = Annotated[bool, typer.Option("--gitignore/--no-gitignore", help="Honour .gitignore files.")]
MaxMbOpt = Annotated[float, typer.Option("--max-file-mb", help="Skip files larger than this.")]
CacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse token counts cached by content hash.")]
# eval and probe run: what --cache reuses there
ProbeCacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse the corpus' token counts and, with --arms, the model's "
                          "scores, cached on disk by content.")]
EvalCacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse model scores and tuned weights cached on disk by content "
                         "(model, text and settings): an interrupted run resumes, a re-run costs seconds.")]
DeviceOpt = Annotated[str, typer.Option(help="Where a local model runs: auto (a CUDA GPU where torch sees one, else Apple's MPS, "
                      "else the CPU), cpu, cuda, cuda:N or mps.")]
ExtractOpt = Annotated[Optional[list[str]], typer.Option("--extract", help="What text files give, KEY=VALUE (repeatable or comma-separated): "
                       "svg=text|skip, notebook=source|outputs, blobs=strip|keep, generated=skip|count. "
                       "Default: svg=text, notebook=source, blobs=strip, generated=skip.")]
ChunkTokensOpt = Annotated[int, typer.Option("--chunk-tokens", min=1, help="RAG: tokens per chunk (the embedding model's tokens).")]
ChunkOverlapOpt = Annotated[int, typer.Option("--chunk-overlap", min=0, help="RAG: tokens each chunk shares with the one before.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="List every skipped file (by default: counts by reason and type).")]
# Assumptions: a number, or a range LOW..HIGH (uniform) / LOW..MODE..HIGH (triangular) for reports.
R = "; a range LOW..HIGH or LOW..MODE..HIGH is treated as uncertain"


def _assumption_options() -> list[tuple[str, str, object]]:
    """One option per assumption the command line takes, its help and default read from the one
    list of assumptions (scenario.py): [(option name, scenario field, annotation)]."""
    from ..costing.scenario import assumptions, describe_default

    options = []
    for name, (meta, default) in assumptions().items():
        if meta.cli:
            option = meta.option or name
            shown = "" if default is None and not meta.default_text else f" (default: {describe_default(meta, default)})"
            annotation = Annotated[Optional[str], typer.Option("--" + option.replace("_", "-"), help=meta.help + shown + R + ".")]
            options.append((option, name, annotation))
    return options


ASSUMPTIONS = _assumption_options()
# option name -> Scenario field, for the assumptions that take a number or a range
ASSUMPTION_OPTIONS = {option: name for option, name, _ in ASSUMPTIONS}
ModelOpt = Annotated[str, typer.Option(help="Model that answers queries (ICL) and, by default, is fine-tuned.")]
FtModelOpt = Annotated[Optional[str], typer.Option(help="Model to fine-tune (default: --model).")]
AugModelOpt = Annotated[Optional[str], typer.Option(help="Model that writes augmentations (default: --model).")]
EmbeddingOpt = Annotated[Optional[str], typer.Option(help=f"RAG: embedding model (default: {DEFAULT_EMBEDDING_MODEL}).")]
StoreOpt = Annotated[Optional[str], typer.Option(help="RAG: managed vector store to price (default: a self-hosted index, --index-usd-per-hour).")]
RerankerOpt = Annotated[Optional[str], typer.Option(help="RAG: reranker to price (default: none).")]
CustomerOpt = Annotated[str, typer.Option(help="Who buys fine-tuning: new (never fine-tuned), inactive, or active; providers close offers to some first.")]
AsOfOpt = Annotated[Optional[str], typer.Option(help="Decision date YYYY-MM-DD: prices and lifecycle as known that day (default: today).")]
BatchOpt = Annotated[bool, typer.Option(help="Run augmentation through a batch API.")]
LifecycleDatesOpt = Annotated[str, typer.Option(help="Dates a provider gives as \"or later\": earliest (the plan moves to the successor, or stops, on them) or stated (a risk only, the plan priced as if it ran on).")]
PartialOpt = Annotated[bool, typer.Option(help="Weigh a plan that can run only part of the horizon (its model or fine-tuning offer stops with no successor) for the days it runs.")]
MixOpt = Annotated[Optional[str], typer.Option(help="Question mix, e.g. recall=0.5,reversal=0.2,syllogism=0.3.")]
MinAccOpt = Annotated[Optional[float], typer.Option(help="Accuracy target, 0–1.")]
TolOpt = Annotated[float, typer.Option(help="Without --min-accuracy: target = best − this.")]
BudgetOpt = Annotated[Optional[float], typer.Option(help="Maximum total cost over the horizon, USD.")]
CurvesOpt = Annotated[Optional[Path], typer.Option(help="Curves file measured by 'adaptcost eval' or 'adaptcost probe run', or a bundled one by name (smollm2-135m-default, smollm2-135m-quick, paper-reference).")]
RetrieverOpt = Annotated[Optional[str], typer.Option(help="RAG: the retriever whose recall --curves measured on your corpus (default: the file's first, its headline).")]
PricingOpt = Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML; overrides same-named models.")]
ScenarioOpt = Annotated[Optional[Path], typer.Option("--scenario", help="YAML scenario file with distributions (adaptcost-scenario/1).")]


# The one place where the API's field names become the command line's flags.
FIELD_FLAGS = {field: "--" + option.replace("_", "-") for option, field in ASSUMPTION_OPTIONS.items()} | {
    "min_accuracy": "--min-accuracy", "budget": "--budget", "tolerance": "--accuracy-tolerance", "mix": "--mix",
    "finetune_customer": "--finetune-customer", "draws": "--draws", "seed": "--seed", "lifecycle_dates": "--lifecycle-dates",
    "device": "--device",
}


def in_cli_terms(exc: AdaptcostError) -> str:
    """The error's message with the field at fault named by its flag."""
    message, field = str(exc), exc.field
    return message.replace(field, FIELD_FLAGS[field], 1) if field in FIELD_FLAGS else message


def corpus_options(include, exclude, gitignore, max_file_mb, cache, extract=None) -> CorpusOptions:
    from ..corpus.discover import CorpusOptions
    from ..corpus.extract import ExtractOptions

    if problem(max_file_mb, above=0, high=MAX_FILE_MB) is not None:
        raise AdaptcostError(f"--max-file-mb {problem(max_file_mb, above=0, high=MAX_FILE_MB)}")
    try:
        extraction = ExtractOptions.parse(extract)
    except ValueError as exc:
        raise AdaptcostError(str(exc)) from None
    return CorpusOptions(tuple(include or ()), tuple(exclude or ()), gitignore, max_file_mb, cache, extract=extraction)


def parse_day(text: Optional[str], flag: str):
    """A YYYY-MM-DD option, or None."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AdaptcostError(f"{flag}: expected a date YYYY-MM-DD, got {text!r}") from None


def shared_options(fn):
    """Give a command the options every pricing command shares (assumptions, models, corpus).

    typer reads the signature, so the shared parameters are appended to it here, once, instead
    of being declared again in recommend, report and sweep; the command receives them in **opts.
    """
    hints = typing.get_type_hints(fn, include_extras=True)  # resolve this module's string annotations
    signature = inspect.signature(fn)
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[p.name])
           for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
              for name, annotation, default in SHARED_OPTIONS]

    @functools.wraps(fn)
    def wrapper(**kwargs):
        return fn(**kwargs)

    wrapper.__signature__ = signature.replace(parameters=own + shared, return_annotation=None)
    wrapper.__annotations__ = {p.name: p.annotation for p in own + shared}
    return wrapper


SHARED_OPTIONS = [(option, annotation, None) for option, _, annotation in ASSUMPTIONS] + [
    ("model", ModelOpt, DEFAULT_MODEL), ("finetune_model", FtModelOpt, None), ("augment_model", AugModelOpt, None),
    ("embedding_model", EmbeddingOpt, None), ("vector_store", StoreOpt, None), ("reranker", RerankerOpt, None),
    ("finetune_customer", CustomerOpt, "new"), ("as_of", AsOfOpt, None), ("batch_augmentation", BatchOpt, False),
    ("lifecycle_dates", LifecycleDatesOpt, "earliest"), ("allow_partial", PartialOpt, False),
    ("mix", MixOpt, None), ("min_accuracy", MinAccOpt, None), ("accuracy_tolerance", TolOpt, DEFAULT_TOLERANCE),
    ("budget", BudgetOpt, None), ("curves", CurvesOpt, None), ("retriever", RetrieverOpt, None), ("pricing", PricingOpt, None), ("scenario", ScenarioOpt, None),
    ("include", IncludeOpt, None), ("exclude", ExcludeOpt, None), ("gitignore", GitignoreOpt, True),
    ("max_file_mb", MaxMbOpt, DEFAULT_MAX_FILE_MB), ("cache", CacheOpt, True), ("extract", ExtractOpt, None),
]




# ---------------------------------------------------------------- option values without pydantic
#
# typer (0.29) turns each option's value into its type through a pydantic TypeAdapter, built for
# every option of the command as it is parsed, the options left out included: the import of
# pydantic and the adapters cost about a tenth of a second of every command. Here an adapter is
# built only for a value that needs one: a left-out option (None) needs none, and a value that is
# already what typer would make of it (a str for a str option, a float for a float option, a
# member of an Enum option, a list of str for a list[str] option) is returned as typer's adapter
# returns it. Anything else goes to typer's own adapter, so its results and error messages are
# typer's. Where typer's internals differ from what this expects, nothing is changed.


def _defer_option_coercion() -> None:
    try:
        from typer import _coercion, core
        from typer._param_types import coerce_cli_choice
    except ImportError:
        return
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    parameter = getattr(core, "_TyperParameter", None)
    if build is None or base is None or not hasattr(base, "coerce") or not hasattr(parameter, "get_runtime_param"):
        return
    if getattr(build, "deferred", False):
        return

    class DeferredRuntimeParam(base):
        """typer's coercion of one option, its pydantic adapter built on first need."""

        def __init__(self, descriptor):
            super().__init__(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
            object.__setattr__(self, "_descriptor", descriptor)
            object.__setattr__(self, "_built", None)

        def _coerce_value(self, value, param, ctx):
            plain, done = _plain_value(self._descriptor, value, ctx, coerce_cli_choice)
            if done:
                return plain
            if self._built is None:
                object.__setattr__(self, "_built", build(self._descriptor))
            return self._built._coerce_value(value, param=param, ctx=ctx)

    def deferred_build(descriptor):
        return DeferredRuntimeParam(descriptor)

    deferred_build.deferred = True
    core.build_runtime_param = deferred_build


def _plain_value(descriptor, value, ctx, coerce_cli_choice) -> tuple[object, bool]:
    """(typer's coerced value, True) where it is plain without pydantic; else (None, False)."""
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None:
        return None, False
    if annotation is str and type(value) is str:
        return value, True
    if annotation in (float, int) and type(value) is annotation and info.min is None and info.max is None:
        return value, True
    if isinstance(annotation, type) and issubclass(annotation, Enum) and (isinstance(value, annotation) or type(value) is str):
        try:
            return coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx), True
        except ValueError:
            return None, False  # typer's adapter words the error
    if (typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,) and isinstance(value, (list, tuple))
            and all(type(item) is str for item in value)):
        return list(value), True
    return None, False


_defer_option_coercion()
