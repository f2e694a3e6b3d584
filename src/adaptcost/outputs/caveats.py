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


def unverified_pick(d: dict) -> str | None:
    """One line for the top of the output when the recommended plan rests on unverified prices, else None."""
    pick = d["recommendation"]["pick"]
    fields = unverified_prices(d, pick) if pick else []
    if not fields:
        return None
    models = list(dict.fromkeys(f.split(" ", 1)[0] for f in fields))
    return (f"Caution: the recommended plan ({pick}) rests on unverified prices: {', '.join(fields)} "
            f"(no primary source confirms them; why: "
            f"{', '.join(repr('adaptcost pricing show ' + m) for m in models)})")
