"""The official Kaggle client (`kagglesdk`), with timeouts and with its failures turned into clear messages.

`kagglesdk` is imported inside functions: the command line then starts fast,
and nothing here imports `kaggle` itself, which authenticates and prints at
import time. The client sends every request through `requests`, so
HTTP_PROXY / HTTPS_PROXY / NO_PROXY work as they do for the `kaggle` command,
and `KAGGLE_API_ENVIRONMENT` chooses the endpoint as it does there.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

from workbench.kaggle import credentials
from workbench.kaggle.credentials import Credentials
from workbench.kaggle.errors import AuthFailed, Forbidden, KaggleError, NotFound, RateLimited, TimedOut, Unreachable
from workbench.kaggle.refs import Ref
from workbench.settings import LIMITS, Limits

if TYPE_CHECKING:
    from kagglesdk import KaggleClient

MAX_FILES = 1000  # a file listing stops here (image datasets hold hundreds of thousands)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request without its own timeout the workspace's (the client sets none)."""

    def __init__(self, timeout: tuple[float, float]):
        super().__init__()
        self._timeout = timeout

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def timeouts(limits: Limits) -> tuple[float, float]:
    return (limits.kaggle_connect_timeout, limits.kaggle_read_timeout)


def endpoint() -> str:
    from kagglesdk.kaggle_env import get_endpoint, get_env

    try:
        return get_endpoint(get_env())
    except Exception as exc:  # an unknown KAGGLE_API_ENVIRONMENT raises a bare Exception
        raise KaggleError(f"{exc}: use PROD (the default) or unset it.") from exc


@contextmanager
def connect(creds: Credentials, limits: Limits = LIMITS) -> Iterator[KaggleClient]:
    """An authenticated client whose requests time out."""
    from kagglesdk import KaggleClient
    from kagglesdk.kaggle_env import get_env

    endpoint()  # a clear message for a bad KAGGLE_API_ENVIRONMENT
    if creds.method == credentials.KEY:
        auth = {"username": creds.username, "password": creds.secret}
    elif creds.method == credentials.TOKEN:
        auth = {"api_token": creds.secret}
    else:
        auth = {"api_token": _oauth_token(creds, limits)}
    with KaggleClient(env=get_env(), **auth) as client:
        _set_timeouts(client, limits)
        yield client


def _set_timeouts(client: KaggleClient, limits: Limits) -> None:
    # The client has no timeout option; its requests.Session (made on entering it) is the only place to set one.
    adapter = _TimeoutAdapter(timeouts(limits))
    for scheme in ("http://", "https://"):
        client.http_client()._session.mount(scheme, adapter)


def _oauth_token(creds: Credentials, limits: Limits) -> str:
    from kagglesdk import KaggleClient
    from kagglesdk.kaggle_creds import KaggleCredentials
    from kagglesdk.kaggle_env import get_env

    with KaggleClient(env=get_env()) as bare, api_errors(creds, limits):
        _set_timeouts(bare, limits)
        saved = KaggleCredentials.load(client=bare)
        token = saved.get_access_token() if saved else None
    if not token:
        raise AuthFailed(f"The Kaggle login in {creds.source} has expired: run `kaggle auth login` again.")
    return token


@contextmanager
def api_errors(creds: Credentials, limits: Limits = LIMITS, *, not_found: str = "", ref: Ref | None = None):
    """Turn what `requests` and the client raise into a KaggleError saying what to do."""
    try:
        yield
    except requests.HTTPError as exc:
        raise http_error(exc, creds, not_found=not_found, ref=ref) from exc
    except requests.Timeout as exc:
        if isinstance(exc, requests.ConnectTimeout):
            raise Unreachable(_unreachable(f"no connection within {limits.kaggle_connect_timeout:g} s")) from exc
        raise TimedOut(
            f"Kaggle ({endpoint()}) accepted the connection but did not answer within "
            f"{limits.kaggle_read_timeout:g} s. It may be overloaded: try again later "
            "(the wait is Limits.kaggle_read_timeout)."
        ) from exc
    except requests.ConnectionError as exc:
        raise Unreachable(_unreachable(_reason(exc))) from exc


def http_error(exc: requests.HTTPError, creds: Credentials, *, not_found: str = "",
               ref: Ref | None = None) -> KaggleError:
    response = exc.response
    status = response.status_code if response is not None else 0
    said = str(exc).strip()
    if status == 401:
        return AuthFailed(
            f"Kaggle rejected the {creds.method} read from {creds.source} (401 Unauthorized). "
            f"Create a new token at {credentials.SETTINGS_URL} (API, Create New Token) and replace it there; "
            "check that KAGGLE_USERNAME/KAGGLE_KEY, if set, are not stale."
        )
    if status == 403:
        if ref is not None and ref.competition:
            return Forbidden(
                f"Kaggle refused the data of the competition {ref.slug!r} (403): its rules have not been "
                f"accepted with this account. Open {ref.rules_url}, accept the rules, then run again."
            )
        return Forbidden(f"Kaggle refused access (403): {said}. The dataset may be private to its owner.")
    if status == 404:
        return NotFound(not_found or f"Kaggle found nothing there (404): {said}.")
    if status == 429:
        wait = response.headers.get("Retry-After") if response is not None else None
        return RateLimited(
            "Kaggle is limiting how fast this account sends requests (429 Too Many Requests): "
            f"wait {wait + ' s' if wait else 'a minute'} and try again."
        )
    return KaggleError(f"Kaggle answered {status or 'an error'}: {said}. Try again later.")


