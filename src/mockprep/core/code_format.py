"""Code questions as a bank writes them: tests, a reference solution, the wrong solutions its tests must
catch, and what the person sees before running anything. Pure: nothing here runs code.

A test is either an input/expected pair (``call`` and ``expected``, Python expressions, compared with an
absolute ``tolerance`` for numbers) or plain Python statements (``code``) that pass unless they raise.
Hidden tests are not shown before the person runs their code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionSpec

MAX_CODE_CHARS = 20_000
DEFAULT_TOLERANCE = 1e-6
DEFAULT_IMPORTS = ("numpy",)  # beside the standard library, unless a question sets `imports`
MODULE = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# What to install for a requirement mockprep knows (anything else: pip install NAME)
EXTRAS = {"numpy": "mockprep[numpy]"}


def syntax_problem(source: str, mode: str = "exec") -> str | None:
    """Why ``source`` is not valid Python (``mode`` "eval": one expression), or None."""
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno and "\n" in source.strip() else ""
        return f"is not valid Python{where}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"is not valid Python: {exc}"
    return None


def code_test_problem(
    call: str | None, expected: str | None, code: str | None, tolerance: float | None
) -> str | None:
    """What is wrong with a test's combination of fields, or None (the bank format's check)."""
    pair = call is not None or expected is not None
    if pair == (code is not None):
        return "a test needs either 'call' and 'expected', or 'code'"
    if pair and (call is None or expected is None):
        return f"a test with '{'call' if call else 'expected'}' needs both 'call' and 'expected'"
    if tolerance is not None and not pair:
        return "'tolerance' applies to a 'call'/'expected' test"
    for field, mode, source in (
        ("call", "eval", call),
        ("expected", "eval", expected),
        ("code", "exec", code),
    ):
        problem = None if source is None else syntax_problem(source, mode)
        if problem:
            return f"'{field}' {problem}"
    return None


@dataclass(frozen=True, kw_only=True)
class CodeTest:
    """One test of a code question: ``call`` == ``expected`` (within ``tolerance``), or ``code``.

    A plain record: core/banks.py checks a bank's tests (``code_test_problem``) before making these.
    """

    name: str | None = None
    call: str | None = None
    expected: str | None = None
    tolerance: float | None = None
    code: str | None = None
    hidden: bool = False

    def label(self, index: int) -> str:
        """The test's name, or its number."""
        return self.name or f"test {index + 1}"


def check_code(spec: QuestionSpec) -> None:
    """The checks of a code question's own fields (each field's syntax is checked where it is read)."""
    if spec.solution is None or not spec.tests:
        raise ValueError("a code question needs 'solution' and at least one [[questions.tests]]")


def allowed_imports(spec: QuestionSpec) -> tuple[str, ...]:
    """The modules beyond the standard library that the code may import."""
    own = DEFAULT_IMPORTS if spec.imports is None else tuple(spec.imports)
    return tuple(dict.fromkeys([*own, *(spec.requires or ())]))


def install_hint(module: str) -> str:
    return f"pip install '{EXTRAS[module]}'" if module in EXTRAS else f"pip install {module}"


def missing_text(modules: list[str]) -> str:
    """Why a code question cannot be run here: what it needs and how to install it."""
    names = " and ".join(modules)
    verb = "is" if len(modules) == 1 else "are"
    return f"it needs {names}, which {verb} not installed ({'; '.join(install_hint(m) for m in modules)})"


def visible_tests(spec: QuestionSpec) -> list[tuple[int, CodeTest]]:
    """The tests shown with the question, with their positions."""
    return [(i, t) for i, t in enumerate(spec.tests or ()) if not t.hidden]


def example_text(test: CodeTest) -> str:
    """A visible test as the person reads it: ``call  →  expected`` or its statements."""
    if test.code is not None:
        return test.code.strip("\n")
    tolerance = f"   (± {test.tolerance:g})" if test.tolerance else ""
    return f"{(test.call or '').strip()}  →  {(test.expected or '').strip()}{tolerance}"


def called_names(test_source: str, code: str, line: int | None = None) -> tuple[str, ...]:
    """The functions and classes ``code`` defines at its top level that a test names, in the order it
    names them: what a hidden test that failed is said to call, its source not being shown. With the
    ``line`` it failed at, those of the innermost statement around that line that names any."""
    try:
        defined = {
            n.name
            for n in ast.parse(code).body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        tree = ast.parse(test_source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()

    def named(node: ast.AST) -> tuple[str, ...]:
        found = sorted((n.lineno, n.col_offset, n.id) for n in ast.walk(node) if isinstance(n, ast.Name))
        return tuple(dict.fromkeys(name for *_, name in found if name in defined))

    statements = list(enumerate(n for n in ast.walk(tree) if isinstance(n, ast.stmt)))
    around = [
        (n.end_lineno - n.lineno, -order, n)  # innermost first: the shortest, then the deepest
        for order, n in statements
        if line is not None and n.end_lineno is not None and n.lineno <= line <= n.end_lineno
    ]
    for *_, statement in sorted(around, key=lambda found: found[:2]):
        if names := named(statement):
            return names
    return named(tree)


_FENCE = re.compile(r"^\s*(```|~~~)[\w+-]*\s*$")


def strip_fences(text: str) -> str:
    """Code without a Markdown fence around it (``` or ```python ... ```), as pasted from a chat;
    ``text`` itself when it has none."""
    lines = text.strip("\n").split("\n")
    if len(lines) >= 2 and _FENCE.match(lines[0]) and _FENCE.match(lines[-1]):
        lines = lines[1:-1]
    elif lines and _FENCE.match(lines[0]):
        lines = lines[1:]
    else:
        return text
    return "\n".join(lines)
