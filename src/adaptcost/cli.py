"""The command line: each command declares its options, calls one core function, renders the result."""

from __future__ import annotations

import csv
import functools
import inspect
import typing
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

from . import __version__
from .api import DEFAULT_MODEL, RecommendRequest, count_corpus, recommend_corpus
from .corpus import DEFAULT_MAX_FILE_MB, CorpusOptions, CorpusProfile
from .encodings import ENCODINGS
from .errors import AdaptcostError
from .estimate import ModelChoice
from .fileio import atomic_write_text
from .recommend import DEFAULT_TOLERANCE, Recommendation
from .render import to_json, to_markdown
from .scenario import Scenario

if typing.TYPE_CHECKING:
    from .uncertainty import ScenarioSpec

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
# Assumptions: a number, or a range LOW..HIGH (uniform) / LOW..MODE..HIGH (triangular) for reports.
R = "; a range LOW..HIGH or LOW..MODE..HIGH is treated as uncertain"
QueriesOpt = Annotated[Optional[str], typer.Option(help="Expected queries per day" + R + ".")]
ModelOpt = Annotated[str, typer.Option(help="Model that answers queries (ICL) and, by default, is fine-tuned.")]
FtModelOpt = Annotated[Optional[str], typer.Option(help="Model to fine-tune (default: --model).")]
AugModelOpt = Annotated[Optional[str], typer.Option(help="Model that writes augmentations (default: --model).")]
PromptOpt = Annotated[Optional[str], typer.Option(help="Tokens per query besides the corpus (default 200)" + R + ".")]
AnswerOpt = Annotated[Optional[str], typer.Option(help="Tokens generated per query (default 300)" + R + ".")]
HorizonOpt = Annotated[Optional[str], typer.Option(help="Days over which one-time costs are amortized (default 365).")]
RefreshOpt = Annotated[Optional[str], typer.Option(help="The corpus changes every N days, 0 = never (default 30)" + R + ".")]
ChangedOpt = Annotated[Optional[str], typer.Option(help="Share of chunks changed per refresh (default 0.2).")]
EpochsOpt = Annotated[Optional[str], typer.Option(help="Fine-tuning epochs (default 3)" + R + ".")]
VariantsOpt = Annotated[Optional[str], typer.Option("--local-variants", help="Local augmentation: rewrites per sentence (default 4).")]
GlobalOpt = Annotated[Optional[str], typer.Option(help="Global augmentation: inference tokens per document (default 1000).")]
HitOpt = Annotated[Optional[str], typer.Option(help="Prompt-cache hit rate (default: from arrivals and TTL)" + R + ".")]
ImplicitOpt = Annotated[Optional[str], typer.Option(help="Implicit caching (Gemini): share of warm-cache queries billed as hits (default 0.5, an assumption)" + R + ".")]
ReasoningOpt = Annotated[Optional[str], typer.Option(help="Reasoning tokens per query, billed as output (default: the model's documented default, 0 for non-reasoning models)" + R + ".")]
JobOpt = Annotated[Optional[str], typer.Option(help="Fixed cost per training job in USD: evaluation and deployment work (default 0)" + R + ".")]
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

# option name -> Scenario field, for the assumptions that take a number or a range
ASSUMPTION_OPTIONS = {
    "queries_per_day": "queries_per_day", "prompt_tokens": "prompt_tokens", "answer_tokens": "answer_tokens",
    "horizon_days": "horizon_days", "refresh_days": "refresh_days", "refresh_changed_fraction": "refresh_changed_fraction",
    "epochs": "epochs", "local_variants": "local_variants_per_chunk", "global_tokens_per_doc": "global_tokens_per_doc",
    "cache_hit_rate": "cache_hit_rate", "implicit_cache_hit_rate": "implicit_cache_hit_rate",
    "reasoning_tokens": "reasoning_tokens", "training_job_usd": "training_job_usd",
}


def _corpus_options(include, exclude, gitignore, max_file_mb, cache) -> CorpusOptions:
    if not max_file_mb > 0:
        raise AdaptcostError(f"--max-file-mb must be positive, got {max_file_mb}")
    return CorpusOptions(tuple(include or ()), tuple(exclude or ()), gitignore, max_file_mb, cache)