def _unreachable(reason: str) -> str:
    url = endpoint()
    proxy = urllib.request.getproxies().get(url.split(":", 1)[0])
    via = f" through the proxy {proxy}" if proxy and not urllib.request.proxy_bypass(url.split("//")[1]) else ""
    return (f"Cannot reach Kaggle at {url}{via} ({reason}). Check the network connection; "
            "behind a proxy set HTTPS_PROXY (and HTTP_PROXY) to its address.")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "Temporary failure in name resolution",
                  "Network is unreachable", "No route to host", "Unable to connect to proxy"):
        if known in text:
            return known.lower()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# -- the calls ---------------------------------------------------------------------------


@dataclass
class DatasetInfo:
    ref: str
    title: str
    size: int | None
    last_updated: datetime | None
    votes: int | None
    downloads: int | None
    licence: str | None
    version: int | None
    url: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FileInfo:
    name: str
    size: int | None
    created: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _dataset(d) -> DatasetInfo:
    return DatasetInfo(
        ref=d.ref, title=d.title, size=d.total_bytes, last_updated=d.last_updated, votes=d.vote_count,
        downloads=d.download_count, licence=d.license_name or None, version=d.current_version_number,
        url=f"https://www.kaggle.com/datasets/{d.ref}",
    )  # fmt: skip


def search(term: str, limits: Limits = LIMITS) -> list[DatasetInfo]:
    """The first page of Kaggle's dataset search for `term`."""
    from kagglesdk.datasets.types.dataset_api_service import ApiListDatasetsRequest

    creds = credentials.require()
    request = ApiListDatasetsRequest()
    request.search = term
    request.page = 1
    with connect(creds, limits) as kc, api_errors(creds, limits):
        return [_dataset(d) for d in kc.datasets.dataset_api_client.list_datasets(request).datasets]


def dataset(ref: Ref, creds: Credentials, kc: KaggleClient, limits: Limits = LIMITS) -> DatasetInfo:
    from kagglesdk.datasets.types.dataset_api_service import ApiGetDatasetRequest

    request = ApiGetDatasetRequest()
    request.owner_slug, request.dataset_slug = ref.owner, ref.slug
    with api_errors(creds, limits, not_found=_no_dataset(ref)):
        return _dataset(kc.datasets.dataset_api_client.get_dataset(request))


def files(ref: Ref, limits: Limits = LIMITS) -> list[FileInfo]:
    """The files of a dataset (at its version, if the reference names one) or of a competition."""
    creds = credentials.require()
    with connect(creds, limits) as kc, api_errors(creds, limits, not_found=_no_dataset(ref), ref=ref):
        return _competition_files(kc, ref) if ref.competition else _dataset_files(kc, ref)


def _dataset_files(kc: KaggleClient, ref: Ref) -> list[FileInfo]:
    from kagglesdk.datasets.types.dataset_api_service import ApiListDatasetFilesRequest

    out: list[FileInfo] = []
    token = None
    while len(out) < MAX_FILES:
        request = ApiListDatasetFilesRequest()
        request.owner_slug, request.dataset_slug = ref.owner, ref.slug
        request.dataset_version_number = ref.version
        request.page_size = 200
        request.page_token = token
        page = kc.datasets.dataset_api_client.list_dataset_files(request)
        if page.error_message:
            raise NotFound(f"{_no_dataset(ref)} ({page.error_message})")
        out += [FileInfo(f.name, f.total_bytes, f.creation_date) for f in page.dataset_files]
        token = page.next_page_token
        if not token:
            break
    return out


def _competition_files(kc: KaggleClient, ref: Ref) -> list[FileInfo]:
    from kagglesdk.competitions.types.competition_api_service import ApiListDataFilesRequest

    out: list[FileInfo] = []
    token = None
    while len(out) < MAX_FILES:
        request = ApiListDataFilesRequest()
        request.competition_name = ref.slug
        request.page_size = 200
        request.page_token = token
        page = kc.competitions.competition_api_client.list_data_files(request)
        out += [FileInfo(f.name, f.total_bytes, f.creation_date) for f in page.files]
        token = page.next_page_token
        if not token:
            break
    return out


def open_download(kc: KaggleClient, creds: Credentials, ref: Ref, file: str | None,
                  limits: Limits = LIMITS) -> requests.Response:
    """Ask for the archive (or one file) and follow the redirect: a streaming response, body unread."""
    if ref.competition:
        from kagglesdk.competitions.types.competition_api_service import (
            ApiDownloadDataFileRequest,
            ApiDownloadDataFilesRequest,
        )

        request = ApiDownloadDataFileRequest() if file else ApiDownloadDataFilesRequest()
        request.competition_name = ref.slug
        api = kc.competitions.competition_api_client
        call = api.download_data_file if file else api.download_data_files
    else:
        from kagglesdk.datasets.types.dataset_api_service import ApiDownloadDatasetRequest

        request = ApiDownloadDatasetRequest()
        request.owner_slug, request.dataset_slug = ref.owner, ref.slug
        request.dataset_version_number = ref.version
        call = kc.datasets.dataset_api_client.download_dataset
    if file:
        request.file_name = file
    missing = (f"{ref} has no file named {file!r}: `workbench kaggle files {ref}` lists them."
               if file else _no_dataset(ref))
    with api_errors(creds, limits, not_found=missing, ref=ref):
        return call(request)


def _no_dataset(ref: Ref) -> str:
    if ref.competition:
        return f"Kaggle has no competition named {ref.slug!r} (404). Check the name in its address, {ref.url}."
    return (f"Kaggle has no dataset {str(ref)!r} (404): check the owner and name in its address "
            f"({ref.url}); a private dataset is only visible to its owner's account.")
