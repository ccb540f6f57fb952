"""The Kaggle part of the Data page, against the fake Kaggle server through the real client."""

# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
from __future__ import annotations

import os

import pytest
from streamlit.delta_generator import DeltaGenerator

from tests.app.conftest import rerun
from tests.kaggle.fixtures import fake_kaggle, kaggle_env  # noqa: F401
from workbench import Workspace
from workbench.kaggle import download_and_import, parse


@pytest.fixture
def progress_texts(monkeypatch) -> list[str]:
    """What the page's progress bar said, in order (the bar is gone once the page reruns)."""
    seen: list[str] = []
    original = DeltaGenerator.progress

    def spy(self, value, text=None):
        seen.append(text or "")
        return original(self, value, text=text)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)
    return seen


DATA = "pages/data.py"  # the Kaggle section is on the Data page


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_missing_credentials_show_the_steps(app):
    at = rerun(app.run(), DATA)
    assert not at.exception
    warning = next(w for w in _texts(at.info) if "No Kaggle credentials found" in w)
    assert "Create New Token" in warning and "kaggle.json" in warning
    assert "run `chmod 600 " in warning and "\\`" not in warning  # the command as code, no literal backticks
    assert not [b for b in at.button if b.key == "kaggle_search"]


def test_search_lists_datasets_and_says_where_the_credentials_are(app, kaggle_env):
    at = rerun(app.run(), DATA)
    assert any("KAGGLE\\_USERNAME and KAGGLE\\_KEY environment variables" in c for c in _texts(at.caption))
    at.text_input(key="kaggle_term").input("shop")
    at.button(key="kaggle_search").click()
    at = at.run()
    assert not at.exception
    found = next(df.value for df in at.dataframe if "licence" in df.value.columns)
    assert list(found["ref"]) == ["ada/shop-sales"] and list(found["licence"]) == ["CC-BY-SA-4.0"]
    assert at.selectbox(key="kaggle_pick").options == ["ada/shop-sales"]


def test_show_files_then_download_with_progress(app, kaggle_env, progress_texts):
    at = rerun(app.run(), DATA)
    at.text_input(key="kaggle_term").input("shop")
    at.button(key="kaggle_search").click()
    at = at.run()
    at.selectbox(key="kaggle_pick").set_value("ada/shop-sales")
    at = at.run()
    at.button(key="kaggle_files").click()
    at = at.run()
    assert "data/stores.parquet" in at.selectbox(key="kaggle_file").options
    at.button(key="kaggle_download").click()
    at = rerun(at.run(), DATA)
    assert not at.exception
    assert any(t.startswith("Downloading ada/shop-sales: ") and " at " in t for t in progress_texts)
    assert any(t.startswith("Importing data/2024/sales.csv") for t in progress_texts)
    successes = _texts(at.success)
    assert any("`sales`: 3 rows × 3 columns" in s for s in successes)
    assert any("`stores`: 2 rows × 2 columns" in s for s in successes)
    assert any("README.md" in i and "documentation" in i for i in _texts(at.info))
    assert at.session_state["table"] == "sales"  # the first new table is the current one
    overview = next(df.value for df in at.dataframe if "table" in df.value.columns)
    assert {"sales", "stores", "regions"} <= set(overview["table"])
    assert set(overview.loc[overview["table"] == "sales", "source"]) == {"kaggle: ada/shop-sales"}
    story = next(m.value for m in at.markdown if m.value.startswith("Downloaded from Kaggle"))
    assert story.startswith("Downloaded from Kaggle: `ada/shop-sales` version 3, licence CC-BY-SA-4.0, "
                            "file `data/2024/sales.csv`. Created ")  # fmt: skip


def test_errors_are_shown_not_raised(app, kaggle_env):
    at = rerun(app.run(), DATA)
    at.text_input(key="kaggle_ref").input("ada/nope")
    at = at.run()
    at.button(key="kaggle_download").click()
    at = at.run()
    assert not at.exception
    assert any("no dataset 'ada/nope'" in e for e in _texts(at.error))
    at.text_input(key="kaggle_ref").input("secret-comp")
    at.checkbox(key="kaggle_competition").check()
    at = at.run()
    at.button(key="kaggle_download").click()
    at = at.run()
    assert any("competitions/secret-comp/rules" in e for e in _texts(at.error))
    at.text_input(key="kaggle_ref").input("not a ref")
    at.checkbox(key="kaggle_competition").uncheck()
    at = at.run()
    assert any("owner/dataset" in e for e in _texts(at.error))


def test_a_download_stopped_mid_way_is_reported_on_the_next_run(app, kaggle_env):
    at = rerun(app.run(), DATA)
    at.session_state["_kaggle_running"] = True  # what a run stopped by Cancel leaves behind
    at = at.run()
    assert any("The last Kaggle download was stopped before it finished" in w for w in _texts(at.warning))
    at = at.run()
    assert not any("The last Kaggle download was stopped" in w for w in _texts(at.warning))


def test_a_key_file_others_can_read_gets_its_command_as_code(app, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no other credentials
    config = tmp_path / "kaggle_config"
    config.mkdir()
    (config / "kaggle.json").write_text('{"username": "ada", "key": "k"}', encoding="utf-8")
    (config / "kaggle.json").chmod(0o644)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config))
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    at = rerun(app.run(), DATA)
    warning = next(w for w in _texts(at.warning) if "readable by other users" in w)
    assert warning.endswith(f"run `chmod 600 {config / 'kaggle.json'}`.")


def test_a_competition_download_opens_its_training_table_and_the_model_page_proposes_its_sample(app, kaggle_env):
    at = rerun(app.run(), DATA)
    download_and_import(Workspace(os.environ["WORKBENCH_HOME"]), parse("titanic", competition=True))  # another one
    at.text_input(key="kaggle_ref").input("house-prices")
    at.checkbox(key="kaggle_competition").check()
    at = at.run()
    at.button(key="kaggle_download").click()
    at = rerun(at.run(), DATA)
    assert not at.exception
    assert at.session_state["table"] == "house_prices_train"  # not the first table made
    captions = _texts(at.caption)
    assert "`house_prices_train`, the training data, is the current table." in captions
    assert ("`house_prices_sample_submission` is the competition's sample submission: the Model page's *Predict "
            "and submit* proposes it, and a submission must match its header.") in captions
    # the Model page proposes the sample submission of the competition the table to predict comes from
    at = at.switch_page("pages/model.py").run()
    at.selectbox(key="model_target").set_value("Sold").run()
    at.multiselect(key="model_models").set_value(["dummy"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="predict_on").set_value("house_prices_test").run()
    assert at.selectbox(key="predict_sample").value == "house_prices_sample_submission"
    at.selectbox(key="predict_on").set_value("titanic_test").run()  # titanic ships none: no other's is proposed
    assert at.selectbox(key="predict_sample").value is None
