"""The journeys' own contrast check finds what it is there to find.

A page with the rules the app had before (white-on-white link buttons, a blue
focus ring on the red header, a button named without its visible word) must
be flagged, and its well-made controls must not.
"""

import pytest

from tests.browser.audit import ASSETS, contrast_problems, overflow

pytestmark = pytest.mark.browser

OLD_PAGE = (ASSETS / "old_link_button.html").read_text(encoding="utf-8")


@pytest.fixture
def old_page(browser):
    """The static page of old rules, set straight into a fresh page."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_content(OLD_PAGE)
    yield page
    context.close()


def test_the_old_white_on_white_link_button_is_flagged(old_page):
    problems = contrast_problems(old_page)
    text = [p for p in problems if p.startswith("text of button.link-button")]
    assert text == ['text of button.link-button "Pindah ke atas": 1:1, #ffffff on #ffffff']


def test_the_blue_ring_on_the_red_header_is_flagged(old_page):
    problems = contrast_problems(old_page)
    assert 'focus of a "Beranda": 1.12:1, #0b57d0 next to #b3001b' in problems


def test_a_name_without_its_visible_word_is_flagged(old_page):
    problems = contrast_problems(old_page)
    assert any(p.startswith('name of button "Hapus"') for p in problems)


def test_translucent_backgrounds_are_composited_over_what_is_behind(old_page):
    # White text on half-white over red: the veil resolves to #d9808d (2.84:1), not to white.
    problems = contrast_problems(old_page)
    assert 'text of a "Di balik tabir": 2.84:1, #ffffff on #d9808d' in problems


def test_well_made_controls_pass(old_page):
    problems = " ".join(contrast_problems(old_page))
    assert '"Simpan"' not in problems and '"Agenda"' not in problems
    assert overflow(old_page) is None
    old_page.set_viewport_size({"width": 320, "height": 800})
    old_page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"width:400px\">x</p>')"
    )
    assert overflow(old_page).startswith("400 px wide in 320 px")
