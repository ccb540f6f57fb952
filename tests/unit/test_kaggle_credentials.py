"""Credentials are found where the kaggle client looks, in its order, and the secret never shows."""

import json
import os

import pytest

from workbench.kaggle import credentials
from workbench.kaggle.errors import NoCredentials


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()


def _kaggle_json(data, mode=0o600):
    path = credentials.config_dir() / "kaggle.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    os.chmod(path, mode)
    return path


def test_none_found_gives_the_steps_and_where_to_put_kaggle_json():
    assert credentials.find() is None
    with pytest.raises(NoCredentials) as err:
        credentials.require()
    text = str(err.value)
    assert "https://www.kaggle.com/settings" in text and "Create New Token" in text
    assert str(credentials.config_dir() / "kaggle.json") in text and "KAGGLE_API_TOKEN" in text


def test_kaggle_json_in_config_dir(monkeypatch):
    path = _kaggle_json({"username": "ada", "key": "s3cret"})
    found = credentials.find()
    assert (found.method, found.source, found.username, found.warning) == (credentials.KEY, str(path), "ada", None)
    assert "s3cret" not in repr(found) and "s3cret" not in found.describe()


def test_kaggle_json_readable_by_others_is_flagged():
    path = _kaggle_json({"username": "ada", "key": "s3cret"}, mode=0o644)
    assert f"chmod 600 {path}" in credentials.find().warning


def test_environment_overrides_the_file(monkeypatch):
    _kaggle_json({"username": "ada", "key": "old"})
    monkeypatch.setenv("KAGGLE_KEY", "new")
    found = credentials.find()
    assert found.secret == "new" and "with KAGGLE_KEY from the environment" in found.source
    monkeypatch.setenv("KAGGLE_USERNAME", "bob")
    found = credentials.find()
    assert (found.username, found.source) == ("bob", "the KAGGLE_USERNAME and KAGGLE_KEY environment variables")


def test_token_comes_first_as_a_value_or_a_file(monkeypatch, tmp_path):
    _kaggle_json({"username": "ada", "key": "k"})
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_abc")
    found = credentials.find()
    assert (found.method, found.secret, found.source) == (
        credentials.TOKEN, "KGAT_abc", "the KAGGLE_API_TOKEN environment variable")
    token_file = tmp_path / "token"
    token_file.write_text("KGAT_from_file\n")
    monkeypatch.setenv("KAGGLE_API_TOKEN", str(token_file))
    found = credentials.find()
    assert found.secret == "KGAT_from_file" and str(token_file) in found.source


def test_access_token_file_in_home(tmp_path):
    folder = tmp_path / "home" / ".kaggle"
    folder.mkdir()
    (folder / "access_token").write_text("KGAT_home")
    found = credentials.find()
    assert (found.secret, found.source) == ("KGAT_home", str(folder / "access_token"))


def test_xdg_location_when_home_kaggle_is_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("KAGGLE_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert credentials.config_dir() == tmp_path / "xdg" / "kaggle"
    (tmp_path / "home" / ".kaggle").mkdir()
    assert credentials.config_dir() == tmp_path / "home" / ".kaggle"


def test_broken_kaggle_json_is_named_in_the_steps():
    _kaggle_json({"username": "ada"})
    assert credentials.find() is None
    assert "has no key" in " ".join(credentials.setup_steps())


def test_oauth_login_is_recognised(tmp_path):
    folder = tmp_path / "home" / ".kaggle"
    folder.mkdir()
    (folder / "credentials.json").write_text(json.dumps({"refresh_token": "r", "username": "ada"}))
    found = credentials.find()
    assert (found.method, found.username) == (credentials.OAUTH, "ada")
    assert "kaggle auth login" in found.source
