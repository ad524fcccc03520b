"""How a code test compares the value returned with the expected one, and how it shows both
(services/code_compare.py, loaded by the sandbox from its file; importable here as any module)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.code_results import TestStatus
from mockprep.services.code_compare import difference, short, why_unequal
from tests.test_code_runner import run, spec

FLOATS = st.floats(allow_nan=True, allow_infinity=True)


@given(st.lists(FLOATS, max_size=6), st.sampled_from([list, tuple]))
def test_a_value_equals_itself_nan_included(values: list[float], kind: type) -> None:
    """An `expected` of NaN could never pass ("nan instead of nan"); NaN equals NaN now, as in NumPy's
    assert_allclose(equal_nan=True) (found by an exploratory tester)."""
    copy = kind(float(v) for v in values)  # a new object, NaNs included (not the same float)
    assert difference(kind(values), copy, 1e-6) is None
    assert difference({"k": kind(values)}, {"k": copy}, 0.0) is None


@given(st.floats(allow_nan=False), st.floats(min_value=0, max_value=1e6))
def test_nan_never_equals_a_number(number: float, tol: float) -> None:
    assert difference(math.nan, number, tol) == f"nan instead of {number!r} (tolerance {tol:g})"
    assert difference([number], [math.nan], tol) == f"{number!r} instead of nan at [0] (tolerance {tol:g})"


@settings(deadline=None)  # (the first example imports NumPy)
@given(
    st.lists(st.one_of(FLOATS.filter(lambda v: not math.isnan(v)), st.just(math.nan)), min_size=1, max_size=6)
)
def test_arrays_take_nan_as_equal_to_nan_and_to_nothing_else(values: list[float]) -> None:
    np = pytest.importorskip("numpy")
    array = np.array(values)
    assert difference(array, array.copy(), 1e-6) is None
    assert difference(array.astype(complex), np.array(values, dtype=complex), 1e-6) is None
    spot = next((i for i, v in enumerate(values) if not math.isnan(v)), None)
    if spot is not None:
        other = array.copy()
        other[spot] = math.nan
        assert difference(array, other, 1e-6) is not None


def test_a_nan_expected_passes_through_the_runner_and_an_assert_says_why_it_cannot() -> None:
    question = spec(
        {"call": "f(1)", "expected": "float('nan')"},
        {"call": "f(2)", "expected": "[1.0, float('nan')]"},
        {"call": "f(3)", "expected": "float('nan')"},
        {"code": "assert f(1) == float('nan')"},
    )
    code = "def f(x):\n    return {1: float('nan'), 2: [1.0, float('nan')], 3: 0.5}[x]\n"
    first, second, third, asserted = run(code, question).outcomes
    assert first.status is TestStatus.PASSED and second.status is TestStatus.PASSED
    assert third.status is TestStatus.FAILED and third.message == "0.5 instead of nan (tolerance 1e-06)"
    assert asserted.status is TestStatus.FAILED
    assert asserted.message == why_unequal(math.nan, math.nan) and "math.isnan" in asserted.message


@settings(deadline=None)  # (the first example imports NumPy)
@given(st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=4), st.integers(-(2**62), 2**62))
def test_numpy_scalars_are_shown_as_plain_numbers(values: list[float], whole: int) -> None:
    """NumPy 2's reprs made a failure read `np.float64(-1.0) instead of np.float64(0.0) at [0]`
    (found by an exploratory tester): shown as Python's numbers, alone or inside a list or dict."""
    np = pytest.importorskip("numpy")
    assert short(np.float64(values[0])) == repr(values[0])
    assert short([np.float64(v) for v in values]) == repr(values)
    assert short({"n": np.int64(whole), "ok": np.bool_(True)}) == repr({"n": whole, "ok": True})
    assert short(np.str_("a")) == "'a'"


def test_a_failure_on_numpy_values_reads_as_numbers() -> None:
    pytest.importorskip("numpy")
    question = spec(
        {"call": "f(1)", "expected": "np.array([0.0, 1.0])"},
        {"call": "f(2)", "expected": "[0.0]"},
        {"code": "assert f(3) == np.float64(2.0)"},
        setup="import numpy as np",
    )
    code = "import numpy as np\ndef f(x):\n    return {1: np.array([-1.0, 1.0]), 2: [np.float64(-1.0)], 3: np.float64(1)}[x]\n"
    array, listed, asserted = run(code, question).outcomes
    assert array.message == listed.message == "-1.0 instead of 0.0 at [0] (tolerance 1e-06)"
    assert (listed.expected, listed.actual) == ("[0.0]", "[-1.0]")
    assert asserted.message == "1.0 instead of 2.0 (tolerance 0)" and asserted.actual == "1.0"
