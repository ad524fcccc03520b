"""``python -m mockprep`` and the ``mockprep`` command (its entry point is :func:`main`)."""

from typing import Any


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI (:func:`mockprep.cli.main`), imported only now: a worker process that spawn starts
    runs the command's script as its main module again, and must not load the CLI."""
    from mockprep.cli import main as run

    return run(argv, ends_process=True)


if __name__ == "__main__":  # not when a worker process starts (multiprocessing spawn)
    main()
