"""The caveat a reader must see before anything else: a recommended plan that rests on a price no
primary source confirms (issue 18: "say in the first line of the output that the default plan rests
on an unverified price"). Every priced component of a strategy names the prices it used and whether
each is verified (`Recommendation.to_dict()["strategies"][i]["components"][j]["prices"]`); the rule
reads only that, so it holds for any pick and any table, bundled or --pricing."""

from __future__ import annotations


def unverified_prices(d: dict, strategy: str) -> list[str]:
    """'model field' of each unverified price the strategy's cost uses, in first-use order, no repeats."""
    st = next((s for s in d["strategies"] if s["name"] == strategy), None)
    if st is None:
        return []
    return list(dict.fromkeys(f"{p['model']} {p['field']}" for c in st.get("components", ())
                              for p in c.get("prices", ()) if p.get("verified") is False))


def _label(field: str) -> tuple[str, str]:
    """A price field as a reader says it, (block, price): finetune.training_usd_per_mtok ->
    ("fine-tuning", "training"); finetune.usd_per_mtok.input -> ("fine-tuning", "input");
    usd_per_mtok.output -> ("", "output")."""
    block = "fine-tuning" if field.startswith("finetune.") else ""
    name = field.rsplit(".", 1)[-1]
    return block, "training" if name == "training_usd_per_mtok" else name.replace("_", " ")


def unverified_pick(d: dict) -> str | None:
    """One line for the top of the output when the recommended plan rests on unverified prices, else None:
    per model and block, the prices no primary source confirms (the warnings say where each row says why)."""
    pick = d["recommendation"]["pick"]
    fields = unverified_prices(d, pick) if pick else []
    if not fields:
        return None
    groups: dict[tuple[str, str], list[str]] = {}
    for item in fields:
        model, field = item.split(" ", 1)
        block, name = _label(field)
        groups.setdefault((model, block), []).append(name)
    named = "; ".join(" ".join(filter(None, (model, block, ", ".join(names)))) for (model, block), names in groups.items())
    return f"Caution: {pick} rests on unverified prices: {named} (see the warnings)"
