"""What can go wrong talking to Kaggle, one class per case so callers and tests can tell them apart."""

from workbench.errors import WorkbenchError


class KaggleError(WorkbenchError):
    pass


class NoCredentials(KaggleError):
    pass


class AuthFailed(KaggleError):
    """401: the credentials were read but Kaggle rejected them."""


class Forbidden(KaggleError):
    """403: usually a competition whose rules were not accepted."""


class NotFound(KaggleError):
    pass


class RateLimited(KaggleError):
    pass


class Unreachable(KaggleError):
    """No connection at all: no network, a wrong proxy, DNS."""


class TimedOut(KaggleError):
    """Connected, but the server did not answer in time."""


class DownloadInterrupted(KaggleError):
    """The connection kept dropping; what arrived is kept and the next run resumes."""


class CorruptDownload(KaggleError):
    pass
