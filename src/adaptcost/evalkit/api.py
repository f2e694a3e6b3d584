"""One call for `adaptcost eval`: build the config, run the harness, write the curves file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import AdaptcostError
from ..limits import MAX_COUNT, MAX_SEED, MAX_USD, problem, shown
from ..fileio import atomic_write_text
from .scoring.runner import STRATEGIES, EvalConfig, EvalResult, Progress, run_eval

# Per profile: scales (shares of the training documents), ICL context shares and augmentation
# shares measured. Every profile measures the full-scale arms only: sweeps whose cells hold a few
# items each cannot carry a claim, so the CPU goes to items (n) and dataset seeds instead.
PROFILE_SCALES = {"tiny": ((1.0,), (1.0,), (1.0,)), "quick": ((1.0,), (1.0,), (1.0,)),
                  "default": ((1.0,), (1.0,), (1.0,)), "paper": ((1.0,), (1.0,), (1.0,))}
# Dataset seeds, pooled (clusters carry the seed).
PROFILE_SEEDS = {"tiny": (0,), "quick": (0,), "default": (0, 1, 2), "paper": (0, 1, 2)}
# With --until-recall 0: one step budget for every fine-tuned arm of a dataset, this many epochs of
# its plain (sentence-split) training set, in steps, for every arm (the augmented arms see their
# larger sets fewer times); None (tiny, a smoke test): epochs over each arm's own texts. --steps or
# --epochs override it. Also the budget of arms whose recall cannot be checked (no recall items).
PROFILE_BUDGET_EPOCHS = {"tiny": None, "quick": 2, "default": 3, "paper": 4}
# rag arms: documents retrieved per prompt (the curve's x, the headline retriever's sweep; the
# accuracy table's k, and the other retriever's, is HEADLINE_K; a k above a corpus is the whole
# corpus, ICL's context). For time, quick measures the headline only (a smoke test of the
# protocol) and default k = 1 and the headline: at its sizes k = 8 is the whole corpus (ICL) except
# on the reversal set, whose recall is 100% from k = 1 on, and k = 2 lies between two measured points.
PROFILE_TOP_KS = {"tiny": (1, 4), "quick": (4,), "default": (1, 4), "paper": (1, 2, 4, 8)}
HEADLINE_K = 4
# --until-recall (the default): each fine-tuned arm trains until its recall of trained facts
# reaches the ceiling, checked every epoch of the plain set, stopping at this many epochs of it
# (the step cap). Measured on the quick profile, seed 0 (LoRA r16, lr 1e-3, batch 8; recall read as
# the model's own pick on the training sentences, scoring.ceiling): the arms that reached 0.9 took
# 7-16 epochs of the plain set (reversal 21-48 steps, syllogism 24-30, semantic 77-165), the
# covers arms, with the most texts, the most. 30 leaves room for the default profile's larger
# augmentation sets: there (2026-12-05, gradients clipped) the semantic arms took 6-16 epochs
# (72-208 steps, caps 360-390), the unsplit arm 8-10 epochs of its pages.
DEFAULT_UNTIL_RECALL = 0.9
PROFILE_CAP_EPOCHS = {"tiny": 10, "quick": 30, "default": 30, "paper": 30}
# Checks without a new best recall before an arm stops: off. Replayed on the shipped curves files'
# recorded checks (2026-12-05, bench/eval_patience.py; every arm reached the ceiling), patience 8-10
# would save nothing, patience 6 9% of the quick file's 936 steps and patience 4 22%, stopping 2
# and 5 of its 16 arms before the ceiling they later reached: recall on 8-16 items is too noisy
# to call a plateau early.
DEFAULT_PATIENCE = 0
# Epochs where no step budget applies.
MAX_STEPS = 10**9  # one step budget: far past any run on one machine
PROFILE_EPOCHS = {"tiny": 3, "quick": 3, "default": 3, "paper": 3}


@dataclass
class EvalRequest:
    output: Path
    backend: str = "local"
    model: str | None = None
    quick: bool = False
    profile: str | None = None  # tiny | quick | default | paper; --quick means quick
    datasets: str | None = None
    strategies: str | None = None
    augment_source: str = "oracle"
    method: str = "lora"
    epochs: int | None = None  # None: the profile's (PROFILE_EPOCHS)
    steps: int | None = None  # one step budget for every arm; None: the profile's (PROFILE_BUDGET_EPOCHS)
    until_recall: float | None = None  # the recall ceiling to train to; 0: a fixed budget; None: 0.9 unless steps/epochs
    patience: int | None = None  # checks without a new best recall before an arm stops (0: never; None: DEFAULT_PATIENCE)
    seed: int = 0
    cache: bool = True
    base_url: str | None = None  # API backends: an OpenAI-compatible endpoint
    budget: float | None = None  # API backends: refuse to start if scoring would cost more (USD)
    api_finetune: bool = False  # API backends: really run the provider's fine-tuning jobs (billed)
    retrievers: str | None = None  # rag arms: comma-separated retriever names (default: minilm,bm25)
    top_k: str | None = None  # rag arms: comma-separated k values (default: the profile's)
    device: str = "auto"  # local backend: auto (CUDA where torch sees it, else MPS, else CPU), cpu, cuda, cuda:N or mps


def _names(text: str | None, default: tuple[str, ...], known: tuple[str, ...], flag: str) -> tuple[str, ...]:
    if not text:
        return default
    from ..suggest import did_you_mean

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in known:
            raise AdaptcostError(f"{flag}: unknown name {name!r}{did_you_mean(name, known)}")
    return names


def _top_ks(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise AdaptcostError(f"--top-k: expected comma-separated whole numbers, got {text!r}") from None
    if not values or any(k < 1 for k in values):
        raise AdaptcostError(f"--top-k: every k must be at least 1, got {text!r}")
    if max(values) > MAX_COUNT:
        raise AdaptcostError(f"--top-k: every k must be at most {MAX_COUNT}, got {shown(max(values))}")
    return values


def config_of(request: EvalRequest) -> EvalConfig:
    from .datasets.paper import DATASETS

    profile = request.profile or ("quick" if request.quick else "default")
    if profile not in PROFILE_SCALES:
        from ..suggest import did_you_mean

        raise AdaptcostError(f"--profile: unknown profile {profile!r}{did_you_mean(profile, PROFILE_SCALES)}")
    scales, shares, aug_shares = PROFILE_SCALES[profile]
    for flag, value, high in (("--steps", request.steps, MAX_STEPS), ("--epochs", request.epochs, MAX_COUNT)):
        found = None if value is None else problem(value, low=1, high=high, whole=True)
        if found is not None:
            raise AdaptcostError(f"{flag} {found}")
    if request.budget is not None and problem(request.budget, above=0, high=MAX_USD) is not None:
        raise AdaptcostError(f"--budget must be a positive amount of USD up to {MAX_USD:g}, got {shown(request.budget)}")
    if problem(request.seed, low=0, high=MAX_SEED, whole=True) is not None:
        raise AdaptcostError(f"--seed must be an integer in [0, {MAX_SEED}], got {shown(request.seed)}")
    if request.method not in ("lora", "full"):
        raise AdaptcostError(f"--method must be lora or full, got {request.method!r}")
    until = _until_recall(request)
    from .backends.retrievers import available_retrievers

    return EvalConfig(
        retrievers=_names(request.retrievers, EvalConfig.retrievers, tuple(available_retrievers()), "--retrievers"),
        top_ks=_top_ks(request.top_k) or PROFILE_TOP_KS[profile], headline_k=HEADLINE_K,
        profile=profile, seeds=tuple(request.seed + k for k in PROFILE_SEEDS[profile]),
        budget_epochs=None if request.steps is not None or request.epochs is not None else PROFILE_BUDGET_EPOCHS[profile],
        datasets=_names(request.datasets, DATASETS, DATASETS, "--datasets"),
        strategies=_names(request.strategies, STRATEGIES, STRATEGIES, "--strategies"),
        augment_source=request.augment_source, seed=request.seed, scales=scales, icl_shares=shares,
        aug_shares=aug_shares, cache=request.cache,
        until_recall=until > 0, recall_ceiling=until or DEFAULT_UNTIL_RECALL, cap_epochs=PROFILE_CAP_EPOCHS[profile],
        patience=_patience(request),
    )


def _patience(request: EvalRequest) -> int:
    if request.patience is None:
        return DEFAULT_PATIENCE
    found = problem(request.patience, low=0, high=MAX_COUNT, whole=True)
    if found is not None:
        raise AdaptcostError(f"--patience {found}")
    return int(request.patience)


def _until_recall(request: EvalRequest) -> float:
    """The ceiling to train to (0: a fixed step budget): --until-recall, else 0.9, or 0 where
    --steps or --epochs ask for a fixed budget."""
    fixed = request.steps is not None or request.epochs is not None
    if request.until_recall is None:
        return 0.0 if fixed else DEFAULT_UNTIL_RECALL
    found = problem(request.until_recall, low=0, high=1)
    if found is not None:
        raise AdaptcostError(f"--until-recall {found}")
    if request.until_recall > 0 and fixed:
        raise AdaptcostError("--until-recall trains to a recall ceiling, --steps and --epochs to a fixed budget: "
                             "give one (--until-recall 0 with a fixed budget)")
    return float(request.until_recall)


def planned_requests(config: EvalConfig) -> list[tuple[str, str]]:
    """The scoring requests of the base, ICL and RAG strategies at full scale (what an API run pays
    for; each ICL or RAG request carries its documents, as a hosted API bills them). RAG's are
    estimated without retrieving: each k's context is the k first documents, per retriever, two orders."""
    from .datasets.paper import generate
    from .scoring.runner import RAG, context_of, rag_ks

    requests = []
    for name in config.datasets:
        for seed in config.dataset_seeds:
            dataset = generate(name, seed, config.profile)
            contexts = [""] + ([context_of(dataset.docs) + "\n\n"] * 2 * len(config.icl_shares) if "icl" in config.strategies else [])
            for strategy in (s for s in config.strategies if s in RAG):
                retrievers = config.retrievers[:1] if strategy == "finetune+rag" else config.retrievers
                for retriever in retrievers:
                    ks, _ = rag_ks(config, len(dataset.docs), strategy, retriever)
                    contexts += [context_of(dataset.docs[:k]) + "\n\n" for k in ks] * 2
            requests += [(context + item.prompt, option) for context in contexts for item in dataset.items for option in item.options]
    return requests


