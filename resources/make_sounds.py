"""Write the station's two sounds as small WAV files, with the standard library only.

    python resources/make_sounds.py        # writes resources/sounds/attached.wav and refused.wav

attached: two short rising tones, as a till's "done". refused: one low, longer buzz that a
noisy shop floor still hears. 16-bit mono at 22,050 Hz, a few kilobytes each.
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
HERE = Path(__file__).resolve().parent / "sounds"


def tone(frequency: float, seconds: float, volume: float = 0.6, square: bool = False) -> list[float]:
    count = int(RATE * seconds)
    fade = int(RATE * 0.01)  # 10 ms in and out, so the speaker does not click
    samples = []
    for n in range(count):
        phase = math.sin(2 * math.pi * frequency * n / RATE)
        value = (1.0 if phase >= 0 else -1.0) * 0.5 if square else phase
        envelope = min(1.0, n / fade, (count - n) / fade)
        samples.append(value * volume * envelope)
    return samples


def silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def write(name: str, samples: list[float]) -> Path:
    HERE.mkdir(parents=True, exist_ok=True)
    path = HERE / name
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))
    return path


def main() -> None:
    print(write("attached.wav", tone(880, 0.09) + silence(0.03) + tone(1320, 0.14)))
    print(write("already.wav", tone(660, 0.12) + silence(0.05) + tone(660, 0.12)))
    print(write("refused.wav", tone(180, 0.45, volume=0.5, square=True)))


if __name__ == "__main__":
    main()
