"""Deterministic generator of the embedded sample raw drop (see ``raw/sample/README.md``)."""

from .generate import DEFAULT_SEED, generate, main

__all__ = ["DEFAULT_SEED", "generate", "main"]