def _scenario(opts: dict) -> tuple[Scenario, "ScenarioSpec"]:
    """The central scenario and the uncertainty spec, from the scenario file then the options."""
    from .uncertainty import ScenarioSpec, load_scenario_file, parse_range

    spec = load_scenario_file(opts["scenario"]) if opts.get("scenario") else ScenarioSpec()
    for option, key in ASSUMPTION_OPTIONS.items():
        if opts.get(option) is not None:
            spec.assumptions[key] = parse_range(opts[option], "--" + option.replace("_", "-"))
    if opts.get("seed") is not None:
        spec.seed = opts["seed"]
    if opts.get("draws") is not None:
        if opts["draws"] < 1:
            raise AdaptcostError(f"--draws must be at least 1, got {opts['draws']}")
        spec.draws = opts["draws"]
    if "queries_per_day" not in spec.assumptions:
        raise AdaptcostError("give --queries-per-day (a number or a range), or a --scenario file that sets it")
    base = Scenario(queries_per_day=0, batch_augmentation=opts.get("batch_augmentation", False),
                    finetune_customer=opts.get("finetune_customer", "new"))
    return spec.centered(base), spec


def _request(opts: dict) -> tuple[RecommendRequest, "ScenarioSpec"]:
    scenario, spec = _scenario(opts)
    request = RecommendRequest(
        corpus=opts["corpus"], scenario=scenario,
        models=ModelChoice(opts["model"], opts["finetune_model"], opts["augment_model"]), mix=opts["mix"],
        min_accuracy=opts["min_accuracy"], budget=opts["budget"], tolerance=opts["accuracy_tolerance"],
        curves=opts["curves"], pricing=opts["pricing"] or (),
        corpus_options=_corpus_options(opts["include"], opts["exclude"], opts["gitignore"], opts["max_file_mb"], opts["cache"]),
        as_of=parse_day(opts.get("as_of"), "--as-of"),
    )
    return request, spec


def parse_day(text: Optional[str], flag: str):
    """A YYYY-MM-DD option, or None."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AdaptcostError(f"{flag}: expected a date YYYY-MM-DD, got {text!r}") from None


def _run(opts: dict) -> tuple[Recommendation, "ScenarioSpec"]:
    request, spec = _request(opts)
    with _Bar("counting tokens") as bar:
        return recommend_corpus(request, bar), spec


def _shared_options(fn):
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


SHARED_OPTIONS = [
    ("queries_per_day", QueriesOpt, None), ("model", ModelOpt, DEFAULT_MODEL), ("finetune_model", FtModelOpt, None),
    ("augment_model", AugModelOpt, None), ("prompt_tokens", PromptOpt, None), ("answer_tokens", AnswerOpt, None),
    ("horizon_days", HorizonOpt, None), ("refresh_days", RefreshOpt, None), ("refresh_changed_fraction", ChangedOpt, None),
    ("epochs", EpochsOpt, None), ("local_variants", VariantsOpt, None), ("global_tokens_per_doc", GlobalOpt, None),
    ("cache_hit_rate", HitOpt, None), ("implicit_cache_hit_rate", ImplicitOpt, None), ("reasoning_tokens", ReasoningOpt, None),
    ("training_job_usd", JobOpt, None), ("finetune_customer", CustomerOpt, "new"), ("as_of", AsOfOpt, None),
    ("batch_augmentation", BatchOpt, False), ("mix", MixOpt, None),
    ("min_accuracy", MinAccOpt, None), ("accuracy_tolerance", TolOpt, DEFAULT_TOLERANCE), ("budget", BudgetOpt, None),
    ("curves", CurvesOpt, None), ("pricing", PricingOpt, None), ("scenario", ScenarioOpt, None),
    ("include", IncludeOpt, None), ("exclude", ExcludeOpt, None), ("gitignore", GitignoreOpt, True),
    ("max_file_mb", MaxMbOpt, DEFAULT_MAX_FILE_MB), ("cache", CacheOpt, True),
]


@app.command()
@handled
@_shared_options
def recommend(
    corpus: CorpusArg,
    format: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
    **opts,
) -> None:
    """Recommend ICL, fine-tuning or augmented fine-tuning for a corpus, with costs and reasons.

    Ranges are priced at their central value; use 'adaptcost report' for the uncertainty."""
    rec, _ = _run({**opts, "corpus": corpus})
    if format is Format.json:
        _emit(to_json(rec), output)
    elif format is Format.markdown or output:
        _emit(to_markdown(rec), output)
    else:
        _print_recommendation(rec)


@app.command()
@handled
@_shared_options
def report(
    corpus: CorpusArg,
    output: Annotated[Path, typer.Option(help="Folder to write the report into.")],
    seed: Annotated[Optional[int], typer.Option(help="Monte Carlo seed.")] = None,
    draws: Annotated[Optional[int], typer.Option(help="Monte Carlo draws (default 100,000).")] = None,
    format: Annotated[Optional[str], typer.Option("--format", help="Comma-separated subset of md,html,json,csv,png,svg (default: all).")] = None,
    **opts,
) -> None:
    """Write a procurement-ready report folder: Markdown, HTML, JSON, CSV and charts, with uncertainty."""
    from .report import analyse, parse_formats, write_report

    formats = parse_formats(format)
    rec, spec = _run({**opts, "corpus": corpus, "seed": seed, "draws": draws})
    files = write_report(analyse(rec, spec), output, formats)
    for path in files:
        _err().print(f"wrote {escape(str(path))}", soft_wrap=True)


@app.command()
@handled
@_shared_options
def sweep(
    corpus: CorpusArg,
    x: Annotated[str, typer.Option("--x", help="ASSUMPTION=V1,V2,... e.g. queries_per_day=100,1000,10000")],
    y: Annotated[str, typer.Option("--y", help="ASSUMPTION=V1,V2,... e.g. refresh_days=7,30,90 or price:training=0.5,1,2")],
    format: Annotated[CountFormat, typer.Option("--format", help="table, json or csv.")] = CountFormat.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
    **opts,
) -> None:
    """Each strategy's total cost over a grid of two assumptions, with the winner of each cell."""
    from .uncertainty import sweep as run_sweep

    opts = {**opts, "corpus": corpus}
    (xname, xs), (yname, ys) = _axis(x, "--x"), _axis(y, "--y")
    opts.setdefault("queries_per_day", None)
    if opts["queries_per_day"] is None and "queries_per_day" in (xname, yname):
        opts["queries_per_day"] = str((xs if xname == "queries_per_day" else ys)[0])
    rec, _ = _run(opts)
    result = run_sweep(rec, xname, xs, yname, ys)
    if format is CountFormat.json:
        _emit(json.dumps({"schema": "adaptcost-sweep/1", "x": xname, "y": yname, "rows": result.to_rows()}, indent=2) + "\n", output)
    elif format is CountFormat.csv:
        _emit(_rows_csv(result.to_rows()), output)
    else:
        from .cli_render import print_sweep, print_warnings

        print_sweep(_out(), result)
        print_warnings(_out(), rec.estimate.warnings)


