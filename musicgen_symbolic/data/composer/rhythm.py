"""Rhythm templates of the bass, comping and arpeggio parts, and how one is laid over a bar of any metre."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .metre import meter_of


@dataclass(frozen=True)
class Template:
    """A one-bar rhythm as beat cells of four sixteenths (simple beats) and six (compound beats).

    Cells are used in turn, one per beat, starting again when they run out. Symbols: ``-`` holds the
    previous note, ``.`` is a rest, anything else starts a note whose meaning the part decides.
    """

    simple: str
    compound: str = ""
    legato: float = 0.92


BASS = {
    "whole": Template("R---------------", "R-----------"),
    "half": Template("R-------5-------", "R-----5-----"),
    "pulse": Template("R---", "R---5-"),
    "root_fifth": Template("R-..5-..", "R-----5-----", 0.8),
    "eighths": Template("R-R-", "R-R-R-", 0.8),
    "octaves": Template("R-8-", "R-8-5-", 0.7),
    "pop": Template("R-----R-R---5---", "R---R-"),
    "syncopated": Template("R--R--R-....R-5-", "R--R--"),
    "funk": Template("R--R--8-.R.5-7g.", "R-.g8.", 0.6),
    "funk2": Template("R-.gR8.R..R-5-8.", "R-.gR.", 0.6),
    "offbeat": Template("..R-", "..R-R-", 0.7),
    "rolling": Template("gRRR", "gRRgRR", 0.6),
    "reggae": Template(".R-5-R-..3-5-8-.", "R--5-.", 0.85),
    "reggae2": Template("R-----R-5-3-R...", "R---3-", 0.85),
    "tumbao": Template("......R-----5---", "...R--"),
    "bossa": Template("R-----R-5-----5-", "R---5-"),
    "boombap": Template("R-----.R..R-----", "R----R"),
    "808": Template("R-------..R.R---", "R-----"),
    "boogie": Template("R-3-5-6-7-6-5-3-", "R-3-5-", 0.8),
    "gallop": Template("R-RRR-RRR-RRR-RR", "R-RR-R", 0.6),
    "chug": Template("RRRR", "RRRRRR", 0.6),
    "arp": Template("R-5-8-5-", "R-5-8-", 0.85),
    "pedal": Template("T---------------", "T-----------"),
    "waltz": Template("F---........", "F-----", 0.9),
    "walking": Template("R---W---W---A---", "R-----A-----", 0.85),
}

COMP = {
    "block": Template("C---------------", "C-----------"),
    "half": Template("C-------C-------", "C-----"),
    "quarters": Template("C---", "C---c-", 0.85),
    "eighths": Template("C-c-", "C-c-c-", 0.8),
    "push": Template("C-----C---C-C---", "C---c-", 0.9),
    "strum": Template("C---C-c-.-c-C-c-", "C-c-c-", 0.9),
    "strum2": Template("C---c-C-.-C-c-C-", "C---c-", 0.9),
    "skank": Template("....C-......C-..", "...C--", 0.5),
    "offbeats": Template("..C.", "..C.C.", 0.5),
    "stabs": Template("..C.C..C.c..C...", "..C..c", 0.5),
    "chicken": Template("c.C.c.C.c.C.c.C.", "c.C.c.", 0.5),
    "charleston": Template("C-----C-........", "C---..", 0.7),
    "anticipate": Template("......C-....C-..", "...C..", 0.7),
    "freddie": Template("C-..", "C-.c-.", 0.6),
    "bossa": Template("C-.C-.C-..C-.C-.", "C-.C-.", 0.8),
    "montuno": Template("H.L.H.LH.L.H.LH.", "H.LH.L", 0.8),
    "waltz": Template("....C-..C-..", "..C-C-", 0.7),
    "afterbeat": Template("..C-", "..C-C-", 0.6),
    "power": Template("P-P-", "P-P-P-", 0.85),
    "chug": Template("Pppp", "Pp.Pp.", 0.6),
    "boogie": Template("P-P-Q-Q-", "P-Q-P-", 0.85),
    "chorale": Template("C---", "C-----", 0.95),
}

ARP = {
    "up": Template("1-2-3-4-", "1-2-3-", 0.95),
    "updown": Template("1-2-3-4-5-4-3-2-", "1-2-3-4-3-2-", 0.95),
    "sixteenths": Template("1234", "123432", 0.9),
    "alberti": Template("1-3-2-3-", "1-3-2-", 0.9),
    "broken": Template("1---2-3-", "1-2-3-", 0.95),
    "ostinato": Template("1313", "131313", 0.8),
}


@cache
def template_events(template: Template, signature: tuple[int, int]) -> tuple[tuple[str, float, float], ...]:
    """Lay a template over one bar: (symbol, start, length) in quarter notes from the bar's start."""
    meter = meter_of(signature)
    simple = [template.simple[i : i + 4] for i in range(0, len(template.simple), 4)]
    compound = [template.compound[i : i + 6] for i in range(0, len(template.compound), 6)] or ["C-----"]
    events: list[list] = []
    holding = False
    n_simple = n_compound = 0
    for offset, length in meter.beats:
        if length == 1.0:
            cell, n_simple = simple[n_simple % len(simple)], n_simple + 1
        else:
            cell, n_compound = compound[n_compound % len(compound)], n_compound + 1
        step = length / len(cell)
        for j, symbol in enumerate(cell):
            if symbol == "-":
                if holding:
                    events[-1][2] += step
            elif symbol == ".":
                holding = False
            else:
                events.append([symbol, offset + j * step, step])
                holding = True
    return tuple((s, start, length) for s, start, length in events)
