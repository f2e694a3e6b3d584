"""Every option of the command line, declared once, and the one place where the API's field
names become flags. The assumptions' options are built from the one list of assumptions
(adaptcost.scenario): their help and defaults are read there."""

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

if typing.TYPE_CHECKING:
    from ..corpus import CorpusOptions


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
ExtractOpt = Annotated[Optional[list[str]], typer.Option("--extract", help="What text files give, KEY=VALUE (repeatable or comma-separated): "
                       "svg=text|skip, notebook=source|outputs, blobs=strip|keep, generated=skip|count. "
                       "Default: svg=text, notebook=source, blobs=strip, generated=skip.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="List every skipped file (by default: counts by reason and type).")]
# Assumptions: a number, or a range LOW..HIGH (uniform) / LOW..MODE..HIGH (triangular) for reports.
R = "; a range LOW..HIGH or LOW..MODE..HIGH is treated as uncertain"


def _assumption_options() -> list[tuple[str, str, object]]:
    """One option per assumption the command line takes, its help and default read from the one
    list of assumptions (scenario.py): [(option name, scenario field, annotation)]."""
    from ..scenario import assumptions, describe_default

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
MixOpt = Annotated[Optional[str], typer.Option(help="Question mix, e.g. recall=0.5,reversal=0.2,syllogism=0.3.")]
MinAccOpt = Annotated[Optional[float], typer.Option(help="Accuracy target, 0–1.")]
TolOpt = Annotated[float, typer.Option(help="Without --min-accuracy: target = best − this.")]
BudgetOpt = Annotated[Optional[float], typer.Option(help="Maximum total cost over the horizon, USD.")]
CurvesOpt = Annotated[Optional[Path], typer.Option(help="Curves file measured by 'adaptcost eval', or a bundled one by name (smollm2-135m-default, smollm2-135m-quick, paper-reference).")]
PricingOpt = Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML; overrides same-named models.")]
ScenarioOpt = Annotated[Optional[Path], typer.Option("--scenario", help="YAML scenario file with distributions (adaptcost-scenario/1).")]


# The one place where the API's field names become the command line's flags.
FIELD_FLAGS = {field: "--" + option.replace("_", "-") for option, field in ASSUMPTION_OPTIONS.items()} | {
    "min_accuracy": "--min-accuracy", "budget": "--budget", "tolerance": "--accuracy-tolerance", "mix": "--mix",
    "finetune_customer": "--finetune-customer", "draws": "--draws", "seed": "--seed",
}


def in_cli_terms(exc: AdaptcostError) -> str:
    """The error's message with the field at fault named by its flag."""
    message, field = str(exc), exc.field
    return message.replace(field, FIELD_FLAGS[field], 1) if field in FIELD_FLAGS else message


def corpus_options(include, exclude, gitignore, max_file_mb, cache, extract=None) -> CorpusOptions:
    from ..corpus import CorpusOptions
    from ..extract import ExtractOptions

    if not max_file_mb > 0:
        raise AdaptcostError(f"--max-file-mb must be positive, got {max_file_mb}")
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
    ("mix", MixOpt, None), ("min_accuracy", MinAccOpt, None), ("accuracy_tolerance", TolOpt, DEFAULT_TOLERANCE),
    ("budget", BudgetOpt, None), ("curves", CurvesOpt, None), ("pricing", PricingOpt, None), ("scenario", ScenarioOpt, None),
    ("include", IncludeOpt, None), ("exclude", ExcludeOpt, None), ("gitignore", GitignoreOpt, True),
    ("max_file_mb", MaxMbOpt, DEFAULT_MAX_FILE_MB), ("cache", CacheOpt, True), ("extract", ExtractOpt, None),
]


