"""What pages share (pages/_ui.py), in AppTest: a Cancel says so on the next run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _working_page():
    import streamlit as st

    from pages import _ui

    _ui.show_flashes()
    if st.button("Start", key="start"):
        with _ui.cancel_button(key="cancel_work"):
            st.stop()  # the work is still running when the user clicks Cancel: its run ends by the click


def test_cancel_says_nothing_was_saved_on_the_page_it_redraws():
    """After Cancel during a fit the page redrew without a board and said nothing."""
    at = AppTest.from_function(_working_page).run()
    at.button(key="start").click().run()
    assert [b.label for b in at.button] == ["Start", "Cancel"]
    at.button(key="cancel_work").click().run()
    assert [w.value for w in at.warning] == ["Cancelled, nothing saved."]
    assert [b.label for b in at.button] == ["Start"]
    at.run()
    assert not at.warning  # said once
