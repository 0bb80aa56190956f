"""The report stage: cost per page, the scoreboard, the figures and the paper's claims checked."""
