"""Specialization (the paper's level 3): SFT then DPO on the domain's training documents, and quantization."""
