"""Questions of five types from the corpus's facts, each with its answer, the facts it rests on
and where its distractors come from. No question contains its answer.

- recall: the evidence sentence with the answer blanked out (the cue word for word);
- rephrasing: a question built from the fact's subject and relation alone, kept only where no
  run of `REPHRASE_RUN` words of it is in the evidence (the cue is not the evidence's wording)
  and the subject has one value in that relation (the question has one answer);
- reversal: the subject asked from the value, only where the relation is one-to-one in the
  corpus (the value has one subject, the subject one value, in that relation);
- multi-hop: two facts of different documents joined by an entity, the value of the first being
  the subject of the second, which the question does not name (a value shared by several
  subjects is a class: category's); or a definition holding the name another document defines;
- category: a property stated of a class (a table's column value shared by several rows, or a
  name defined elsewhere), asked of a member whose membership is stated in another sentence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .facts import MENTIONS, Fact, bare, fact_id

TYPES = ("recall", "rephrasing", "reversal", "multi-hop", "category")
MIN_REVERSED_WORDS = 3  # a description asked backwards names enough to single its subject out ("a tool" does not)
REPHRASE_RUN = 4  # words in a row that a rephrased question may not share with its evidence
MAX_HOPS_PER_BRIDGE = 3  # multi-hop questions through one joining entity, at most
MAX_MEMBERS_PER_CLASS = 4  # category questions about one class property, at most
_BASE_VERB = {"is": "is", "are": "are", "was": "was", "replaced": "replace", "costs": "cost", "runs on": "run on",
              "reports to": "report to", "belongs to": "belong to", "needs": "need"}


@dataclass(frozen=True)
class Draft:
    """A question before its options: `answer` is the key; `pool` names where its distractors come
    from ("value" or "subject", and a fact group); `also_right` the answers that would be right too
    (bare), never used as distractors."""

    type: str
    cluster: str
    question: str
    answer: str
    pool: tuple[str, str]
    facts: tuple[Fact, ...]
    also_right: frozenset[str] = frozenset()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def contains(haystack: str, needle: str) -> bool:
    """Whether `needle` appears anywhere in `haystack`, case-insensitively (strict: "CU" is in
    "document"; a question that holds its answer's letters anywhere is not asked)."""
    return needle.strip().lower() in haystack.lower()


def shares_run(question: str, evidence: str, run: int = REPHRASE_RUN) -> bool:
    """Whether `run` words in a row of `question` appear in a row in `evidence`."""
    q, e = words(question), f" {' '.join(words(evidence))} "
    return any(f" {' '.join(q[i:i + run])} " in e for i in range(len(q) - run + 1))


class Index:
    """The facts, looked up by what the question types join on."""

    def __init__(self, facts: list[Fact]):
        self.facts = facts
        self.values_of: dict[tuple[str, str], set[str]] = defaultdict(set)  # (group, bare subject) -> bare values
        self.subjects_of: dict[tuple[str, str], set[str]] = defaultdict(set)  # (group, bare value) -> bare subjects
        self.by_subject: dict[str, list[Fact]] = defaultdict(list)  # bare subject -> facts (not quantities)
        for f in facts:
            self.values_of[(f.group, bare(f.subject))].add(bare(f.value))
            self.subjects_of[(f.group, bare(f.value))].add(bare(f.subject))
            if f.kind not in MENTIONS:
                self.by_subject[bare(f.subject)].append(f)

    def right_values(self, fact: Fact) -> frozenset[str]:
        return frozenset(self.values_of[(fact.group, bare(fact.subject))])


# Questions of the prose relations (facts.py), asking the value and the subject.
_ASK_VALUE = {"is used to": "What is {s} used for?", "is used for": "What is {s} used for?",
              "lets you": "What does {s} let you do?", "allows you to": "What does {s} allow you to do?",
              "can be used to": "What can {s} be used to do?", "gives you": "What does {s} give you?",
              "must be": "What must {s} be?", "default": "What is the default value of {s}?",
              "use": "What should you use to {s}?"}
_ASK_SUBJECT = {"is used to": "What is used to {v}?", "is used for": "What is used for {v}?",
                "lets you": "What lets you {v}?", "allows you to": "What allows you to {v}?",
                "can be used to": "What can be used to {v}?", "gives you": "What gives you {v}?",
                "default": "Which parameter defaults to {v}?", "use": None, "must be": None}


def _ask_value(fact: Fact) -> str | None:
    """The rephrased question for a fact's value, from its subject and relation alone."""
    if fact.kind in MENTIONS:
        return None
    if fact.relation in _ASK_VALUE:
        return _ASK_VALUE[fact.relation].format(s=fact.subject)
    if fact.relation in ("is", "are"):
        return f"How do the documents describe {fact.subject}?"
    if fact.kind == "relation":
        return f"What does {fact.subject} {_BASE_VERB.get(fact.relation, fact.relation.removesuffix('s'))}?" \
            if fact.relation not in ("was",) else f"What was {fact.subject}?"
    return f"What is the {_relation_words(fact.relation)} of {fact.subject}?"


def _relation_words(relation: str) -> str:
    words_ = relation.replace("_", " ").strip()
    return words_ if words_.isupper() else words_[:1].lower() + words_[1:]


def _ask_subject(fact: Fact) -> str | None:
    """The reversed question: the subject asked from the value."""
    if fact.kind in MENTIONS:
        return None
    if fact.relation in _ASK_SUBJECT:
        template = _ASK_SUBJECT[fact.relation]
        return template and template.format(v=fact.value)
    if fact.relation in ("is", "are"):
        return f"What do the documents describe as {fact.value}?"
    if fact.kind == "relation":
        return f"What {fact.relation} {fact.value}?"
    named = [h for h, cell in fact.row if cell == fact.subject and h]  # the subject column's header
    thing = named[0] if named else "document" if fact.kind == "key-value" else "item"
    return f"Which {_relation_words(thing)} has {_relation_words(fact.relation)} {fact.value}?"


def recall(fact: Fact) -> Draft | None:
    """The evidence sentence, as prose (prose.cue: no link targets, anchors or markup), the answer blanked."""
    sentence = fact.cue or fact.sentence
    at = sentence.find(fact.value)
    blanked = sentence[:at] + "____" + sentence[at + len(fact.value):]
    if at < 0 or contains(blanked, fact.value):
        return None
    return Draft("recall", fact.id, f"Fill in the blank: {blanked}", fact.value, ("value", fact.group), (fact,))


def rephrasing(fact: Fact, index: Index) -> Draft | None:
    question = _ask_value(fact)
    if (question is None or len(index.right_values(fact)) > 1  # "What does the hotel cost?": no one answer
            or contains(question, fact.value) or shares_run(question, fact.sentence)):
        return None
    return Draft("rephrasing", fact.id, question, fact.value, ("value", fact.group), (fact,), index.right_values(fact))


def reversal(fact: Fact, index: Index) -> Draft | None:
    question = _ask_subject(fact)
    one_to_one = (len(index.subjects_of[(fact.group, bare(fact.value))]) == 1
                  and len(index.values_of[(fact.group, bare(fact.subject))]) == 1)
    if question is None or not one_to_one or contains(question, fact.subject):
        return None
    if fact.relation in ("is", "are") and len(words(fact.value)) < MIN_REVERSED_WORDS:
        return None  # "What do the documents describe as a tool?": one-to-one here, yet nothing a reader could pin down
    return Draft("reversal", fact.id, question, fact.subject, ("subject", fact.group), (fact,))


def _named_as(name: str) -> str:
    """A name as written, without a leading article: case tells a thing ("File") from a word ("file")."""
    return re.sub(r"^(?:the|a|an|our)\s+", "", name.strip(), flags=re.I)


def hop_pairs(index: Index):
    """Every join of a fact's value to the subject of a fact in another document: (first, second),
    the value of `first` being the subject of `second` (the fact graph multi-hop questions and
    finetune+global's inferences come from)."""
    for first in index.facts:
        if first.kind in MENTIONS or first.relation in ("is", "are"):  # a description is no thing to join on
            continue
        bridge = bare(first.value)
        if len(index.subjects_of[(first.group, bridge)]) > 1:
            continue  # a class of several members: a category question, not a join of two things
        for second in index.by_subject.get(bridge, ()):
            if (second.document == first.document or bare(second.value) in (bridge, bare(first.subject))
                    or _named_as(first.value) != _named_as(second.subject)  # "the file" is no `File`
                    or second.kind == "relation" and second.relation not in ("is", "are")):
                continue
            yield first, second


def hop_cluster(first: Fact, second: Fact) -> str:
    """The cluster id of a join (a multi-hop probe's `fact`)."""
    return fact_id(first.id, second.id)


def multi_hops(index: Index) -> tuple[list[Draft], int]:
    """Every question joining a fact's value to the subject of a fact in another document (at
    most MAX_HOPS_PER_BRIDGE per joining entity), and how many joins were found."""
    out, joins = [], 0
    per_bridge: dict[str, int] = defaultdict(int)
    for first, second in hop_pairs(index):
        bridge = bare(first.value)
        joins += 1
        if per_bridge[bridge] >= MAX_HOPS_PER_BRIDGE:
            continue
        question = (f"What is the {_relation_words(second.relation)} of what {first.subject} {first.relation}?"
                    if first.kind == "relation" else
                    f"What is the {_relation_words(second.relation)} of the {_relation_words(first.relation)} of {first.subject}?")
        if second.relation in ("is", "are"):
            question = (f"How do the documents describe what {first.subject} {first.relation}?" if first.kind == "relation"
                        else f"How do the documents describe the {_relation_words(first.relation)} of {first.subject}?")
        if contains(question, second.value) or contains(question, first.value):
            continue
        per_bridge[bridge] += 1
        out.append(Draft("multi-hop", hop_cluster(first, second), question, second.value, ("value", second.group),
                         (first, second), index.right_values(second)))
    return out, joins


_NAME_IN = re.compile(r"(?<![\w-])[A-Z][\w.+-]*[\w+](?:\s[A-Z][\w.+-]*[\w+])*")


def definition_hops(index: Index) -> tuple[list[Draft], int]:
    """Every question joining a definition to the definition of the one name it holds, stated in
    another document ("Uvicorn is a lightning-fast ASGI server" and "ASGI is a standard for ..."):
    the name is blanked ("The documents call Uvicorn a lightning-fast ____ server. How do they
    describe the ____?"), so the question needs both facts. Only where the join is unambiguous: the
    definition holds one defined name, and that name has one definition. And how many joins were found."""
    out, joins = [], 0
    per_bridge: dict[str, int] = defaultdict(int)
    for first in index.facts:
        if first.kind != "relation" or first.relation != "is":
            continue
        bridges = [(m, second) for m in _NAME_IN.finditer(first.value) for second in index.by_subject.get(bare(m.group()), ())
                   if second.relation == "is" and second.document != first.document]
        if len({m.group() for m, _ in bridges}) != 1 or len({bare(s.value) for _, s in bridges}) != 1:
            continue
        match, second = bridges[0]
        if len(index.right_values(second)) > 1 or bare(match.group()) == bare(first.subject):
            continue
        joins += 1
        bridge = bare(match.group())
        blanked = first.value[:match.start()] + "____" + first.value[match.end():]
        question = f"The documents call {first.subject} {blanked}. How do they describe the ____?"
        if per_bridge[bridge] >= MAX_HOPS_PER_BRIDGE or contains(question, second.value) or contains(question, match.group()):
            continue
        per_bridge[bridge] += 1
        out.append(Draft("multi-hop", fact_id(first.id, second.id), question, second.value, ("value", second.group),
                         (first, second), index.right_values(second) | {bare(first.value)}))
    return out, joins


def class_pairs(index: Index):
    """Per class property, ((group, bare class, the property's fact), its members stated in another
    sentence, by id): a class is a table cell shared by several rows (the rows its members) that
    is also the subject of a fact in another sentence. The pairs category questions and
    finetune+global's inferences come from."""
    members: dict[tuple[str, str], list[Fact]] = defaultdict(list)  # (group, bare class) -> membership facts
    for f in index.facts:
        if f.kind == "table" and len(index.subjects_of[(f.group, bare(f.value))]) >= 2:
            members[(f.group, bare(f.value))].append(f)
    for (group, cls), memberships in sorted(members.items()):
        for prop in index.by_subject.get(cls, ()):
            yield (group, cls, prop), [m for m in sorted(memberships, key=lambda f: f.id)
                                       if not (m.sentence == prop.sentence or m.start == prop.start and m.document == prop.document)]


def class_cluster(member: Fact, prop: Fact) -> str:
    """The cluster id of a class property asked of a member (a category probe's `fact`)."""
    return fact_id(member.id, prop.id)


def categories(index: Index) -> tuple[list[Draft], int]:
    """Every question asking a class's property of a member stated elsewhere, and how many
    (member, class property) pairs were found. A class is a table cell shared by several rows
    (the rows its members) that is also the subject of a fact in another sentence."""
    out, pairs = [], 0
    for (group, _cls, prop), memberships in class_pairs(index):
        chosen = 0
        for member in memberships:
            pairs += 1
            if chosen >= MAX_MEMBERS_PER_CLASS:
                continue
            relation = _relation_words(member.relation)
            question = (f"Going by its {relation}, how do the documents describe {member.subject}?" if prop.relation in ("is", "are")
                        else f"Going by its {relation}, what is the {_relation_words(prop.relation)} of {member.subject}?")
            if contains(question, prop.value):  # the class may be named: the property is the hop
                continue
            chosen += 1
            out.append(Draft("category", class_cluster(member, prop), question, prop.value, ("class", f"{group}\x1f{prop.relation}"),
                             (member, prop)))
    return out, pairs


@dataclass
class Drafts:
    drafts: list[Draft]
    candidates: dict[str, int]  # type -> facts or pairs that could have given one


def draft_questions(facts: list[Fact]) -> Drafts:
    """Every question the facts give, in a stable order, and per type the candidates it had."""
    index = Index(facts)
    drafts, candidates = [], dict.fromkeys(TYPES, 0)
    for fact in facts:
        for maker, needs in ((recall, False), (rephrasing, True), (reversal, True)):
            draft = maker(fact, index) if needs else maker(fact)
            if draft is not None:
                drafts.append(draft)
    candidates["recall"] = len(facts)
    candidates["rephrasing"] = sum(f.kind not in MENTIONS for f in facts)
    candidates["reversal"] = candidates["rephrasing"]
    hops, candidates["multi-hop"] = multi_hops(index)
    definitions, joins = definition_hops(index)
    hops, candidates["multi-hop"] = hops + definitions, candidates["multi-hop"] + joins
    cats, candidates["category"] = categories(index)
    return Drafts(drafts + hops + cats, candidates)
