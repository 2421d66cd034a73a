"""Environment-aware hard constraints: a logits hook from `env.allowed_values`."""
def allowed_values_hook(*args, **kwargs):
    raise NotImplementedError
