"""The command line: each command declares its options, calls one core function, renders the result."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .api import DEFAULT_MODEL, RecommendRequest, count_corpus, recommend_corpus
from .corpus import DEFAULT_MAX_FILE_MB, CorpusOptions, CorpusProfile
from .encodings import ENCODINGS
from .errors import AdaptcostError
from .estimate import ModelChoice
from .fileio import atomic_write_text
from .recommend import DEFAULT_TOLERANCE, Recommendation
from .render import money, to_json, to_markdown
from .scenario import Scenario

app = typer.Typer(help="Price in-context learning against (augmented) fine-tuning for your documents.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False, add_completion=False)
pricing_app = typer.Typer(help="Inspect and validate the dated price tables.", no_args_is_help=True)
app.add_typer(pricing_app, name="pricing")


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class CountFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def handled(fn):
    """Turn an AdaptcostError into one red line on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AdaptcostError as exc:
            _err().print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err().print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None

    return wrapper


class _Bar:
    """A rich progress bar for corpus scans, shown only on a terminal."""

    def __init__(self, label: str):
        console = _err()
        self.progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=console, transient=True, disable=not console.is_terminal)
        self.task = None

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("", total=total)
        self.progress.update(self.task, completed=done)


def _emit(text: str, output: Optional[Path]) -> None:
    if output:
        atomic_write_text(output, text)
        _err().print(f"wrote {output}")
    else:
        sys.stdout.write(text)


CorpusArg = Annotated[list[str], typer.Option("--corpus", "-c", help="Folder, file or glob; repeatable.")]
IncludeOpt = Annotated[Optional[list[str]], typer.Option("--include", help="Only files matching this glob (gitignore syntax); repeatable.")]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option("--exclude", help="Skip files matching this glob; repeatable.")]
GitignoreOpt = Annotated[bool, typer.Option("--gitignore/--no-gitignore", help="Honour .gitignore files.")]
MaxMbOpt = Annotated[float, typer.Option("--max-file-mb", help="Skip files larger than this.")]
CacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse token counts cached by content hash.")]


def _corpus_options(include, exclude, gitignore, max_file_mb, cache) -> CorpusOptions:
    if not max_file_mb > 0:
        raise AdaptcostError(f"--max-file-mb must be positive, got {max_file_mb}")
    return CorpusOptions(tuple(include or ()), tuple(exclude or ()), gitignore, max_file_mb, cache)


@app.command()
@handled
def recommend(
    corpus: CorpusArg,
    queries_per_day: Annotated[float, typer.Option(help="Expected queries per day.")],
    model: Annotated[str, typer.Option(help="Model that answers queries (ICL) and, by default, is fine-tuned.")] = DEFAULT_MODEL,
    finetune_model: Annotated[Optional[str], typer.Option(help="Model to fine-tune (default: --model).")] = None,
    augment_model: Annotated[Optional[str], typer.Option(help="Model that writes augmentations (default: --model).")] = None,
    prompt_tokens: Annotated[int, typer.Option(help="Tokens per query besides the corpus.")] = 200,
    answer_tokens: Annotated[int, typer.Option(help="Tokens generated per query.")] = 300,
    horizon_days: Annotated[float, typer.Option(help="Days over which one-time costs are amortized.")] = 365.0,
    refresh_days: Annotated[float, typer.Option(help="The corpus changes every N days (0 = never).")] = 30.0,
    refresh_changed_fraction: Annotated[float, typer.Option(help="Share of chunks changed per refresh.")] = 0.2,
    epochs: Annotated[int, typer.Option(help="Fine-tuning epochs.")] = 3,
    local_variants: Annotated[int, typer.Option(help="Local augmentation: rewrites per sentence.")] = 4,
    global_tokens_per_doc: Annotated[int, typer.Option(help="Global augmentation: inference tokens per document.")] = 1000,
    cache_hit_rate: Annotated[Optional[float], typer.Option(help="Prompt-cache hit rate (default: from arrivals and TTL).")] = None,
    batch_augmentation: Annotated[bool, typer.Option(help="Run augmentation through a batch API.")] = False,
    mix: Annotated[Optional[str], typer.Option(help="Question mix, e.g. recall=0.5,reversal=0.2,syllogism=0.3.")] = None,
    min_accuracy: Annotated[Optional[float], typer.Option(help="Accuracy target, 0–1.")] = None,
    accuracy_tolerance: Annotated[float, typer.Option(help="Without --min-accuracy: target = best − this.")] = DEFAULT_TOLERANCE,
    budget: Annotated[Optional[float], typer.Option(help="Maximum total cost over the horizon, USD.")] = None,
    curves: Annotated[Optional[Path], typer.Option(help="Curves file measured by 'adaptcost eval'.")] = None,
    pricing: Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML; overrides same-named models.")] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    gitignore: GitignoreOpt = True,
    max_file_mb: MaxMbOpt = DEFAULT_MAX_FILE_MB,
    cache: CacheOpt = True,
    format: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
) -> None:
    """Recommend ICL, fine-tuning or augmented fine-tuning for a corpus, with costs and reasons."""
    scenario = Scenario(
        queries_per_day=queries_per_day, prompt_tokens=prompt_tokens, answer_tokens=answer_tokens,
        horizon_days=horizon_days, refresh_days=refresh_days, refresh_changed_fraction=refresh_changed_fraction,
        epochs=epochs, local_variants_per_chunk=local_variants, global_tokens_per_doc=global_tokens_per_doc,
        cache_hit_rate=cache_hit_rate, batch_augmentation=batch_augmentation,
    )
    request = RecommendRequest(
        corpus=corpus, scenario=scenario, models=ModelChoice(model, finetune_model, augment_model), mix=mix,
        min_accuracy=min_accuracy, budget=budget, tolerance=accuracy_tolerance, curves=curves,
        pricing=pricing or (), corpus_options=_corpus_options(include, exclude, gitignore, max_file_mb, cache),
    )
    with _Bar("counting tokens") as bar:
        rec = recommend_corpus(request, bar)
    if format is Format.json:
        _emit(to_json(rec), output)
    elif format is Format.markdown:
        _emit(to_markdown(rec), output)
    elif output:
        _emit(to_markdown(rec), output)
    else:
        _print_recommendation(rec)


