"""Success and failure sounds, played where the machine has an audio output; silent elsewhere.

QtMultimedia is part of every install, but its library needs the system's PulseAudio client
(libpulse0), and a station may have no sound card or sound server: all of that is normal,
so anything that goes wrong here only makes the station silent and says so in the log.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QUrl, Signal, qInstallMessageHandler

from ui import resources

log = logging.getLogger(__name__)
SOUNDS = ("attached", "already", "refused")


@contextmanager
def _qt_messages_to_log() -> Iterator[None]:
    """Qt's first look for audio devices warns about every optional library it lacks (PipeWire,
    VA-API, a PulseAudio server): expected on a line workstation, so the log gets them, not the terminal."""

    def to_log(_kind, context, message: str) -> None:
        log.info("%s: %s", context.category, message)

    previous = qInstallMessageHandler(to_log)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


class Sounds(QObject):
    """The station's three sounds. ``played`` says which one the station asked for, audible or not."""

    played = Signal(str)

    def __init__(self, enabled: bool, parent: QObject | None = None):
        super().__init__(parent)
        self.enabled = enabled
        self._effects: dict[str, object] = self._load() if enabled else {}

    @property
    def available(self) -> bool:
        """True when the machine can actually play them."""
        return bool(self._effects)

    def _load(self) -> dict[str, object]:
        with _qt_messages_to_log():
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
        effect = self._effects.get(name)
        if effect is not None:
            effect.play()  # type: ignore[attr-defined]
