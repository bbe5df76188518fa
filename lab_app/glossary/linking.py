"""Glossary words inside explainer texts become links (``glossary:<key>``): done once, where explainers are drawn.

Only the first place each term appears in a text is linked (a page full of links reads badly), never inside an
HTML tag, an existing link or a heading, and the word keeps its own spelling and case. No Qt here.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from lab_app.glossary.terms import BY_KEY, TERMS, Term

SCHEME = "glossary:"
_TAG = re.compile(r"(<[^>]+>)")
_NO_LINK_TAGS = ("a", "h1", "h2", "h3", "h4", "code", "pre")


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    form_to_key: dict[str, str] = {}
    for term in TERMS:
        for form in term.all_forms:
            form_to_key.setdefault(form, term.key)
    # Longest forms first, so "attention head" wins over "attention" and "base model" over "model".
    forms = sorted(form_to_key, key=len, reverse=True)
    alternation = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    return re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.IGNORECASE), form_to_key


def term_for(word: str) -> Term | None:
    """The term a word form (any case, any spacing) belongs to, or None."""
    key = _pattern()[1].get(" ".join(word.lower().split()))
    return BY_KEY.get(key) if key else None


def link_terms(text: str, limit_per_term: int = 1) -> str:
    """``text`` (plain or rich) with glossary words wrapped in ``<a href="glossary:key">`` links.

    Plain text (no tags) is returned unchanged only when it holds no glossary word; otherwise it is escaped
    and becomes rich text.
    """
    if not text:
        return text
    pattern, _ = _pattern()
    rich = bool(_TAG.search(text))
    parts = _TAG.split(text) if rich else [html.escape(text, quote=False)]
    used: dict[str, int] = {}
    blocked = 0  # depth inside tags whose text must not get links
    out = []
    for part in parts:
        if part.startswith("<") and rich:
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in _NO_LINK_TAGS:
                blocked += -1 if part.startswith("</") else 1
                blocked = max(blocked, 0)
            out.append(part)
            continue
        if blocked:
            out.append(part)
            continue

        def replace(match: re.Match[str]) -> str:
            term = term_for(match.group(1))
            if term is None or used.get(term.key, 0) >= limit_per_term:
                return match.group(0)
            used[term.key] = used.get(term.key, 0) + 1
            return f'<a href="{SCHEME}{term.key}">{match.group(1)}</a>'

        out.append(pattern.sub(replace, part))
    linked = "".join(out)
    if not rich and not used:
        return text
    return linked


def first_term_in(text: str) -> Term | None:
    """The glossary term of the first glossary word in ``text`` (plain text), or None."""
    match = _pattern()[0].search(text or "")
    return term_for(match.group(1)) if match else None


def key_from_link(link: str) -> str | None:
    """``glossary:token`` → ``token``; anything else → None."""
    if link.startswith(SCHEME) and link[len(SCHEME):] in BY_KEY:
        return link[len(SCHEME):]
    return None
