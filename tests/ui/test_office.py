"""Office views sit beside the station for supervisors and administrators; operators never see them."""
import pytest
from PySide6.QtWidgets import QLabel

from ui import office


@pytest.fixture
def probe_view():
    office._load()  # the real views first, so the probe is not the only one

    @office.office_view("Probe view", order=0)
    def build(database, user):
        return QLabel(f"for {user.id}", objectName="probeView")

    yield
    office._VIEWS[:] = [v for v in office._VIEWS if v.title != "Probe view"]


def tab_titles(window):
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_an_operator_sees_only_the_station(probe_view, operator):
    operator.sign_in("B-OP1", "1234")
    assert tab_titles(operator.window) == ["Station"]
    assert not operator.window.tabs.tabBar().isVisible()


def test_a_supervisor_gets_the_office_views_until_signing_out(probe_view, operator):
    window = operator.window
    operator.sign_in("B-SUP1", "432100")
    titles = tab_titles(window)
    assert titles[0] == "Station" and "Probe view" in titles
    assert window.tabs.tabBar().isVisible()
    assert window.tabs.widget(titles.index("Probe view")).text() == "for sup1"
    assert window.tabs.currentIndex() == 0 and window.focusWidget() is window.scan_field

    window.sign_out("Signed out")
    assert tab_titles(window) == ["Station"]
    assert window.focusWidget() is window.scan_field
