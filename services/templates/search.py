"""Search templates: typo-tolerant ranking over name and body with rapidfuzz, the 10 best.

Matching is word by word: each word typed is compared with the words of the templates ("reserch" finds
"research", "retrun" finds "return"), a word of the name counting more than one of the body, and a template
scores by how well all the typed words match. Comparing whole bodies per keystroke costs ~25 ms over 5,000
templates; comparing against the distinct words costs ~1 ms. The words are indexed once per organization,
agent and channel, and read again only when a template of the organization changed (`template_generation`,
bumped in the same transaction as the change), so every worker sees an edit at its next keystroke.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import Identity
from services.models import Organization
from services.templates import listing

MAX_RESULTS = 10
MAX_QUERY = 80
_WORD = re.compile(r"[^\W_]+")
_WORD_CUTOFF = 75  # below this a typed word and a template's word are different words
_NAME_WEIGHT, _BODY_WEIGHT = 1.0, 0.8
_CACHED_CORPORA = 256

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Result:
    template_id: int
    name: str
    snippet: str  # the body's start, on one line
    base: bool


@dataclass
class _Corpus:
    """One organization's templates for one agent and channel, in display order, with a word index."""

    templates: list[tuple[int, str, str, bool]]
    vocabulary: list[str] = field(default_factory=list)
    in_names: dict[str, set[int]] = field(default_factory=dict)  # word -> positions in `templates`
    in_bodies: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, templates: list[tuple[int, str, str, bool]]) -> _Corpus:
        names, bodies = defaultdict(set), defaultdict(set)
        for position, (_, name, body, _) in enumerate(templates):
            for word in _words(name):
                names[word].add(position)
            for word in _words(_TAG.sub(" ", body)):  # a formatted body's tags are not words of it
                bodies[word].add(position)
        return cls(templates, sorted(names.keys() | bodies.keys()), dict(names), dict(bodies))


_corpora: OrderedDict[tuple[int, int, str], tuple[int, _Corpus]] = OrderedDict()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _snippet(body: str) -> str:
    flat = " ".join(_TAG.sub(" ", body).split())  # a formatted body's tags are not text
    return flat if len(flat) <= 90 else flat[:89] + "…"


def _starting_with(word: str, vocabulary: list[str]) -> list[str]:
    """The words of the (sorted) vocabulary that start with `word`: a binary search, not a scan."""
    first = bisect_left(vocabulary, word)
    last = bisect_left(vocabulary, word + "\U0010ffff", first)
    return vocabulary[first:last]


def _word_scores(word: str, vocabulary: list[str]) -> dict[str, float]:
    """Template words close to one typed word. A word still being typed matches the words it starts."""
    scores = dict.fromkeys(_starting_with(word, vocabulary), 100.0) if len(word) >= 2 else {}
    for found, score, _ in process.extract(word, vocabulary, scorer=fuzz.ratio, score_cutoff=_WORD_CUTOFF,
                                           limit=None):
        scores[found] = max(scores.get(found, 0.0), score)
    return scores


def rank(corpus: _Corpus, query: str, *, limit: int = MAX_RESULTS) -> list[Result]:
    """The best `limit` templates for the query; with no query, the first ones in display order."""
    typed = _words(query[:MAX_QUERY])
    if not typed:
        return [_result(t) for t in corpus.templates[:limit]]
    totals: dict[int, float] = defaultdict(float)
    for word in typed:
        best: dict[int, float] = {}
        for found, score in _word_scores(word, corpus.vocabulary).items():
            for position in corpus.in_names.get(found, ()):
                best[position] = max(best.get(position, 0.0), score * _NAME_WEIGHT)
            for position in corpus.in_bodies.get(found, ()):
                best[position] = max(best.get(position, 0.0), score * _BODY_WEIGHT)
        for position, score in best.items():
            totals[position] += score
    return [_result(corpus.templates[p]) for p in _best(totals, limit)]


def _best(totals: dict[int, float], limit: int) -> list[int]:
    """Best score first; equal scores keep display order (custom before base, by display sequence). Only the
    templates scoring at least the `limit`-th best score are sorted: a few, not thousands."""
    if not totals:
        return []
    threshold = heapq.nlargest(limit, totals.values())[-1]
    contenders = [position for position, score in totals.items() if score >= threshold]
    return sorted(contenders, key=lambda position: (-totals[position], position))[:limit]


def _result(template: tuple[int, str, str, bool]) -> Result:
    template_id, name, body, base = template
    return Result(template_id, name, _snippet(body), base)


async def _generation(session: AsyncSession, organization_id: int) -> int:
    return (await session.exec(select(Organization.template_generation)
                               .where(Organization.id == organization_id))).first() or 0


async def _corpus(session: AsyncSession, *, identity: Identity, organization_id: int, channel: str) -> _Corpus:
    key = (organization_id, identity.user_id, channel)
    generation = await _generation(session, organization_id)
    cached = _corpora.get(key)
    if cached is not None and cached[0] == generation:
        _corpora.move_to_end(key)
        return cached[1]
    corpus = _Corpus.build(await listing.candidates(session, identity=identity, organization_id=organization_id,
                                                    channel=channel))
    _corpora[key] = (generation, corpus)
    while len(_corpora) > _CACHED_CORPORA:
        _corpora.popitem(last=False)
    return corpus


async def search(session: AsyncSession, *, identity: Identity, organization_id: int, channel: str,
                 query: str) -> list[Result]:
    """Templates valid for the channel and organization (the agent's own and the base ones), best first."""
    if not identity.serves(organization_id):
        return []
    corpus = await _corpus(session, identity=identity, organization_id=organization_id, channel=channel)
    return rank(corpus, query)
