"""Comparing a test's value with the expected one, and showing values, in the code sandbox.

Loaded by :mod:`mockprep.services.code_sandbox` from its file (the child imports nothing from
mockprep), so it uses the standard library alone; NumPy's types are recognised only when the code
has imported NumPy itself.
"""

from __future__ import annotations

import cmath
import contextlib
import numbers
import sys

REPR_CHARS = 600


def short(value: object) -> str:
    """``repr(value)``, cut at REPR_CHARS; NumPy's scalars as plain numbers (``-1.0``, not NumPy 2's
    ``np.float64(-1.0)``), in lists and dicts too."""
    try:
        with contextlib.ExitStack() as stack:
            np = _numpy()
            if np is not None:
                try:
                    stack.enter_context(np.printoptions(legacy="1.25"))
                except Exception:  # noqa: BLE001 - NumPy 1 (plain already) knows no "1.25"
                    pass
            text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is the code's, not ours
        text = f"<unprintable {type(value).__name__}: {exc}>"
    return text if len(text) <= REPR_CHARS else text[:REPR_CHARS] + "…"


def _numpy():
    return sys.modules.get("numpy")


def _is_bool(x: object) -> bool:
    np = _numpy()
    return isinstance(x, bool) or (np is not None and isinstance(x, np.bool_))


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Number) and not _is_bool(x)


def difference(actual: object, expected: object, tol: float, at: str = "") -> str | None:
    """How ``actual`` differs from ``expected`` (None: equal). Numbers within ``tol`` (absolute), NaN
    equal to NaN (a bank's ``expected`` of NaN means "NaN here", as NumPy's ``equal_nan``);
    lists, tuples and arrays element by element with the same length or shape; dicts by keys, then
    values; bools exactly; anything else with ``==``."""
    where = f" at {at}" if at else ""
    np = _numpy()
    if _is_bool(actual) or _is_bool(expected):
        ok = _is_bool(actual) and _is_bool(expected) and bool(actual) == bool(expected)
        return None if ok else f"{short(actual)} instead of {short(expected)}{where}"
    if np is not None and (isinstance(actual, np.ndarray) or isinstance(expected, np.ndarray)):
        return _array_difference(np, actual, expected, tol, where)
    if _is_number(actual) and _is_number(expected):
        try:
            a, e = complex(actual), complex(expected)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return None if actual == expected else f"{short(actual)} instead of {short(expected)}{where}"
        if a == e or (cmath.isnan(a) and cmath.isnan(e)):  # NaN equals NaN, as in assert_allclose
            return None
        if not (cmath.isnan(a) or cmath.isnan(e)) and abs(a - e) <= tol:
            return None
        return f"{short(actual)} instead of {short(expected)}{where} (tolerance {tol:g})"
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            return f"length {len(actual)} instead of {len(expected)}{where}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found = difference(a, e, tol, f"{at}[{index}]")
            if found:
                return found
        return None
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            extra, missing = set(actual) - set(expected), set(expected) - set(actual)
            parts = [f"missing keys {short(sorted(missing, key=repr))}"] if missing else []
            parts += [f"unexpected keys {short(sorted(extra, key=repr))}"] if extra else []
            return ", ".join(parts) + where
        for key in expected:
            found = difference(actual[key], expected[key], tol, f"{at}[{key!r}]")
            if found:
                return found
        return None
    try:
        equal = bool(actual == expected)
    except Exception:  # noqa: BLE001 - comparing the code's objects may raise
        equal = False
    return None if equal else f"{short(actual)} instead of {short(expected)}{where}"


def _array_difference(np, actual: object, expected: object, tol: float, where: str) -> str | None:
    try:
        a, e = np.asarray(actual), np.asarray(expected)
    except Exception:  # noqa: BLE001
        return f"{short(actual)} is not an array like {short(expected)}{where}"
    if a.shape != e.shape:
        return f"shape {a.shape} instead of {e.shape}{where}"
    if a.dtype.kind in "biufc" and e.dtype.kind in "biufc":
        a, e = a.astype(complex), e.astype(complex)
        with np.errstate(invalid="ignore"):
            bad = ~((a == e) | (np.abs(a - e) <= tol) | (np.isnan(a) & np.isnan(e)))
        if not bad.any():
            return None
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        got, want = np.asarray(actual)[first], np.asarray(expected)[first]
        spot = "[" + ", ".join(map(str, first)) + "]"
        return (
            f"{short(got)} instead of {short(want)} at {where.removeprefix(' at ')}{spot} (tolerance {tol:g})"
        )
    return difference(a.tolist(), e.tolist(), tol, where.removeprefix(" at "))


def has_nan(value: object) -> bool:
    """Whether ``value`` holds a NaN (a number, or in an array, list, tuple or dict's values)."""
    np = _numpy()
    if np is not None and isinstance(value, np.ndarray):
        try:
            return bool(np.isnan(value).any())
        except TypeError:  # not numbers
            return any(has_nan(item) for item in value.flat)
    if _is_number(value):
        try:
            return cmath.isnan(complex(value))  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return False
    if isinstance(value, (list, tuple)):
        return any(has_nan(item) for item in value)
    if isinstance(value, dict):
        return any(has_nan(item) for item in value.values())
    return False


def why_unequal(left: object, right: object) -> str:
    """Why ``assert left == right`` failed, in words (``==`` is exact, and NaN never equal to NaN)."""
    found = difference(left, right, 0.0)
    if found is None and has_nan(left) and has_nan(right):
        return (
            f"{short(left)} == {short(right)} is false: NaN never equals NaN with == (use math.isnan; in a"
            " call/expected test NaN equals NaN)"
        )
    return found or "the values differ"
