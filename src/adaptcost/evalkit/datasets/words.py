"""Pronounceable nonsense words that no tokenizer knows as a word.

Lampinen et al. 2025 ("On the generalization of language models from in-context learning and
finetuning: a controlled study", arXiv 2505.00661) replace every noun, adjective and verb of their
datasets by a 4-5 letter pronounceable nonsense word ("femp", "glon", "gruds"), so that a model's
prior knowledge cannot answer the tests. This module makes such words:

- built from consonant/vowel patterns (CVCV, CVCC, CCVC, CVCVC, VCCVC, ...), never three
  consonants in a row;
- rejected when ``word``, `` word``, ``Word`` or `` Word`` is a single token of o200k_base or
  cl100k_base (a single token is, almost always, a real word or a common word piece), and when
  the word is in a built-in stoplist of common English words (a second guard);
- drawn only from the caller's ``random.Random``: the same rng state gives the same words.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import AbstractSet, Sequence

from adaptcost.errors import AdaptcostError

VOWELS = "aeiou"
CONSONANTS = "bdfgklmnprstvz"
# Word-initial clusters (CC at the start) and word-final clusters (CC at the end).
ONSETS = ("bl", "br", "dr", "fl", "fr", "gl", "gr", "kl", "kr", "pl", "pr", "sk", "sl", "sm", "sn",
          "sp", "st", "tr", "zl", "vr")
CODAS = ("mp", "nd", "nk", "nt", "sk", "st", "lt", "ld", "lk", "rk", "rn", "rp", "rt", "ft", "lf",
         "lm", "rm", "rd", "rb", "rg", "ps", "ks", "ns", "ts", "ds", "mb")
VOWEL_PAIRS = ("ai", "ea", "oa", "ou", "ie", "ee", "oo", "au", "oi")

# Slot codes: C consonant, V vowel, O onset cluster, K coda cluster, D vowel pair.
# Each pattern spells 4 or 5 letters and never puts three consonants together.
PATTERNS = (
    "CVCV",   # bemo
    "CVK",    # femp (CVCC)
    "OVC",    # glon (CCVC)
    "CDC",    # loap (CVVC)
    "VCVC",   # amet
    "CVCVC",  # tarob
    "OVCV",   # blesa (CCVCV)
    "CVCCV",  # tampo (CVC + CV)
    "OVK",    # gruds (CCVCC)
    "VCCVC",  # abmes
    "CDK",    # loamp (CVVCC)
    "ODC",    # gloin (CCVVC)
)
# Patterns ending in a consonant: for verbs, whose past participle is the word + "ed".
CONSONANT_FINAL = tuple(p for p in PATTERNS if p[-1] in "CK")

_TRIPLE = re.compile(r"[^aeiou]{3}")

# Common short English words (mostly 4-5 letters): never used, whatever the tokenizers say.
STOPLIST = frozenset("""
able about above after again agent agree ahead alarm album alert alike alive allow alone along
also alter among angel anger angle angry apart apple apply arena argue arise armed army array
aside asset audio avoid award aware away baby back bad bake bald ball band bank barn base basic
basin batch beach bean bear beat been beer began begin being bell belly below belt bench bend
best bike bill bind bird birth black blade blame blank blast blend bless blind block blood bloom
blow blue blunt board boat body bold bolt bomb bond bone book boom boot born boss both bound bowl
brain brand brave bread break brick bride brief bring broad brown brush build bulk bull burn
burst bush busy cabin cake call calm came camp canal candy card care cargo carry case cash cast
catch cause cell chain chair chalk charm chart chase cheap check chest chief child chin chip
civil claim class clay clean clear clerk click cliff climb clock close cloth cloud club coach
coal coast coat code coin cold come cook cool copy coral core corn cost couch count court cover
crab craft crash crazy cream crew crime crisp crop cross crowd crown crude cruel cube curve cute
daily dairy dance dare dark data date dawn dead deal dean dear debt deck deep deer delay demo
dense deny depth desk dial diet dirt dish disk diva dive doing doll domain done door dose dove
down dozen draft drag drama drank draw dream dress drew dried drift drill drink drive drop drove
drum dual duck dull dump dust duty each eager early earn earth ease east easy edge eight elbow
elder elite else empty end enemy enjoy enter entry equal error essay even event every exact exam
exist extra face fact fade fail fair faith fake fall false fame fancy farm fast fatal fate fault
favor fear feast feed feel feet fell felt fence ferry fever fiber field fifth fifty fight file
fill film final find fine fire firm first fish five flag flame flash flat fleet flesh float
flock flood floor flour flow fluid flush flute foam focus fold folk fond food fool foot force
fork form fort forth forty forum found four frame frank fraud free fresh front frost fruit fuel
full fund funny gain gala game gang gate gave gear gene giant gift girl give glad glass glow glue
goal goat gold golf gone good grab grace grade grain grand grant grape grass grave gray great
greed green greet grew grid grief grill grip gross group grove grow guard guess guest guide
guilt habit hair half hall hand handy hang happy hard harm hate have head heal heap hear heart
heat heavy held hell hello help herb here hero hide high hill hint hire hold hole holy home honey
honor hook hope horn horse host hotel hour house huge human humor hung hunt hurt idea image inch
index inner input iron issue item ivory jazz jeans jelly jewel join joint joke judge juice jump
jury just keen keep kept kick kid kill kind king kiss knee knife knit knock knot know label labor
lace lack lady laid lake lamb lamp land lane large laser last late later laugh lawn layer lazy
lead leaf lean learn lease least leave left legal lemon lend lens less level lever life lift
light like limb limit line linen link lion list live liver load loan local lock lodge logic long
look loop loose lord lose loss lost loud love lover lower loyal luck lunar lunch lung made magic
mail main major make male mall many maple march mark mask mass match mate maybe mayor meal mean
meat medal media meet melt memo mend menu mercy mere merit merry metal meter mild mile milk mill
mind mine minor minus mint miss mist mixed mode model moist mole money monk month mood moon moral
more most motor mount mouse mouth move much mud music must myth nail naked name nasty naval near
neat neck need nerve nest never news next nice night nine noble node noise none noon norm north
nose note novel nurse oath ocean odd offer often okay olive omega once only onset open opera
orbit order organ other outer oven over owner pace pack page paid pain paint pair palm panel
panic paper park part party pass past pasta patch path pause peace peak pearl pedal peer penny
per pick piece pile pilot pine pink pipe pitch pizza place plain plan plane plant plate play
plot plug plus poem poet point pole polo pond pool poor pope pork port pose post pound power
press price pride prime print prior prize proof proud prove pull pulse pump punch pupil pure push
quest queue quick quiet quite quota quote race radar radio rage raid rail rain raise rally ranch
range rank rapid rare rate ratio reach read ready real realm rear rebel refer relax rely rent
reply rest rice rich ride rider ridge rifle right rigid ring riot rise risk rival river road
roast robe robot rock role roll roof room root rope rose rough round route royal rule rumor rural
rush safe saga said sail saint salad sale salt same sand sauce save scale scare scene scope score
scout seal seat seed seek seem seen self sell send sense serve seven shade shake shall shape
share shark sharp sheep sheet shelf shell shift shine ship shirt shock shoe shoot shop shore
short shot show shut sick side sigh sight sign silk silly since sing sink site size skill skin
skirt skull slave sleep slice slide slim slip slope slow small smart smell smile smoke snake snow
soap sober sock soft soil sold solar sole solid solve some song soon sort soul sound soup south
space spare spark speak spear speed spell spend spent spice spin spine spite split spoke spoon
sport spot spray squad stack staff stage stair stake stamp stand star stare start state stay
steak steal steam steel steep stem step stick stiff still stock stone stood stool stop store
storm story stove strip stuck study stuff style sugar suit sum sunny super sure surf swamp swan
swear sweat sweet swift swim swing sword table tail take tale talk tall tank tape task taste
teach team tear teen tell tempo tend tent term test text thank theft their theme there these
thick thief thin thing think third this those three threw throw thumb tide tidy tiger tight
tile time tiny tired title toast today token told toll tone tool tooth topic torch total touch
tough tour tower town toxic trace track trade trail train trait trap trash treat tree trend
trial tribe trick tried trip troop truck true truly trust truth tube tune turn twice twin type
ugly uncle under union unit until upper upset urban usage usual vague valid value valve vapor
vast vault verse very video view villa vinyl viral virus visa visit vital vivid vocal voice vote
wage wait wake walk wall want war ward warm warn wash waste watch water wave weak wear weary
week weigh weird well went were west wheat wheel when where which while white whole whose wide
widow width wife wild will wind wine wing winner wipe wire wise wish with witch woman women wood
word wore work world worry worse worst worth would wound wrap write wrong wrote yard year yeast
yield young youth zebra zero zone stoop glug loom boon moot toad loaf soak
""".split())


def capitalize(word: str) -> str:
    """'glon' -> 'Glon' (str.capitalize would also lower-case the rest)."""
    return word[:1].upper() + word[1:]


def plural(word: str) -> str:
    """A regular English plural of a nonsense noun (the datasets use the bare word as plural)."""
    if word.endswith(("s", "x", "z", "sh", "ch")):
        return word + "es"
    return word + "s"


def past_participle(verb: str) -> str:
    """'zorp' -> 'zorped', 'blese' -> 'blesed' (for the passive 'blims are zorped by gruds')."""
    return verb + ("d" if verb.endswith("e") else "ed")


def _spell(pattern: str, rng: random.Random) -> str:
    parts = []
    for slot in pattern:
        if slot == "C":
            parts.append(rng.choice(CONSONANTS))
        elif slot == "V":
            parts.append(rng.choice(VOWELS))
        elif slot == "O":
            parts.append(rng.choice(ONSETS))
        elif slot == "K":
            parts.append(rng.choice(CODAS))
        elif slot == "D":
            parts.append(rng.choice(VOWEL_PAIRS))
        else:  # pragma: no cover - a typo in PATTERNS
            raise ValueError(f"unknown pattern slot {slot!r}")
    return "".join(parts)


@lru_cache(maxsize=None)
def _counters() -> tuple:
    from adaptcost.corpus.encodings import get_counter

    return (get_counter("o200k_base"), get_counter("cl100k_base"))


def single_token_forms(word: str) -> list[str]:
    """The forms of `word` ('w', ' w', 'W', ' W') that are ONE token in o200k_base or cl100k_base."""
    forms = (word, " " + word, capitalize(word), " " + capitalize(word))
    return [f for f in forms if any(len(c.encode(f)) == 1 for c in _counters())]


@lru_cache(maxsize=65536)
def is_known_word(word: str) -> bool:
    """True when `word` looks real: in the stoplist, or a single token in either tokenizer."""
    return word in STOPLIST or bool(single_token_forms(word))


def is_well_formed(word: str) -> bool:
    """4-5 lower-case ASCII letters, at least one vowel, no three consonants in a row."""
    return (word.isascii() and word.isalpha() and word.islower() and 4 <= len(word) <= 5
            and any(v in word for v in VOWELS) and not _TRIPLE.search(word))


def nonsense_words(n: int, rng: random.Random, forbid: AbstractSet[str] = frozenset(), *,
                   patterns: Sequence[str] | None = None) -> list[str]:
    """`n` distinct pronounceable nonsense words (4-5 lower-case letters), in draw order.

    Words in `forbid`, words either tokenizer knows as one token (bare, space-prefixed or
    capitalised), stoplist words and words differing from an accepted one only by a final "s"
    ("glon"/"glons") are rejected. Deterministic given the rng's state.
    """
    if n < 0:
        raise AdaptcostError(f"cannot make {n} nonsense words; ask for 0 or more")
    patterns = tuple(patterns or PATTERNS)
    taken: set[str] = set()
    out: list[str] = []
    budget = 200 * n + 10_000
    while len(out) < n:
        budget -= 1
        if budget < 0:
            raise AdaptcostError(f"could only make {len(out)} of {n} nonsense words; ask for fewer")
        word = _spell(rng.choice(patterns), rng)
        if word in taken or word in forbid or not is_well_formed(word):
            continue
        if word + "s" in taken or (word.endswith("s") and word[:-1] in taken):
            continue
        if is_known_word(word):
            continue
        taken.add(word)
        out.append(word)
    return out
