"""One hierarchy for every error the project raises on purpose.

Adapters (CLI, HTTP) turn these into one-line messages; anything else is an internal error.
"""


class SecondOpinionError(Exception):
    """Base of all deliberate errors."""


class InputError(SecondOpinionError):
    """The user's input cannot be used; the message says what to fix, in one line."""


class KnowledgeBaseError(SecondOpinionError):
    """The knowledge base is invalid; raised at load and by `kb check`."""
