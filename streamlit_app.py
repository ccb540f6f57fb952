"""Entry point: the app's navigation over pages/, the shared sidebar, then the chosen page (see pages/_ui.py)."""

from pages import _ui

_ui.run_app()
