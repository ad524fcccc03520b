"""The pure core: decides things (bank format, grading, scheduling, timing, scoring, stories, stats).

No typer, rich, prompt_toolkit, SQLAlchemy or sqlite3 here; time, randomness and settings come in as
arguments.
"""
