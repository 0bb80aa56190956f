"""specocr: the reproducible companion of *DharmaOCR: Specialized Small Language Models for Structured OCR*.

Logic lives here as small modules, one folder per stage of the story (data, models, train, evaluate,
baselines, report); the papermill notebooks under ``notebooks/`` call them.
"""

__version__ = "0.1.0"
