"""Success and failure sounds, played where QtMultimedia and an audio device exist; silent elsewhere.

PySide6-Essentials has no QtMultimedia, and a station may have no sound card: both are
normal, so anything that goes wrong here only makes the station silent.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl

from ui import resources

log = logging.getLogger(__name__)
SOUNDS = ("attached", "already", "refused")


class Sounds(QObject):
    def __init__(self, enabled: bool, parent: QObject | None = None):
        super().__init__(parent)
        self._effects: dict[str, object] = {}
        if enabled:
            self._effects = self._load()

    @property
    def available(self) -> bool:
        return bool(self._effects)

    def _load(self) -> dict[str, object]:
        try:
            from PySide6.QtMultimedia import QSoundEffect  # not in PySide6-Essentials
        except Exception as error:  # ImportError, or a missing system audio library
            log.info("no sounds: QtMultimedia is not available (%s)", error)
            return {}
        effects: dict[str, object] = {}
        for name in SOUNDS:
            file = resources.sound(name)
            if file is None:
                continue
            try:
                effect = QSoundEffect(self)
                effect.setSource(QUrl.fromLocalFile(str(file)))
                effect.setVolume(0.8)
                effects[name] = effect
            except Exception as error:
                log.info("no sound %s: %s", name, error)
        return effects

    def play(self, name: str) -> None:
        effect = self._effects.get(name)
        if effect is None:
            return
        try:
            effect.play()
        except Exception as error:
            log.info("sound %s failed: %s", name, error)
