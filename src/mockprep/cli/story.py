"""`mockprep story ...`: STAR stories (filled in next)."""

from __future__ import annotations
