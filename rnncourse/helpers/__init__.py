"""Each notebook's helpers (data, figures, the project's training loop), one module per
assignment, named as its checks and its reference are: ``helpers/<module>.py``."""
