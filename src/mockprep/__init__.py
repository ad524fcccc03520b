"""mockprep: terminal interview practice with spaced repetition."""

from typing import Any

__version__ = "0.1.0"


def main(argv: list[str] | None = None) -> Any:
    """The ``mockprep`` command (:func:`mockprep.cli.main`), imported only when it runs: a worker process
    that spawn starts runs the command's script as its main module again, and must not load the CLI."""
    from mockprep.cli import main as run

    return run(argv)
