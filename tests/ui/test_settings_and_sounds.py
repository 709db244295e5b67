"""The station's settings object over QSettings, the resources module and the sounds that may be silent."""
from __future__ import annotations

import logging
import sys
import wave

import pytest
from PySide6.QtCore import QSettings

from app.models import CertAttachment

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
    assert (settings.serial_port, settings.serial_baud) == ("", 9600)  # no serial-port scanner


def test_saved_settings_load_back_with_their_types(tmp_path):
    StationSettings(idle_sign_out_minutes=3, scan_terminator="tab", attach_on_certificate_scan=True, sounds=False,
                    gs1_separator="^", result_seconds=9, serial_port=" /dev/ttyACM0 ",
                    serial_baud=115200).save(ini(tmp_path))
    loaded = StationSettings.load(ini(tmp_path))
    assert loaded == StationSettings(3, "tab", True, False, "^", 9, serial_port="/dev/ttyACM0", serial_baud=115200)


def test_an_empty_store_gives_the_defaults(tmp_path):
    assert StationSettings.load(ini(tmp_path)) == StationSettings()


def test_values_that_cannot_be_read_fall_back_to_the_default(tmp_path):
    (tmp_path / "certline.ini").write_text(
        "[station]\nidle_sign_out_minutes=soon\nscan_terminator=space\nattach_on_certificate_scan=maybe\n"
        "sounds=off\ngs1_separator=ab\nresult_seconds=-4\nserial_baud=12345\n")
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
    # Without an audio output (as in CI) the effects are not made; the station still asks for each sound.
    sounds = Sounds(enabled=True)
    asked: list[str] = []
    sounds.played.connect(asked.append)
    for name in (*SOUNDS, "unknown"):
        sounds.play(name)
    assert asked == [*SOUNDS, "unknown"]
    silent = Sounds(enabled=False)
    silent.played.connect(asked.append)
    silent.play("attached")
    assert not silent.available and asked == [*SOUNDS, "unknown"]


def test_without_the_system_audio_library_the_station_is_silent(qapp, monkeypatch, caplog):
    # QtMultimedia's library needs libpulse0; where it is missing the import fails, and that is all.
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    with caplog.at_level(logging.INFO, logger="ui.sound"):
        sounds = Sounds(enabled=True)
        sounds.play("refused")
    assert not sounds.available
    assert "no sounds: Qt's audio library cannot load" in caplog.text


@pytest.fixture
def station_settings():
    return StationSettings()  # the defaults: sounds on (overrides tests/ui/conftest.py's)


def test_the_station_sounds_attach_and_refusal_by_default(signed_in):
    window = signed_in.window
    assert window.settings.sounds
    asked: list[str] = []
    window.sounds.played.connect(asked.append)
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.attached)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.already_attached)
    signed_in.scan("XX-404", window.unknown_code)
    assert asked == ["attached", "already", "refused"]
    assert [(a.serial_id, a.cert_id) for a in CertAttachment.select()] == [("SN-00001", "cert_mat01")]
