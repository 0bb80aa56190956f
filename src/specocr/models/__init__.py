"""Base models: the tiny Qwen2.5-VL zoo built here (levels 1 and 2 of the ladder) and Hub models."""
