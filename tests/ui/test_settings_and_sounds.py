"""The station's settings object over QSettings, the resources module and the sounds that may be silent."""
from __future__ import annotations

import wave

from PySide6.QtCore import QSettings

from ui import resources
from ui.settings import StationSettings
from ui.sound import SOUNDS, Sounds


def ini(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "certline.ini"), QSettings.Format.IniFormat)


def test_defaults():
    settings = StationSettings()
    assert settings.idle_sign_out_minutes == 15
    assert settings.scan_terminator == "enter_or_tab"
    assert settings.attach_on_certificate_scan is False
    assert settings.sounds is True
    assert settings.gs1_separator == ""


def test_saved_settings_load_back_with_their_types(tmp_path):
    StationSettings(idle_sign_out_minutes=3, scan_terminator="tab", attach_on_certificate_scan=True, sounds=False,
                    gs1_separator="^", result_seconds=9).save(ini(tmp_path))
    loaded = StationSettings.load(ini(tmp_path))
    assert loaded == StationSettings(3, "tab", True, False, "^", 9)


def test_an_empty_store_gives_the_defaults(tmp_path):
    assert StationSettings.load(ini(tmp_path)) == StationSettings()


def test_values_that_cannot_be_read_fall_back_to_the_default(tmp_path):
    (tmp_path / "certline.ini").write_text(
        "[station]\nidle_sign_out_minutes=soon\nscan_terminator=space\nattach_on_certificate_scan=maybe\n"
        "sounds=off\ngs1_separator=ab\nresult_seconds=-4\n")
    loaded = StationSettings.load(ini(tmp_path))
    assert loaded == StationSettings(sounds=False)


def test_resources_are_found():
    assert "#scanField" in resources.stylesheet("station")
    assert resources.stylesheet("no-such-sheet") == ""
    assert not resources.icon("certline").isNull()
    assert resources.icon("no-such-icon").isNull()


def test_the_sounds_are_short_wav_files():
    for name in SOUNDS:
        path = resources.sound(name)
        assert path is not None
        with wave.open(str(path)) as sound:
            assert sound.getnchannels() == 1 and 0.1 < sound.getnframes() / sound.getframerate() < 1.0
    assert resources.sound("nothing") is None


def test_sounds_play_or_stay_silent_but_never_fail(qapp):
    # PySide6-Essentials has no QtMultimedia: the station is silent there, and says so in the log only.
    sounds = Sounds(enabled=True)
    for name in (*SOUNDS, "unknown"):
        sounds.play(name)
    silent = Sounds(enabled=False)
    assert not silent.available
    silent.play("attached")
