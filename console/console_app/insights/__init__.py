"""NLU insights on the training data: questions with too few examples (read from data/), and the
questions the model in service confuses on the held-out sets (computed after each training)."""
