"""Kaggle: search datasets, list their files, download them (cached, resumable) and import them.

Built on the official client (`kagglesdk`) for authentication, requests and
redirects, with what it lacks added here: timeouts, a progress callback,
Range resume, cancel, a cache per reference and version, and one clear
message per failure. Credentials are read where the `kaggle` command reads
them (see `credentials`) and never stored.
"""

from workbench.kaggle.client import DatasetInfo, FileInfo, files, search
from workbench.kaggle.credentials import Credentials
from workbench.kaggle.download import Fetched, fetch
from workbench.kaggle.importer import KaggleImport, download_and_import, import_fetched, sample_submission_of
from workbench.kaggle.refs import Ref, parse
from workbench.kaggle.transfer import Transfer

__all__ = ["Credentials", "DatasetInfo", "Fetched", "FileInfo", "KaggleImport", "Ref", "Transfer",
           "download_and_import", "fetch", "files", "import_fetched", "parse", "sample_submission_of", "search"]
