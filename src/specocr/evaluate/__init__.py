"""Scoring of OCR outputs: the benchmark's official score, degeneration, and bootstrap statistics."""
