"""mockprep: terminal interview practice with spaced repetition."""

__version__ = "0.1.0"
