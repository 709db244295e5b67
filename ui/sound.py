"""Success and failure sounds, played where the machine has an audio output; silent elsewhere.

QtMultimedia is part of every install, but its library needs the system's PulseAudio client
(libpulse0), and a station may have no sound card or sound server: all of that is normal,
so anything that goes wrong here only makes the station silent and says so in the log.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, Signal

from ui import resources

log = logging.getLogger(__name__)
SOUNDS = ("attached", "already", "refused")
# Every category, every level (Qt's own "default" category, plain qWarning, included).
ALL_QT_MESSAGES_OFF = "*=false"


@contextmanager
def _qt_messages_off() -> Iterator[None]:
    """Qt's first look for audio devices warns about every optional library it lacks (PipeWire, VA-API, a
    PulseAudio server): expected on a line workstation, and said to nobody.

    Switched off by Qt's own filter, not caught by a Python message handler: those messages come while
    QtMultimedia's libraries load, from threads of Qt's that hold the library loader's lock, and a Python
    handler makes them wait for the GIL. Meanwhile a Python thread importing a compiled module (the
    station's database worker) holds the GIL and waits for that lock: a deadlock, every time in
    tests/ui/test_settings_and_sounds.py's check without the filter. Filtered here, no message reaches
    any handler, ours, pytest-qt's or Qt's default one on stderr. The station sets no other filter rules."""
    from PySide6.QtCore import QLoggingCategory

    QLoggingCategory.setFilterRules(ALL_QT_MESSAGES_OFF)
    try:
        yield
    finally:
        QLoggingCategory.setFilterRules("")


class Sounds(QObject):
    """The station's three sounds. ``played`` says which one the station asked for, audible or not.

    They load with ``load`` (the station calls it once it is ready), else with the first sound asked
    for: finding the audio output loads QtMultimedia's plugins, 20-100 ms."""

    played = Signal(str)

    def __init__(self, enabled: bool, parent: QObject | None = None):
        super().__init__(parent)
        self.enabled = enabled
        self._effects: dict[str, object] | None = None if enabled else {}

    def load(self) -> None:
        """Find the audio output and make the effects, once."""
        if self._effects is None:
            self._effects = self._load()

    @property
    def loaded(self) -> bool:
        """True once the audio output has been looked for (whether or not one was found)."""
        return self._effects is not None

    @property
    def available(self) -> bool:
        """True when the machine can actually play them."""
        self.load()
        return bool(self._effects)

    def _load(self) -> dict[str, object]:
        with _qt_messages_off():
            from PySide6.QtCore import QUrl

            try:
                from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
            except ImportError as error:  # the system's audio client library is missing
                log.info("no sounds: Qt's audio library cannot load (%s)", error)
                return {}
            device = QMediaDevices.defaultAudioOutput()
            if device.isNull():
                log.info("no sounds: this machine has no audio output")
                return {}
            effects: dict[str, object] = {}
            for name in SOUNDS:
                file = resources.sound(name)
                if file is None:
                    log.info("no sound %s: its file is missing", name)
                    continue
                effect = QSoundEffect(device, self)
                effect.setSource(QUrl.fromLocalFile(str(file)))
                effect.setVolume(0.8)
                effects[name] = effect
            return effects

    def play(self, name: str) -> None:
        if not self.enabled:
            return
        self.played.emit(name)
        self.load()
        effect = self._effects.get(name)
        if effect is not None:
            effect.play()  # type: ignore[attr-defined]