def check_budget(backend, config: EvalConfig, budget: float | None) -> None:
    """Refuse to start an API run whose scoring alone would exceed `budget` dollars."""
    estimate = getattr(backend, "estimate_scoring_usd", None)
    if budget is None or estimate is None:
        return
    cost = estimate(planned_requests(config))
    if cost > budget:
        raise AdaptcostError(f"this eval would cost about ${cost:,.2f} in {backend.name} scoring calls, over the --budget of "
                             f"${budget:,.2f}; use --quick, fewer --datasets or --strategies, or raise the budget")


def run_and_write(request: EvalRequest, progress: Progress | None = None) -> tuple[Path, EvalResult]:
    from .backends.registry import FinetuneSettings, check_device, get_backend
    from .results.curvesfile import dump, to_curves_document

    check_device(request.backend, request.device, resolve=False)  # a bad --device name: said first
    config = config_of(request)
    options = {"model": request.model} if request.model else {}
    if request.base_url:
        options["base_url"] = request.base_url
    if request.api_finetune:
        options["run_finetunes"] = True
    check_device(request.backend, request.device)  # a device torch cannot use: one error before any work
    report = progress or (lambda stage, done, total: None)
    report("loading the model", 0, 1)
    backend = get_backend(request.backend, device=request.device, **options)
    report("loading the model", 1, 1)
    check_budget(backend, config, request.budget)
    # the settings record the epochs the budget is made of (no step count here: it is per dataset,
    # in the curves file's checks.trainings)
    epochs = request.epochs if request.epochs is not None else (config.budget_epochs or PROFILE_EPOCHS[config.profile])
    settings = FinetuneSettings(method=request.method, epochs=epochs, seed=request.seed, steps=request.steps)
    result = run_eval(backend, config, settings, progress)
    describe = getattr(backend, "device_info", None)  # where it ran (a local backend), for the curves file's settings
    result.device = describe() if describe is not None else None
    atomic_write_text(request.output, dump(to_curves_document(result)))
    return request.output, result
