"""From training data to the model people get: train a candidate (training.py), check it as make test's
gate does (evaluation.py, floors in gate.py), compare it with the model in service, and put it in service
only when the gate holds or an admin overrides it with a written reason (promotion.py, deployment.py)."""