def _axis(text: str, flag: str) -> tuple[str, list[float]]:
    name, sep, values = text.partition("=")
    try:
        numbers = [float(v.replace("_", "")) for v in values.split(",") if v.strip()]
    except ValueError:
        raise AdaptcostError(f"{flag}: values must be numbers, got {values!r}") from None
    if not sep or not name.strip() or not numbers:
        raise AdaptcostError(f"{flag}: expected ASSUMPTION=V1,V2,..., got {text!r}")
    return name.strip().replace("-", "_"), numbers


def _rows_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


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
        _emit(json.dumps(profile.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    elif format is CountFormat.csv:
        _emit(count_csv(profile), output)
    else:
        from .cli_render import print_count

        print_count(_out(), profile)


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
    all: Annotated[bool, typer.Option("--all", help="Include models retired on the decision date.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """List every priced model with its rates, context window, as-of date and lifecycle."""
    from .cli_render import print_pricing_list
    from .pricing import load_pricing

    book = load_pricing(pricing or (), as_of=parse_day(as_of, "--as-of"))
    print_pricing_list(_out(), book, provider, include_retired=all)


@pricing_app.command("show")
@handled
def pricing_show(
    model: Annotated[str, typer.Argument(help="Model name or alias.")],
    pricing: Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Every price of one model, with its source, date and lifecycle."""
    from .cli_render import print_model
    from .pricing import load_pricing

    book = load_pricing(pricing or (), as_of=parse_day(as_of, "--as-of"))
    print_model(_out(), book.get(model), book.day)


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


@pricing_app.command("diff")
@handled
def pricing_diff(
    source: Annotated[Path, typer.Argument(help="LiteLLM's model_prices_and_context_window.json, or another adaptcost pricing YAML.")],
    pricing: Annotated[Optional[list[Path]], typer.Option(help="Extra pricing YAML, as 'pricing list' loads it; repeatable.")] = None,
    provider: Annotated[Optional[str], typer.Option(help="Only this provider's models.")] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    output: Annotated[Optional[Path], typer.Option(help="Write the report to this file instead of the terminal.")] = None,
    fail_on_diff: Annotated[bool, typer.Option("--fail-on-diff", help="Exit 1 if a price differs (for CI).")] = False,
) -> None:
    """Compare the loaded price tables with LiteLLM's price map or another table: prices, caps, lifecycle."""
    from .pricing import load_pricing
    from .pricing_diff import diff_pricing

    if format not in ("table", "json"):
        raise AdaptcostError(f"--format must be table or json, not {format!r}")
    diff = diff_pricing(load_pricing(pricing or ()), source, provider)
    if format == "json":
        _emit(json.dumps(diff.to_dict(), indent=2) + "\n", output)
    elif output:
        from .cli_render import print_pricing_diff

        console = Console(file=io.StringIO(), width=120, highlight=False, color_system=None)
        print_pricing_diff(console, diff.to_dict())
        _emit(console.file.getvalue(), output)
    else:
        from .cli_render import print_pricing_diff

        print_pricing_diff(_out(), diff.to_dict())
    if fail_on_diff and diff.price_differs:
        raise typer.Exit(1)


eval_app = typer.Typer(help="Measure how each strategy generalizes on a real model; write a curves file.")
app.add_typer(eval_app, name="eval")


@eval_app.callback(invoke_without_command=True)
@handled
def eval_run(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option(help="Curves file to write (YAML).")] = Path("curves.yaml"),
    backend: Annotated[str, typer.Option(help="Model backend: local (offline SmolLM2-135M-Instruct by default).")] = "local",
    model: Annotated[Optional[str], typer.Option(help="Local Hugging Face folder or .gguf file (default: the bundled SmolLM2).")] = None,
    quick: Annotated[bool, typer.Option(help="Small datasets (the quick profile).")] = False,
    profile: Annotated[Optional[str], typer.Option(help="Dataset sizes: tiny, quick, default or paper.")] = None,
    datasets: Annotated[Optional[str], typer.Option(help="Comma-separated: reversal,syllogism,semantic.")] = None,
    strategies: Annotated[Optional[str], typer.Option(help="Comma-separated: base,icl,finetune,finetune+local,finetune+global.")] = None,
    augment_source: Annotated[str, typer.Option(help="oracle (ground truth: an upper bound) or model (the model itself).")] = "oracle",
    method: Annotated[str, typer.Option(help="Fine-tuning method: lora or full.")] = "lora",
    epochs: Annotated[Optional[int], typer.Option(help="Fine-tuning epochs over each arm's own texts (replaces the profile's step budget).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="One step budget for every fine-tuned arm (default: the profile's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for data, training and bootstrap.")] = 0,
    base_url: Annotated[Optional[str], typer.Option(help="openai backend: an OpenAI-compatible endpoint (key from OPENAI_API_KEY).")] = None,
    budget: Annotated[Optional[float], typer.Option(help="API backends: refuse to start if scoring would cost more than this (USD).")] = None,
    api_finetune: Annotated[bool, typer.Option(help="openai backend: really run (and pay for) the provider's fine-tuning jobs; without it they are a dry run that states the cost.")] = False,
    cache: CacheOpt = True,
) -> None:
    """Run the eval harness (paper datasets, five strategies) and write a measured curves file."""
    if ctx.invoked_subcommand is not None:
        return
    from .evalkit.api import EvalRequest, run_and_write

    request = EvalRequest(output=output, backend=backend, model=model, quick=quick, profile=profile, datasets=datasets, strategies=strategies,
                          augment_source=augment_source, method=method, epochs=epochs, steps=steps, seed=seed, cache=cache,
                          base_url=base_url, budget=budget, api_finetune=api_finetune)
    with _EvalBar() as bar:
        path, result = run_and_write(request, bar)
    _err().print(f"wrote {escape(str(path))} ({len(result.cells)} measurements; score cache {result.cache_hits} hits, "
                 f"{result.cache_misses} new)", soft_wrap=True)
    from .cli_render import print_curves
    from .evalkit.curvesfile import to_curves_document

    print_curves(_out(), to_curves_document(result))


@eval_app.command("show")
@handled
def eval_show(file: Annotated[Path, typer.Argument(help="A curves file (adaptcost-curves/1), or a bundled one by name.")]) -> None:
    """Print a curves file: the accuracy table and each curve as a small chart."""
    from .cli_render import print_curves
    from .curves import load_curves, read_curves_document, resolve_curves

    load_curves(file)  # validates, with a clear error
    print_curves(_out(), read_curves_document(resolve_curves(file)))


class _EvalBar:
    """Progress for eval stages: one bar per stage, with ETA, on a terminal only."""

    def __init__(self):
        console = _err()
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=console, transient=False, disable=not console.is_terminal)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


@app.command()
def version() -> None:
    """Print adaptcost's version."""
    _out().print(f"adaptcost {__version__}")


def main() -> None:
    app()
