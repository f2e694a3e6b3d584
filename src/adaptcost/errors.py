"""The one exception type the CLI catches: every message is a single actionable line."""


class AdaptcostError(Exception):
    """A user-facing error: bad input, bad data, or an impossible request.

    The message must say what is wrong and what to do about it, on one line. It speaks the
    API's terms: where one input is at fault, `field` names it as the Python API does
    (`min_accuracy`), and the message begins with that name; the command line maps fields to its
    flags (`--min-accuracy`) in one place (cli.py).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class CorpusError(AdaptcostError):
    """The corpus cannot be read (missing, empty, nothing countable)."""


class PricingError(AdaptcostError):
    """A pricing table is malformed, or a model is not in it."""


class ScenarioError(AdaptcostError):
    """An assumption is impossible (negative volume, zero horizon, ...)."""


class TokenizerError(AdaptcostError):
    """A vocabulary cannot be found offline, or fails its checksum."""


class CurvesError(AdaptcostError):
    """A curves file is malformed."""


class CacheWarning(UserWarning):
    """A cache could not be used as it is (damaged, unreadable, not writable): the run went on
    without it, and its results are what they would be without any cache. The command line
    prints each as one `warning:` line."""
