"""A line that only cites a source is left out of the proposed key points; a long capitalised list in
prose is not one, and deciding so takes no longer than reading it (it once took seconds at 20 names,
doubling with each)."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.proposed_points import propose_key_points, prose_blocks

_NAMES = st.lists(
    st.sampled_from(["Adam", "RMSProp", "AdaGrad", "Kingma", "Ba", "LeCun", "Bengio"]), min_size=2
)
_SEPARATORS = st.sampled_from([", ", " & ", " and ", ", and ", " ,  ", "& "])


def _listed(names: list[str], separators: list[str]) -> str:
    return names[0] + "".join(sep + name for sep, name in zip(separators, names[1:], strict=False))


@given(
    _NAMES.filter(lambda n: len(n) <= 8),
    st.lists(_SEPARATORS, min_size=8, max_size=8),
    st.integers(1900, 2025),
)
def test_authors_and_a_year_cite_a_source_and_a_list_in_prose_is_prose(
    names: list[str], separators: list[str], year: int
) -> None:
    authors = _listed(names, separators)
    assert prose_blocks(f"Momentum helps.\n{authors}, {year}") == [(False, "Momentum helps.")]
    sentence = f"{authors} are optimisers"
    assert prose_blocks(f"Momentum helps.\n{sentence}.") == [(False, f"Momentum helps. {sentence}.")]


def test_a_long_capitalised_list_is_read_at_once() -> None:
    """200 names in one sentence, and a line of them with no year: both prose. Run in a subprocess with a
    timeout as a guard; the time itself is no target here (performance targets live in benchmarks/)."""
    script = (
        "import json, sys\n"
        "from mockprep.core.proposed_points import propose_key_points\n"
        "names = [f'Optimiser{chr(65 + i % 26)}{i}' for i in range(200)]\n"
        "listed, backwards = ', '.join(names), ', '.join(reversed(names))\n"
        "answer = f'Adaptive methods scale each step.\\n{listed} are all adaptive.\\n{backwards}, x'\n"
        "print(json.dumps(propose_key_points(answer)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=True
    )
    points = json.loads(done.stdout)
    assert points[0] == "Adaptive methods scale each step"
    assert points[1].startswith("OptimiserA0, OptimiserB1") and points[1].endswith("...")
    assert points[2].startswith("OptimiserR199, OptimiserQ198")  # a line of names without a year is prose too


def test_a_citation_line_is_never_a_point() -> None:
    points = propose_key_points("Adam adapts each step.\nMomentum smooths it.\nKingma & Ba, 2014")
    assert points == ["Adam adapts each step", "Momentum smooths it"]
