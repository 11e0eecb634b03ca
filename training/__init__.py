"""Training and evaluation: demonstrations, behaviour cloning, reward model, best-of-n, metrics."""
