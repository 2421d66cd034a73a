"""The package's one base error for bad input (a subclass of ValueError)."""


class InputError(ValueError):
    """Bad user input: the message names the problem and what is allowed.

    The CLI prints it as one line and exits with code 2.
    """