def _print_recommendation(rec: Recommendation) -> None:
    from .cli_render import print_recommendation

    print_recommendation(_out(), rec)


@app.command()
@handled
def count(
    paths: Annotated[list[str], typer.Argument(help="Folders, files or globs.")],
    encoding: Annotated[Optional[list[str]], typer.Option("--encoding", "-e", help=f"Encoding(s): {', '.join(ENCODINGS)}.")] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    gitignore: GitignoreOpt = True,
    max_file_mb: MaxMbOpt = DEFAULT_MAX_FILE_MB,
    cache: CacheOpt = True,
    format: Annotated[CountFormat, typer.Option("--format", help="table, json or csv.")] = CountFormat.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
) -> None:
    """Count the tokens of every document, exactly, per encoding."""
    encodings = encoding or ["o200k_base"]
    with _Bar("counting tokens") as bar:
        profile = count_corpus(paths, encodings, _corpus_options(include, exclude, gitignore, max_file_mb, cache), bar)
    if format is CountFormat.json:
        _emit(json.dumps(count_dict(profile), indent=2, ensure_ascii=False) + "\n", output)
    elif format is CountFormat.csv:
        _emit(count_csv(profile), output)
    else:
        from .cli_render import print_count

        print_count(_out(), profile)


def count_dict(profile: CorpusProfile) -> dict:
    return {
        "schema": "adaptcost-count/1",
        "tool": {"name": "adaptcost", "version": __version__},
        "tokenizers": profile.counters,
        "documents": [
            {"path": d.path, "bytes": d.size_bytes, "sha256": d.sha256, "chars": d.chars, "chunks": d.chunks, "tokens": d.tokens}
            for d in profile.documents
        ],
        "total": {"documents": profile.n_documents, "chunks": profile.n_chunks, "bytes": profile.size_bytes,
                  "tokens": {e: profile.tokens(e) for e in profile.encodings}},
        "skipped": [{"path": s.path, "reason": s.reason} for s in profile.skipped],
        "warnings": profile.warnings,
    }


def count_csv(profile: CorpusProfile) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "bytes", "chars", "chunks", *profile.encodings])
    for d in profile.documents:
        writer.writerow([d.path, d.size_bytes, d.chars, d.chunks, *(d.tokens[e] for e in profile.encodings)])
    writer.writerow(["TOTAL", profile.size_bytes, sum(d.chars for d in profile.documents), profile.n_chunks,
                     *(profile.tokens(e) for e in profile.encodings)])
    return buffer.getvalue()


@pricing_app.command("list")
@handled
def pricing_list(
    provider: Annotated[Optional[str], typer.Option(help="Only this provider.")] = None,
    pricing: Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML.")] = None,
) -> None:
    """List every priced model with its rates, context window and as-of date."""
    from .cli_render import print_pricing_list
    from .pricing import load_pricing

    print_pricing_list(_out(), load_pricing(pricing or ()), provider)


@pricing_app.command("show")
@handled
def pricing_show(
    model: Annotated[str, typer.Argument(help="Model name or alias.")],
    pricing: Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML.")] = None,
) -> None:
    """Every price of one model, with its source and date."""
    from .cli_render import print_model
    from .pricing import load_pricing

    print_model(_out(), load_pricing(pricing or ()).get(model))


@pricing_app.command("validate")
@handled
def pricing_validate(files: Annotated[list[Path], typer.Argument(help="Pricing YAML files.")]) -> None:
    """Validate pricing files against the schema; exit 1 on the first error."""
    from .pricing import load_file

    for path in files:
        models, digest = load_file(path)
        _out().print(f"{escape(str(path))}: ok, {len(models)} models (sha256 {digest[:16]}…)")


@pricing_app.command("import")
@handled
def pricing_import(
    source: Annotated[Path, typer.Argument(help="LiteLLM's model_prices_and_context_window.json.")],
    output: Annotated[Path, typer.Option(help="Where to write the adaptcost pricing YAML.")],
    models: Annotated[Optional[list[str]], typer.Option("--model", help="Only these models; repeatable.")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="Date the price map was fetched (YYYY-MM-DD).")] = None,
) -> None:
    """Convert LiteLLM's public price map into an adaptcost pricing file."""
    from .litellm_import import import_litellm

    text, count = import_litellm(source, models or (), as_of)
    atomic_write_text(output, text)
    _err().print(f"wrote {count} models to {output}")


@app.command()
def version() -> None:
    """Print adaptcost's version."""
    _out().print(f"adaptcost {__version__}")


def main() -> None:
    app()
