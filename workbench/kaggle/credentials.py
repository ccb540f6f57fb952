"""Finding Kaggle credentials exactly where the `kaggle` client looks, and saying where they were found.

The order is the client's (kaggle 2.x `KaggleApi.authenticate`):
1. an access token: `KAGGLE_API_TOKEN` (the token, or a path to a file holding it),
   then `~/.kaggle/access_token` (or `.txt`);
2. a legacy API key: `kaggle.json` in `KAGGLE_CONFIG_DIR`, else `~/.kaggle`, else
   (Linux, when `~/.kaggle` does not exist) `$XDG_CONFIG_HOME/kaggle`; the
   `KAGGLE_USERNAME` / `KAGGLE_KEY` variables override its fields;
3. the OAuth credentials `kaggle auth login` saved in `~/.kaggle/credentials.json`.

The secret is held in memory for the request only: it is never written, logged
or shown (it is left out of the repr and of every message).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from workbench.kaggle.errors import NoCredentials

TOKEN, KEY, OAUTH = "access token", "API key", "OAuth login"
SETTINGS_URL = "https://www.kaggle.com/settings"


@dataclass(frozen=True)
class Credentials:
    method: str  # TOKEN, KEY or OAUTH
    source: str  # where they were read from, for messages
    username: str | None = None
    secret: str = field(default="", repr=False)
    warning: str | None = None  # e.g. kaggle.json readable by other users

    def describe(self) -> str:
        who = f" for {self.username}" if self.username else ""
        return f"Kaggle {self.method}{who} from {self.source}"


def config_dir() -> Path:
    """Where the client reads kaggle.json."""
    env = os.environ.get("KAGGLE_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    home = Path("~/.kaggle").expanduser()
    if sys.platform.startswith("linux") and not home.exists():
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
        return Path(base) / "kaggle"
    return home


def find() -> Credentials | None:
    return _token() or _api_key() or _oauth()


def require() -> Credentials:
    found = find()
    if found is None:
        raise NoCredentials("No Kaggle credentials found. " + " ".join(setup_steps()))
    return found


def setup_steps() -> list[str]:
    """What to do when no credentials were found, as numbered steps."""
    path = config_dir() / "kaggle.json"
    problem = _kaggle_json_problem(path)
    return [
        f"1. Sign in at kaggle.com and open {SETTINGS_URL} (section API).",
        (f"2. Click \"Create New Token\" and save the downloaded kaggle.json as {path}"
         + (f" (the file there now {problem})" if problem else "")
         + f", then run `chmod 600 {path}`; or set KAGGLE_API_TOKEN to the token "
         "(or KAGGLE_USERNAME and KAGGLE_KEY), or point KAGGLE_CONFIG_DIR at the folder holding kaggle.json."),
        "3. Run the download again. Behind a proxy, also set HTTPS_PROXY.",
    ]


def _token() -> Credentials | None:
    value = os.environ.get("KAGGLE_API_TOKEN")
    if value:
        as_file = Path(value).expanduser()
        if as_file.is_file():
            token = _read_text(as_file)
            return Credentials(TOKEN, f"the file {as_file} named by KAGGLE_API_TOKEN", secret=token) if token else None
        return Credentials(TOKEN, "the KAGGLE_API_TOKEN environment variable", secret=value)
    for name in ("access_token", "access_token.txt"):
        path = Path("~/.kaggle").expanduser() / name
        token = _read_text(path) if path.is_file() else ""
        if token:
            return Credentials(TOKEN, str(path), secret=token)
    return None


def _api_key() -> Credentials | None:
    path = config_dir() / "kaggle.json"
    data = _read_json(path)
    username = os.environ.get("KAGGLE_USERNAME") or data.get("username")
    key = os.environ.get("KAGGLE_KEY") or data.get("key")
    if not (username and key):
        return None
    from_env = [v for v in ("KAGGLE_USERNAME", "KAGGLE_KEY") if os.environ.get(v)]
    if len(from_env) == 2:
        source = "the KAGGLE_USERNAME and KAGGLE_KEY environment variables"
    elif from_env:
        source = f"{path} with {from_env[0]} from the environment"
    else:
        source = str(path)
    warning = None
    if not from_env and os.name != "nt" and path.stat().st_mode & 0o044:
        warning = f"{path} is readable by other users of this machine: run `chmod 600 {path}`."
    return Credentials(KEY, source, username=str(username), secret=str(key), warning=warning)


def _oauth() -> Credentials | None:
    path = Path("~/.kaggle/credentials.json").expanduser()
    data = _read_json(path)
    if not data.get("refresh_token"):
        return None
    return Credentials(OAUTH, f"{path} (from `kaggle auth login`)", username=data.get("username"))


def _kaggle_json_problem(path: Path) -> str | None:
    if not path.exists():
        return None
    data = _read_json(path)
    if not data:
        return "is not valid JSON"
    missing = [k for k in ("username", "key") if not data.get(k)]
    return f"has no {' or '.join(missing)}" if missing else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError):
        return ""


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
