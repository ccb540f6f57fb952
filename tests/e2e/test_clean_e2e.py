"""Clean as a person uses it: Fix a finding from Explore, preview, apply, see the finding gone, undo."""

from __future__ import annotations

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle


def selected(page, area: str, label: str) -> str:
    """The value shown by the select box labelled `label` in the sidebar or the main area."""
    return page.locator(f"[data-testid='{area}'] input[aria-label='{label}']").input_value()


def finding_labels(page) -> list[str]:
    main = page.locator("[data-testid='stMain']")
    main.locator("[data-testid='stExpander']").first.wait_for()
    return [" ".join(e.inner_text().split()) for e in main.locator("[data-testid='stExpander'] summary").all()]


def test_fix_a_finding_preview_apply_and_undo(start_app, page):
    server = start_app()
    open_app(page, server.url)
    choose_table(page, "penguins_raw")
    open_page(page, "Explore")
    labels = finding_labels(page)
    assert any("Missing values written as text in Comments" in label for label in labels), labels
    main = page.locator("[data-testid='stMain']")
    first = main.locator("[data-testid='stExpander']").first
    first.locator("summary").click()
    first.get_by_role("button", name="Fix on the Clean page").click()
    wait_idle(page)
    # Clean opens with the step filled in; nothing is written before Apply
    main.get_by_role("heading", name="Clean").wait_for()
    main.get_by_text("Turns values that stand for 'unknown'").wait_for()  # null_values, explained
    assert selected(page, "stMain", "column") == "Comments"
    main.get_by_role("button", name="Preview").click()
    wait_idle(page)
    main.get_by_text("Comments: 290 values changed, 290 values set to missing, 0 missing values filled").wait_for()
    main.get_by_role("button", name="Apply").click()
    wait_idle(page)
    main.get_by_text("Wrote penguins_raw_v2 (344 rows).").wait_for()
    assert selected(page, "stSidebar", "Current table") == "penguins_raw_v2"
    # Explore on the new version: the fixed finding is gone, the values are now plain missing values
    open_page(page, "Explore")
    labels = finding_labels(page)
    assert not any("Missing values written as text in Comments" in label for label in labels)
    assert any("Missing values in Comments: 290 rows" in label for label in labels)
    # Undo goes back to the raw table and deletes the new version
    open_page(page, "Clean")
    main.get_by_text("Also delete penguins_raw_v2").click()
    main.get_by_role("button", name="Undo").click()
    wait_idle(page)
    main.get_by_text("Back to penguins_raw; penguins_raw_v2 deleted.").wait_for()
    assert selected(page, "stSidebar", "Current table") == "penguins_raw"
