"""Spoken keywords, offline: espeak-ng says each word in 8 English accents x voice variants, at
random speed and pitch; each 1 s clip (16 kHz, random onset, background noise) becomes 49x10
MFCCs as MLPerf Tiny's keyword spotting takes them (40 ms windows every 20 ms, 10 coefficients).

The on-device learning demo (`make demo-learn`): a DS-CNN pretrained on the host on the ten
MLPerf keywords (`pretrained`) learns an eleventh, "learn", on the target from 20 samples mixed
with 100 replayed old ones (`learn`), while PyTorch does the same.

Clips are made once and kept in ~/.cache/mcuforge/keywords (MCUFORGE_CACHE moves it); voices of
the held-out split are never in the training split."""

from __future__ import annotations

import hashlib
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from torch import nn

OLD = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
NEW = "learn"
CLASSES = (*OLD, NEW)
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbcwmd")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "klatt", "klatt2",
            "klatt3", "andy", "annie", "boris", "david", "ed", "john", "linda", "max", "michel", "paul", "robert",
            "steph", "travis", "zac")
RATE = 16000
PER_WORD_TRAIN, PER_WORD_TEST, NEW_TRAIN, NEW_TEST = 160, 40, 20, 40
REPLAY_PER_WORD = 10  # old clips replayed per old keyword while the new one is learned


def _cache() -> Path:
    root = Path(os.environ.get("MCUFORGE_CACHE", Path.home() / ".cache" / "mcuforge"))
    path = root / "keywords"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _say(word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """espeak-ng's samples of `word` at 16 kHz, float in [-1, 1]."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
                         capture_output=True, check=True).stdout
    x = np.frombuffer(wav[44:], np.int16).astype(np.float32) / 32768.0  # 22,050 Hz mono PCM
    t = np.arange(0, len(x) / 22050, 1 / RATE)
    return np.interp(t, np.arange(len(x)) / 22050, x).astype(np.float32)


def _mfcc(clip: np.ndarray) -> np.ndarray:
    from python_speech_features import mfcc

    feats = mfcc(clip, RATE, winlen=0.04, winstep=0.02, numcep=10, nfilt=40, nfft=1024, appendEnergy=False)
    return feats[:49].astype(np.float32)


def _clip(word: str, voice: str, rng: np.random.Generator) -> np.ndarray:
    speech = _say(word, voice, int(rng.integers(120, 200)), int(rng.integers(25, 75)))
    speech = speech[:RATE] * rng.uniform(0.5, 1.0) / max(float(np.abs(speech).max()), 1e-6)
    clip = rng.normal(0, rng.uniform(0.002, 0.02), RATE).astype(np.float32)
    start = int(rng.integers(0, RATE - len(speech) + 1))
    clip[start:start + len(speech)] += speech
    return _mfcc(clip)


def _voices(split: str) -> list[str]:
    """Accent x variant; every fifth variant is held out for the test split."""
    variants = [v for i, v in enumerate(VARIANTS) if (i % 5 == 4) == (split == "test")]
    return [f"{a}+{v}" for a in ACCENTS for v in variants]


def clips(words, per_word: int, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 1, 49, 10) MFCCs and labels (indices in CLASSES) of `per_word` clips of each word."""
    key = hashlib.sha256(repr((tuple(words), per_word, split, seed, ACCENTS, VARIANTS)).encode()).hexdigest()[:16]
    path = _cache() / f"{key}.npz"
    if path.is_file():
        data = np.load(path)
        return data["x"], data["y"]
    rng = np.random.default_rng(seed)
    voices = _voices(split)
    jobs = [(w, voices[int(rng.integers(len(voices)))], int(rng.integers(1 << 31))) for w in words
            for _ in range(per_word)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        feats = list(pool.map(lambda j: _clip(j[0], j[1], np.random.default_rng(j[2])), jobs))
    x = np.stack(feats)[:, None].astype(np.float32)
    y = np.array([CLASSES.index(w) for w, _, _ in jobs], np.int64)
    np.savez(path, x=x, y=y)
    return x, y


def _dscnn(classes: int) -> nn.Module:
    def block():
        return nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1, groups=64, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                             nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())

    return nn.Sequential(nn.Conv2d(1, 64, (10, 4), stride=2, padding=(5, 1), bias=False), nn.BatchNorm2d(64),
                         nn.ReLU(), *[block() for _ in range(4)], nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(64, classes))


def _normalize(x: np.ndarray) -> np.ndarray:
    """MFCCs scaled to about unit range (fixed constants: the same on host and device)."""
    return (x / 20.0).astype(np.float32)


def pretrained():
    """The DS-CNN with eleven outputs, trained on the host on the ten old keywords only (the
    eleventh output never a target); weights cached."""
    torch.manual_seed(0)
    model = _dscnn(len(CLASSES))
    path = _cache() / "dscnn-pretrained.pt"
    if path.is_file():
        model.load_state_dict(torch.load(path))
        return model.eval(), torch.zeros(1, 1, 49, 10)
    torch.set_num_threads(1)
    x, y = clips(OLD, PER_WORD_TRAIN, "train", 0)
    x = torch.from_numpy(_normalize(x))
    y = torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(12):
        for idx in torch.randperm(len(x), generator=g).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    torch.save(model.state_dict(), path)
    return model.eval(), torch.zeros(1, 1, 49, 10)


def learn(split):
    """For `mcuforge train --data models/keywords.py:learn`: "train": NEW_TRAIN clips of the new
    keyword and REPLAY_PER_WORD of each old one (replayed, so that the old keywords are not
    forgotten), "test": held-out voices, PER_WORD_TEST clips of each old keyword and NEW_TEST of
    the new one."""
    if split == "train":
        xn, yn = clips((NEW,), NEW_TRAIN, "train", 1)
        xo, yo = clips(OLD, REPLAY_PER_WORD, "train", 5)
        x, y = np.concatenate([xn, xo]), np.concatenate([yn, yo])
    else:
        xo, yo = clips(OLD, PER_WORD_TEST, "test", 3)
        xn, yn = clips((NEW,), NEW_TEST, "test", 4)
        x, y = np.concatenate([xo, xn]), np.concatenate([yo, yn])
    return [(torch.from_numpy(_normalize(x)), torch.from_numpy(y))]


learn.classes = CLASSES
