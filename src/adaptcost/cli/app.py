"""The command line: each command declares its options, calls one core function, renders the result."""


import io
import typing
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .._version import __version__
from ..defaults import DEFAULT_EMBEDDING_MODEL, DEFAULT_MAX_FILE_MB
from ..defaults import ENCODING_NAMES
from ..errors import AdaptcostError
from .options import (
    ASSUMPTION_OPTIONS, AsOfOpt, CacheOpt, ChunkOverlapOpt, ChunkTokensOpt, CorpusArg, CountFormat, DeviceOpt, EvalCacheOpt, ExcludeOpt,
    ExtractOpt, Format, GitignoreOpt, IncludeOpt, MaxMbOpt, PricingOpt, ProbeCacheOpt, VerboseOpt, corpus_options, parse_day, shared_options,
)
from .terminal import _emit, _err, _out, _Progress, handled, inert

# The core (numpy, scipy, the price tables) is imported inside the commands that need it, so
# that `adaptcost --help` starts fast (bench/cli_latency.py).
if typing.TYPE_CHECKING:
    from ..api import RecommendRequest
    from ..decision.recommend import Recommendation
    from ..decision.uncertainty import ScenarioSpec

app = typer.Typer(help="Price in-context learning against (augmented) fine-tuning for your documents.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False, add_completion=False)
pricing_app = typer.Typer(help="Inspect and validate the dated price tables.", no_args_is_help=True)
app.add_typer(pricing_app, name="pricing")


def _json(document, **options) -> str:
    import json

    return json.dumps(document, **options)


def _request(opts: dict) -> "tuple[RecommendRequest, ScenarioSpec]":
    """The request for the core: the scenario (scenario file, then the assumption options) and the rest."""
    from ..api import RecommendRequest
    from ..decision.estimate import ModelChoice
    from ..decision.uncertainty import scenario_from

    given = {field: opts[option] for option, field in ASSUMPTION_OPTIONS.items() if opts.get(option) is not None}
    scenario, spec = scenario_from(given, opts.get("scenario"), opts.get("seed"), opts.get("draws"),
                                   opts.get("batch_augmentation", False), opts.get("finetune_customer", "new"),
                                   opts.get("lifecycle_dates", "earliest"), opts.get("allow_partial", False))
    request = RecommendRequest(
        corpus=opts["corpus"], scenario=scenario,
        models=ModelChoice(opts["model"], opts["finetune_model"], opts["augment_model"], opts["embedding_model"],
                           opts["vector_store"], opts["reranker"]), mix=opts["mix"],
        min_accuracy=opts["min_accuracy"], budget=opts["budget"], tolerance=opts["accuracy_tolerance"],
        curves=opts["curves"], pricing=opts["pricing"] or (),
        corpus_options=corpus_options(opts["include"], opts["exclude"], opts["gitignore"], opts["max_file_mb"], opts["cache"],
                                      opts.get("extract")),
        as_of=parse_day(opts.get("as_of"), "--as-of"), retriever=opts.get("retriever"),
    )
    return request, spec


def _run(opts: dict) -> "tuple[Recommendation, ScenarioSpec]":
    from ..api import recommend_corpus

    request, spec = _request(opts)
    with _Progress("counting tokens") as bar:
        return recommend_corpus(request, bar), spec


@app.command()
@handled
@shared_options
def recommend(
    corpus: CorpusArg,
    format: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
    detail: Annotated[bool, typer.Option("--detail", help="Also show every cost component with its formula, and all assumptions.")] = False,
    verbose: VerboseOpt = False,
    **opts,
) -> None:
    """Recommend ICL, fine-tuning or augmented fine-tuning for a corpus, with costs and reasons.

    Ranges are priced at their central value; use 'adaptcost report' for the uncertainty."""
    from ..outputs.serialise import to_json, to_markdown

    rec, _ = _run({**opts, "corpus": corpus})
    if format is Format.json:
        _emit(to_json(rec), output)
    elif format is Format.markdown or output:
        _emit(to_markdown(rec), output)
    else:
        _print_recommendation(rec, detail, verbose)


@app.command()
@handled
@shared_options
def report(
    corpus: CorpusArg,
    output: Annotated[Path, typer.Option(help="Folder to write the report into.")],
    seed: Annotated[Optional[int], typer.Option(help="Monte Carlo seed.")] = None,
    draws: Annotated[Optional[int], typer.Option(help="Monte Carlo draws (default 100,000).")] = None,
    format: Annotated[Optional[str], typer.Option("--format", help="Comma-separated subset of md,html,json,csv,png,svg (default: all).")] = None,
    **opts,
) -> None:
    """Write a procurement-ready report folder: Markdown, HTML, JSON, CSV and charts, with uncertainty."""
    from ..outputs.report import MANIFEST, analyse, files_of_other_runs, parse_formats, write_report

    formats = parse_formats(format)
    if str(output) == "-":
        raise AdaptcostError("--output -: a report is a folder of files, not one stream; name a folder")
    rec, spec = _run({**opts, "corpus": corpus, "seed": seed, "draws": draws})
    files = write_report(analyse(rec, spec), output, formats)
    for path in files:
        _err().print(f"wrote {inert(path)}", soft_wrap=True)
    others = files_of_other_runs(output)
    if others:
        names = ", ".join(others[:10]) + (f", … {len(others) - 10} more" if len(others) > 10 else "")
        _err().print(f"[yellow]warning:[/] {inert(output)} also holds {len(others)} file(s) this run did not write "
                     f"(kept; {MANIFEST} lists this run's): {inert(names)}", soft_wrap=True)


@app.command()
@handled
@shared_options
def sweep(
    corpus: CorpusArg,
    x: Annotated[str, typer.Option("--x", help="ASSUMPTION=V1,V2,... e.g. queries_per_day=100,1000,10000")],
    y: Annotated[str, typer.Option("--y", help="ASSUMPTION=V1,V2,... e.g. refresh_days=7,30,90 or price:training=0.5,1,2")],
    format: Annotated[CountFormat, typer.Option("--format", help="table, json or csv.")] = CountFormat.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
    **opts,
) -> None:
    """Each strategy's total cost over a grid of two assumptions, with the winner of each cell."""
    from ..decision.uncertainty import sweep as run_sweep

    opts = {**opts, "corpus": corpus}
    (xname, xs), (yname, ys) = _axis(x, "--x"), _axis(y, "--y")
    opts.setdefault("queries_per_day", None)
    if opts["queries_per_day"] is None and "queries_per_day" in (xname, yname):
        opts["queries_per_day"] = str((xs if xname == "queries_per_day" else ys)[0])
    rec, _ = _run(opts)
    result = run_sweep(rec, xname, xs, yname, ys)
    if format is CountFormat.json:
        _emit(_json(result.to_dict(), indent=2) + "\n", output)
    elif format is CountFormat.csv:
        from ..outputs.tables import records_csv

        _emit(records_csv(result.to_rows()), output)
    else:
        from .views import print_sweep, print_warnings

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


def _print_recommendation(rec: "Recommendation", detail: bool = False, verbose: bool = False) -> None:
    from .views import print_recommendation

    print_recommendation(_out(), rec, detail, verbose)


@app.command()
@handled
def count(
    paths: Annotated[list[str], typer.Argument(help="Folders, files or globs; '-' reads standard input.")],
    encoding: Annotated[Optional[list[str]], typer.Option("--encoding", "-e", help=f"Encoding(s): {', '.join(ENCODING_NAMES)}.")] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    gitignore: GitignoreOpt = True,
    max_file_mb: MaxMbOpt = DEFAULT_MAX_FILE_MB,
    cache: CacheOpt = True,
    extract: ExtractOpt = None,
    top: Annotated[Optional[int], typer.Option("--top", help="Show only the N documents with the most tokens, with their share of the total.")] = None,
    verbose: VerboseOpt = False,
    format: Annotated[CountFormat, typer.Option("--format", help="table, json or csv.")] = CountFormat.table,
    output: Annotated[Optional[Path], typer.Option(help="Write the result to this file.")] = None,
) -> None:
    """Count the tokens of every document, exactly, per encoding."""
    from ..api import count_corpus

    if top is not None and top < 1:
        raise AdaptcostError(f"--top must be at least 1, got {top}")
    encodings = encoding or ["o200k_base"]
    with _Progress("counting tokens") as bar:
        profile = count_corpus(paths, encodings, corpus_options(include, exclude, gitignore, max_file_mb, cache, extract), bar)
    if format is CountFormat.json:
        _emit(_json(profile.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    elif format is CountFormat.csv:
        from ..outputs.tables import count_csv

        _emit(count_csv(profile), output)
    else:
        from .views import print_count

        print_count(_out(), profile, top, verbose)


@pricing_app.command("list")
@handled
def pricing_list(
    provider: Annotated[Optional[str], typer.Option(help="Only this provider.")] = None,
    pricing: PricingOpt = None,
    all: Annotated[bool, typer.Option("--all", help="Include models retired on the decision date.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """List every priced model, embedding model, vector store and reranker with its prices, as-of date and lifecycle."""
    from .views import print_pricing_list
    from ..prices.book import load_pricing

    book = load_pricing(pricing or (), as_of=parse_day(as_of, "--as-of"))
    print_pricing_list(_out(), book, provider, include_retired=all)


@pricing_app.command("show")
@handled
def pricing_show(
    model: Annotated[str, typer.Argument(help="Model, embedding model, vector store or reranker: name or alias.")],
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Every price of one model or retrieval row, with its source, date and lifecycle."""
    from .views import print_row
    from ..prices.book import load_pricing

    book = load_pricing(pricing or (), as_of=parse_day(as_of, "--as-of"))
    print_row(_out(), book.row(model), book.day)


@pricing_app.command("validate")
@handled
def pricing_validate(files: Annotated[list[Path], typer.Argument(help="Pricing YAML files.")]) -> None:
    """Validate pricing files against the schema; exit 1 on the first error."""
    from ..prices.book import read_table

    for path in files:
        table = read_table(path)
        counts = ", ".join(f"{len(rows)} {key.replace('_', ' ')}" for key, rows in {"models": table.models, **table.retrieval}.items()
                           if rows or key == "models")
        _out().print(f"{inert(path)}: ok, {counts} (sha256 {table.digest[:16]}…)")


LitellmOpt = Annotated[bool, typer.Option(
    "--litellm", help="Use the price map shipped in the installed `litellm` package (pip install litellm).")]


def _price_map(source: Optional[Path], litellm: bool) -> "tuple[Path, Optional[str]]":
    """The price map to read: SOURCE, or with --litellm the installed package's map and its release."""
    if source is not None and litellm:
        raise AdaptcostError("give a price map's path or --litellm, not both")
    if source is not None:
        return source, None
    if not litellm:
        raise AdaptcostError("give the path of LiteLLM's price map, or --litellm for the installed litellm package's map")
    from ..prices.litellm import installed_price_map

    found = installed_price_map()
    _err().print(f"reading {inert(found.label)} at {inert(found.path)}")
    return found.path, found.label


@pricing_app.command("import")
@handled
def pricing_import(
    source: Annotated[Optional[Path], typer.Argument(help="LiteLLM's model_prices_and_context_window.json (or --litellm).")] = None,
    output: Annotated[Path, typer.Option(help="Where to write the adaptcost pricing YAML.")] = ...,
    models: Annotated[Optional[list[str]], typer.Option("--model", help="Only these models; repeatable.")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="Date the price map was fetched (YYYY-MM-DD).")] = None,
    litellm: LitellmOpt = False,
) -> None:
    """Convert LiteLLM's public price map into an adaptcost pricing file."""
    from ..prices.litellm import import_litellm

    path, label = _price_map(source, litellm)
    text, count = import_litellm(path, models or (), as_of, label)
    _emit(text, output, f"{count} models to {output}")


@pricing_app.command("diff")
@handled
def pricing_diff(
    source: Annotated[Optional[Path], typer.Argument(
        help="LiteLLM's model_prices_and_context_window.json, or another adaptcost pricing YAML (or --litellm).")] = None,
    pricing: PricingOpt = None,
    provider: Annotated[Optional[str], typer.Option(help="Only this provider's models.")] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    output: Annotated[Optional[Path], typer.Option(help="Write the report to this file instead of the terminal.")] = None,
    fail_on_diff: Annotated[bool, typer.Option("--fail-on-diff", help="Exit 1 if a price differs (for CI).")] = False,
    litellm: LitellmOpt = False,
) -> None:
    """Compare the loaded price tables with LiteLLM's price map or another table: prices, caps, lifecycle."""
    from ..prices.book import load_pricing
    from ..prices.diff import diff_pricing

    if format not in ("table", "json"):
        raise AdaptcostError(f"--format must be table or json, not {format!r}")
    path, label = _price_map(source, litellm)
    diff = diff_pricing(load_pricing(pricing or ()), path, provider, package=label)
    if format == "json":
        _emit(_json(diff.to_dict(), indent=2) + "\n", output)
    elif output:
        from .views import print_pricing_diff

        console = Console(file=io.StringIO(), width=120, highlight=False, color_system=None)
        print_pricing_diff(console, diff.to_dict())
        _emit(console.file.getvalue(), output)
    else:
        from .views import print_pricing_diff

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
    strategies: Annotated[Optional[str], typer.Option(help="Comma-separated: base,icl,rag,finetune,finetune+rag,finetune+local,finetune+global.")] = None,
    retrievers: Annotated[Optional[str], typer.Option(help="rag arms: comma-separated retrievers, the first the headline (default: minilm,bm25).")] = None,
    top_k: Annotated[Optional[str], typer.Option("--top-k", help="rag arms: comma-separated documents retrieved per prompt, the curve's x (default: the profile's).")] = None,
    augment_source: Annotated[str, typer.Option(help="oracle (ground truth: an upper bound) or model (the model itself).")] = "oracle",
    method: Annotated[str, typer.Option(help="Fine-tuning method: lora or full.")] = "lora",
    epochs: Annotated[Optional[int], typer.Option(help="Fine-tuning epochs over each arm's own texts (replaces the profile's step budget).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="One step budget for every fine-tuned arm (default: the profile's).")] = None,
    until_recall: Annotated[Optional[float], typer.Option(help="Train each fine-tuned arm until it recalls this share of its trained facts, up to the profile's step cap (default 0.9; 0 = the fixed step budget, as --steps and --epochs give).")] = None,
    patience: Annotated[Optional[int], typer.Option(help="Stop a fine-tuned arm once this many recall checks in a row bring no new best (default 0: off, only the ceiling or the cap stop it).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for data, training and bootstrap.")] = 0,
    base_url: Annotated[Optional[str], typer.Option(help="openai backend: an OpenAI-compatible endpoint (key from OPENAI_API_KEY).")] = None,
    budget: Annotated[Optional[float], typer.Option(help="API backends: refuse to start if scoring would cost more than this (USD).")] = None,
    api_finetune: Annotated[bool, typer.Option(help="openai backend: really run (and pay for) the provider's fine-tuning jobs; without it they are a dry run that states the cost.")] = False,
    device: DeviceOpt = "auto",
    cache: EvalCacheOpt = True,
) -> None:
    """Run the eval harness (paper datasets, seven strategies) and write a measured curves file."""
    if ctx.invoked_subcommand is not None:
        return
    from ..evalkit.api import EvalRequest, run_and_write

    request = EvalRequest(output=output, backend=backend, model=model, quick=quick, profile=profile, datasets=datasets, strategies=strategies,
                          augment_source=augment_source, method=method, epochs=epochs, steps=steps, until_recall=until_recall, patience=patience, seed=seed, cache=cache,
                          base_url=base_url, budget=budget, api_finetune=api_finetune, retrievers=retrievers, top_k=top_k,
                          device=device)
    with _Progress(transient=False, lines=True) as bar:
        path, result = run_and_write(request, bar)
    _err().print(f"wrote {inert(path)} ({len(result.cells)} measurements; score cache {result.cache_hits} hits, "
                 f"{result.cache_misses} new)", soft_wrap=True)
    from .views import print_curves
    from ..evalkit.results.curvesfile import to_curves_document

    print_curves(_out(), to_curves_document(result), path=str(path))


@eval_app.command("show")
@handled
def eval_show(file: Annotated[Path, typer.Argument(help="A curves file (adaptcost-curves/1), or a bundled one by name.")]) -> None:
    """Print a curves file: the accuracy table and each curve as a small chart."""
    from .views import print_curves
    from ..decision.curves import load_curves, read_curves_document, resolve_curves

    label = load_curves(file).path  # validates, with a clear error
    print_curves(_out(), read_curves_document(resolve_curves(file)), path=label)


probe_app = typer.Typer(help="Measure quality on your own corpus with probes (questions whose evidence is known).",
                        no_args_is_help=True)
app.add_typer(probe_app, name="probe")


@probe_app.command("build")
@handled
def probe_build(
    corpus: CorpusArg,
    output: Annotated[Path, typer.Option(help="probes.jsonl to write (its spot-check probes.csv goes beside it).")] = Path("probes.jsonl"),
    seed: Annotated[int, typer.Option(help="Seed for distractor ties and key positions (same seed, same bytes).")] = 0,
    chunk_tokens: ChunkTokensOpt = 512,
    chunk_overlap: ChunkOverlapOpt = 64,
    embedding_model: Annotated[str, typer.Option(help="RAG's embedding model: its tokenizer places the evidence in chunks.")] = DEFAULT_EMBEDDING_MODEL,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    gitignore: GitignoreOpt = True,
    max_file_mb: MaxMbOpt = DEFAULT_MAX_FILE_MB,
    extract: ExtractOpt = None,
    writer: Annotated[Optional[str], typer.Option(help="A model behind an OpenAI-compatible endpoint writes the questions "
                                                  "(each checked by a second call); the cost is shown before any call.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="--writer: the endpoint (default: OPENAI_BASE_URL, else OpenAI's).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="--writer: the environment variable holding the API key (default OPENAI_API_KEY).")] = None,
    max_usd: Annotated[Optional[float], typer.Option(help="--writer: refuse, before any call, a build estimated above this; 0 states "
                                                     "that an endpoint the price book cannot price bills nothing.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="--writer: print the calls and their cost, make none, write nothing.")] = False,
    writer_limit: Annotated[Optional[int], typer.Option(min=1, help="--writer: write at most N questions, spread through the file (the rest stay offline).")] = None,
    pricing: PricingOpt = None,
) -> None:
    """Build a probe set from the corpus: probes.jsonl and probes.csv. Offline (no model, no network)
    unless --writer names a model to write the questions."""
    from ..evalkit.probes.build import BuildRequest, build_probes
    from ..evalkit.probes.writer import WriterRequest

    writer_options = {"--base-url": base_url, "--api-key-env": api_key_env, "--max-usd": max_usd,
                      "--dry-run": dry_run or None, "--writer-limit": writer_limit, "--pricing": pricing or None}
    given = [name for name, value in writer_options.items() if value is not None]
    if writer is None and given:
        raise AdaptcostError(f"{', '.join(given)}: only with --writer MODEL (a model that writes the questions)")
    written = None if writer is None else WriterRequest(writer.strip(), base_url, api_key_env or "OPENAI_API_KEY", max_usd,
                                                        dry_run, writer_limit)
    request = BuildRequest(tuple(corpus), output, seed, chunk_tokens, chunk_overlap, embedding_model,
                           corpus_options(include, exclude, gitignore, max_file_mb, True, extract), written, tuple(pricing or ()))
    with _Progress(transient=True, lines=True) as bar:
        result = build_probes(request, bar, say=lambda line: _err().print(inert(line), soft_wrap=True))
    if not result.files:
        _out().print(inert(result.summary()), soft_wrap=True)
        return
    for path in result.files:
        _err().print(f"wrote {inert(path)}", soft_wrap=True)
    _out().print(inert(result.summary()), soft_wrap=True)


@probe_app.command("run")
@handled
def probe_run(
    probes: Annotated[Path, typer.Argument(help="A probes file (adaptcost-probes/1), from 'adaptcost probe build'.")],
    corpus: CorpusArg,
    output: Annotated[Path, typer.Option(help="Curves file to write, or to add the retrieval section to (YAML; .json for JSON).")] = Path("curves.yaml"),
    retrievers: Annotated[str, typer.Option(help="Comma-separated retrievers, the first the headline that recommend uses by default.")] = "bm25,minilm",
    top_k: Annotated[Optional[int], typer.Option("--top-k", min=1, help="Your scenario's chunks per prompt, measured beside k = 1, 2, 4, 8 (and rag's k; default 4).")] = None,
    arms: Annotated[Optional[str], typer.Option(help="Also measure accuracy with a model: comma-separated base,icl,rag,finetune,finetune+rag,finetune+local,finetune+global (default: retrieval only).")] = None,
    backend: Annotated[str, typer.Option(help="--arms: model backend: local (offline SmolLM2-135M-Instruct by default) or openai (any OpenAI-compatible endpoint).")] = "local",
    model: Annotated[Optional[str], typer.Option(help="--arms: local: a Hugging Face folder or .gguf file (default: the bundled SmolLM2); openai: the model's name.")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="--arms: score only N of the non-guessable probes, evenly spaced through the file.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="--backend openai: the endpoint, e.g. http://localhost:8000/v1 (default: OPENAI_BASE_URL, else OpenAI's).")] = None,
    api_key_env: Annotated[str, typer.Option(help="--backend openai: the environment variable that holds the API key.")] = "OPENAI_API_KEY",
    max_usd: Annotated[Optional[float], typer.Option(min=0.0, help="--backend openai: refuse to start if the run would cost more than this (USD, estimated from the price tables before any call).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the bootstrap and permutation tests.")] = 0,
    until_recall: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="--arms finetune*: train each fine-tuned model until its accuracy on the recall probes reaches this, checked every epoch of the sentences (default 0.9; 0: a fixed budget of --cap-epochs epochs).")] = None,
    cap_epochs: Annotated[Optional[int], typer.Option(min=1, help="--arms finetune*: stop at this many epochs of the sentences at the latest (default 30, as eval's); an arm below the ceiling then is descriptive only.")] = None,
    api_finetune: Annotated[bool, typer.Option(help="--backend openai: really run (and pay for) the provider's fine-tuning jobs; without it the fine-tuned arms are a dry run that states their cost.")] = False,
    precision: Annotated[str, typer.Option(help="--backend local: score in fp32 (exact, the default) or bf16 (a bfloat16 copy of the weights: about 3x faster on CPUs with AMX; log-probabilities differ by about 0.04 nats a token). The file records it.")] = "fp32",
    device: DeviceOpt = "auto",
    include: IncludeOpt = None, exclude: ExcludeOpt = None, gitignore: GitignoreOpt = True,
    max_file_mb: MaxMbOpt = DEFAULT_MAX_FILE_MB, cache: ProbeCacheOpt = True, extract: ExtractOpt = None,
) -> None:
    """Measure retrieval recall@k on your corpus (the share of probes whose evidence chunks are retrieved)
    and, with --arms, each strategy's accuracy on the probes with a model."""
    import time

    from ..evalkit.probes.curvesfile import existing_curves, write_curves
    from ..evalkit.probes.recall import RecallRequest, measure_recall
    from .views import print_probe_arms, print_probe_recall

    request = RecallRequest(probes, corpus, tuple(r.strip() for r in retrievers.split(",") if r.strip()), top_k,
                            corpus_options(include, exclude, gitignore, max_file_mb, cache, extract), seed)
    existing = existing_curves(output)  # a bad --output is said before any measurement
    chosen = model_backend = None
    if arms is not None:
        from ..evalkit.backends.registry import get_backend
        from ..evalkit.probes.arms import parse_arms

        from ..evalkit.probes.tuned import TuningRequest
        from ..evalkit.backends.protocol import FinetuneSettings

        chosen = parse_arms(arms)  # a bad --arms is said before any measurement
        given = {"until_recall": until_recall, "cap_epochs": cap_epochs}
        tuning = TuningRequest(**{k: v for k, v in given.items() if v is not None}, api_finetune=api_finetune,
                               settings=FinetuneSettings(seed=seed))
        if precision != "fp32" and backend.partition(":")[0] != "local":
            raise AdaptcostError(f"--precision {precision}: only the local backend scores on this machine (an endpoint "
                                 "scores at its own precision)")
        model_backend = get_backend(backend, device=device, **({"model": model} if model else {}),
                                    **({"precision": precision} if precision != "fp32" else {}),
                                    **_endpoint_options(backend, base_url, api_key_env))
    started = time.perf_counter()
    with _Progress(transient=False, lines=True) as bar:
        result = measure_recall(request, bar)
        section = None
        if chosen is not None:
            from ..evalkit.probes.arms import ArmsRequest, measure_arms

            section = measure_arms(result, model_backend,
                                   ArmsRequest(chosen, top_k, limit, cache, seed, max_usd=max_usd, tuning=tuning), bar,
                                   say=lambda line: _err().print(inert(line), soft_wrap=True))
    path = write_curves(result, output, existing, section)
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items())
    _err().print(f"wrote {inert(path)} (recall@k of {result.counts['measured']} probes; ranking: {timing})", soft_wrap=True)
    print_probe_recall(_out(), result.section())
    if section is not None:
        cached = section["score_cache"]
        _err().print(f"measured in {time.perf_counter() - started:.0f} s (recall and arms) (score cache {cached['hits']} hits, "
                     f"{cached['new']} new)", soft_wrap=True)
        print_probe_arms(_out(), section)
        if "trainings" in section:
            from .views import print_probe_trainings

            print_probe_trainings(_out(), section)


def _endpoint_options(backend: str, base_url: Optional[str], api_key_env: str) -> dict:
    """get_backend's options for an endpoint (the openai backend); --base-url elsewhere is an error."""
    if backend.partition(":")[0] != "openai":
        if base_url is not None:
            raise AdaptcostError(f"--base-url is for --backend openai, not {backend!r}")
        return {}
    # probe run scores by generation where the endpoint gives no prompt log-probabilities, never by the
    # chat top-logprobs approximation
    return {"api_key_env": api_key_env, "chat_fallback": False, **({"base_url": base_url} if base_url else {})}


@app.command()
def version() -> None:
    """Print adaptcost's version."""
    _out().print(f"adaptcost {__version__}")


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit()


@app.callback()
def _app(
    show_version: Annotated[bool, typer.Option("--version", "-V", callback=_print_version, is_eager=True,
                                               help="Print adaptcost's version and exit.")] = False,
) -> None:
    """Price in-context learning against (augmented) fine-tuning for your documents."""


def main() -> None:
    app()
