"""Text as the key-point matcher sees it: symbols spelled out, word forms reduced to stems. Pure.

Key points are often written with formulas ("∂L/∂z = p − y", "σ²", "k/t"), hyphenated compounds
("back-pointers") and British or American spellings; answers are typed or spoken in other forms. Both
sides go through the same normalisation, so "conditioned" meets "conditioning", "σ^2" meets "sigma
squared" and "back-pointers" meets "backpointers".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from mockprep.core.number_words import with_digits

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi",
    "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega", "Γ": "gamma", "Δ": "delta", "Θ": "theta", "Λ": "lambda", "Ξ": "xi",
    "Π": "pi", "Σ": "sum", "Φ": "phi", "Ψ": "psi", "Ω": "omega",
}  # fmt: skip
SYMBOLS = {
    "√": " sqrt ", "∑": " sum ", "∏": " product ", "∫": " integral ", "∂": " partial ", "∇": " gradient ",
    "≈": " approx ", "≠": " not equal ", "≤": " at most ", "≥": " at least ", "<": " less than ",
    ">": " greater than ", "→": " to ", "←": " from ", "⇒": " implies ", "∞": " infinity ", "×": " times ",
    "·": " times ", "÷": " divided ", "±": " plus minus ", "∈": " in ", "∝": " proportional ",
    "⊙": " elementwise ", "ᵀ": " transpose ", "^T": " transpose ", "−": "-", "–": "-", "—": " ",
    "’": "'", "‘": "'", "“": '"', "”": '"', "%": " percent ", "&": " and ",
}  # fmt: skip
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿᵢⱼₖ₀₁₂₃₄₅₆₇₈₉ₜ", "0123456789+-nijk0123456789t")
_SUPERSCRIPTS = re.compile("([⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ]+)")
# Words that say nothing about an ML key point; their absence or presence decides nothing.
STOPWORDS = frozenset(
    "a an and are as at be been being by can could do does did for from has have had how if in into is "
    "it its of on or so such than that the their them then there these they this those to was were what "
    "when which while who whom why will with would you your i we our us me my also just very really only "
    "each per via about over under more most much many some any all both either one ones "
    "but vs versus".split()
)
NEGATIONS = frozenset(
    "not no never none nothing neither nor cannot cant doesnt dont didnt isnt arent wasnt werent wont "
    "hasnt havent hadnt shouldnt couldnt wouldnt mustnt neednt mightnt shant aint without rather instead "
    "unlike".split()
)
_GREEK_TABLE = str.maketrans({letter: f" {name} " for letter, name in GREEK.items()})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BRITISH = re.compile(r"(is)(ation|ations|ed|es|ing|e|er|ers)$")


def powers(text: str) -> str:
    """Superscripts as powers: "x²" → "x^2", "e⁻ⁿ" → "e^-n" (before NFKC, which would make them "x2")."""
    return _SUPERSCRIPTS.sub(lambda m: "^" + m.group(1).translate(_SUPER), text)


def _spell_out(text: str) -> str:
    # so "sigma squared", "sigma^2" and "σ²" meet
    if text.isascii():  # most text: no superscript, Greek or other symbol but these, and NFKC keeps it
        for symbol, words in _ASCII_SYMBOLS:
            text = text.replace(symbol, words)
        return text
    text = unicodedata.normalize("NFKC", powers(text).translate(_SUPER))
    for symbol, words in SYMBOLS.items():
        text = text.replace(symbol, words)
    return text.translate(_GREEK_TABLE)


_ASCII_SYMBOLS = [(symbol, words) for symbol, words in SYMBOLS.items() if symbol.isascii()]
_NON_NEGATIVE = re.compile(r"\b(?:non-?negative|never negative|(?:is|are)n't negative|not negative)\b")
_NON_POSITIVE = re.compile(r"\b(?:non-?positive|never positive|(?:is|are)n't positive|not positive)\b")


# "e.g.", "i.e." and "etc." say nothing of their own (a key point's "(e.g. GPU-hours)" asked an answer
# for the letters e and g)
_ABBREVIATIONS = re.compile(r"\b(?:e\.\s?g|i\.\s?e)\.|\betc\b\.?")


@lru_cache(maxsize=1024)  # an answer's sentences are folded for each key point and each measure
def fold(text: str) -> str:
    """Lower case, numbers in words as digits ("four epochs" meets "4 epochs"; not "zero-init"),
    symbols spelled out, "squared" as "^2", hyphens and slashes as spaces."""
    text = _spell_out(with_digits(text, compounds=False)).lower()
    text = re.sub(r"\bsquared\b", " ^2 ", text)
    text = re.sub(r"\bcubed\b", " ^3 ", text)
    # signs in words, as "≥ 0" is read: "KL is never negative" states "KL ≥ 0"
    text = _NON_NEGATIVE.sub(" at least 0 ", text)
    text = _NON_POSITIVE.sub(" at most 0 ", text)
    text = text.replace("n't", "nt")
    text = _ABBREVIATIONS.sub(" ", text)
    return re.sub(r"[-_/]", " ", text)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's stem, with British -ise forms read as -ize ("regularisation" → "regular")."""
    if len(word) > 5:
        word = _BRITISH.sub(lambda m: "iz" + m.group(2), word)
    return _stemmer().stemWord(word) if len(word) > 3 and not word.isdigit() else word  # "2017" is itself


def words(text: str) -> list[str]:
    """All word tokens of ``text`` after folding (stopwords included)."""
    return _WORD.findall(fold(text))


def content_stems(text: str) -> list[str]:
    """The stems of the words that carry meaning: no stopwords; single letters and digits kept
    (in formulas they matter: "p - y", "k / t")."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in NEGATIONS]


def joined_forms(text: str) -> set[str]:
    """Adjacent words written together ("back pointers" → "backpointers"), so that a compound matches
    whichever way it is spelled (a stem matches a joined form it begins)."""
    tokens = [w for w in words(text) if w not in STOPWORDS]
    return {a + b for a, b in zip(tokens, tokens[1:], strict=False) if len(a) > 1 and len(b) > 1}


def as_written(text: str, stemmed: str) -> str:
    """The first word of ``text`` whose stem is ``stemmed``, as ``text`` writes it ("Gaussian", "β1" for
    "beta_1", "L1" for "l_1"); the stem itself (an indexed one as "l 2") when none is: a reason names
    the answer's own word."""
    base, _, index = stemmed.partition("_")
    for match in re.finditer(r"[^\s,;:()\[\]{}\"“”]+", text):
        raw = match.group(0).strip(".!?'’")
        folded = words(raw)
        if index and folded in ([base, index], [base + index]):
            return raw
        if not index and len(folded) == 1 and stem(folded[0]) == base:
            return raw.removesuffix("'s").removesuffix("’s")
    return f"{base} {index}" if index else base
