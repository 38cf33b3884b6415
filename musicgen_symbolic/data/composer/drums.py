"""The drum kit (General MIDI percussion keys), one-bar grooves, and a plain groove for any metre."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .metre import meter_of

KICK, RIM, SNARE, CLAP, CLOSED, PEDAL, OPEN, CRASH, RIDE, TAMB, COWBELL = 36, 37, 38, 39, 42, 44, 46, 49, 51, 54, 56
HI_CONGA, OPEN_CONGA, SHAKER, CLAVES, FLOOR_TOM, LOW_TOM = 62, 63, 70, 75, 41, 45
TOMS = (50, 48, 47, 45, 43, 41)
DRUM_VELOCITY = {"X": 112, "x": 90, "o": 48}


@dataclass(frozen=True)
class Groove:
    """One bar of drums: a pattern string per drum; the grid is the bar divided by the string length."""

    signature: tuple[int, int]
    parts: tuple[tuple[int, str], ...]
    triplets: bool = False  # fills on a triplet grid


def groove(parts: dict[int, str], signature: tuple[int, int] = (4, 4), triplets: bool = False) -> Groove:
    """A groove from a pattern string per drum, in the order written (the order the drums are played in)."""
    return Groove(signature, tuple(parts.items()), triplets)


GROOVES = {
    "pop": groove({KICK: "X.....x.X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "pop16": groove({KICK: "X.......X.x.....", SNARE: "....X.......X...", CLOSED: "xoxoxoxoxoxoxoxo"}),
    "rock": groove({KICK: "X.......X.X.....", SNARE: "....X.......X...", CLOSED: "X.x.X.x.X.x.X.x."}),
    "rock_ride": groove({KICK: "X..x....X.......", SNARE: "....X.......X...", RIDE: "x.x.x.x.x.x.x.x."}),
    "halftime": groove({KICK: "X.....x...x.....", SNARE: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "metal": groove({KICK: "xxxxxxxxxxxxxxxx", SNARE: "....X.......X...", RIDE: "x.x.x.x.x.x.x.x."}),
    "gallop": groove({KICK: "X.xxX.xxX.xxX.xx", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "thrash": groove({KICK: "X.x.X.x.X.x.X.x.", SNARE: "..X...X...X...X.", RIDE: "X...X...X...X..."}),
    "four_floor": groove(
        {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN: "..X...X...X...X.", CLOSED: "xo.oxo.oxo.oxo.o"}
    ),
    "house": groove(
        {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN: "..x...x...x...x.", SHAKER: "xoxoxoxoxoxoxoxo"}
    ),
    "techno": groove(
        {KICK: "X...X...X...X...", OPEN: "..x...x...x...x.", CLOSED: "xo.oxo.oxo.oxo.o", RIM: "......x.......x."}
    ),
    "techno_ride": groove(
        {KICK: "X...X...X...X...", RIDE: "..X...X...X...X.", CLAP: "....x.......x...", RIM: "...x..x....x..x."}
    ),
    "disco": groove(
        {KICK: "X...X...X...X...", SNARE: "....X.......X...", OPEN: "..X...X...X...X.", CLOSED: "xo.oxo.oxo.oxo.o"}
    ),
    "funk": groove({KICK: "X.....X...X..x..", SNARE: "....X..o.o..X..o", CLOSED: "XxxxXxxxXxxxXxxx"}),
    "funk2": groove({KICK: "X..x..X...x.....", SNARE: "....X.o..o..X.o.", CLOSED: "x.x.x.x.x.x.x.x."}),
    "one_drop": groove({KICK: "........X.......", RIM: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "steppers": groove({KICK: "X...X...X...X...", RIM: "........X.......", CLOSED: "x.xxx.xxx.xxx.xx"}),
    "rockers": groove({KICK: "X.......X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "boom_bap": groove({KICK: "X......x..X.....", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "boom_bap2": groove(
        {KICK: "X.x.......X..x..", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x.", OPEN: "..............x."}
    ),
    "trap": groove({KICK: "X.......x.X.....", CLAP: "........X.......", CLOSED: "xxxxxxxxxxxxxxxx"}),
    "lofi": groove({KICK: "X.....x...x.....", SNARE: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "lofi2": groove({KICK: "X.........X.....", SNARE: "....x.......x...", CLOSED: "x.xxx.x.x.xxx.x."}),
    "swing": groove(
        {RIDE: "X..x.xX..x.x", PEDAL: "...x.....x..", KICK: "o.....o.....", SNARE: ".....o.....o"}, triplets=True
    ),
    "swing2": groove({RIDE: "x..X.xx..X.x", PEDAL: "...x.....x..", SNARE: "........o..o"}, triplets=True),
    "shuffle": groove({CLOSED: "X.xX.xX.xX.x", KICK: "X.....X.....", SNARE: "...X.....X.."}, triplets=True),
    "shuffle_ride": groove({RIDE: "x.xx.xx.xx.x", KICK: "X..o..X..o..", SNARE: "...X.....X.."}, triplets=True),
    "bossa": groove({KICK: "X..xX..xX..xX..x", RIM: "X..x..x...x..x..", CLOSED: "x.x.x.x.x.x.x.x."}),
    "bossa2": groove({KICK: "X..xX..xX..xX..x", RIM: "X..x..x...x..x..", SHAKER: "xoxoxoxoxoxoxoxo"}),
    "salsa": groove(
        {
            CLAVES: "x..x..x...x.x...",
            COWBELL: "X.x.X.x.X.x.X.x.",
            HI_CONGA: "o.o.X.o.o.o.....",
            OPEN_CONGA: "............X.X.",
            KICK: "......x.........",
        }
    ),
    "samba": groove({KICK: "x...X...x...X...", SHAKER: "XoxoXoxoXoxoXoxo", RIM: "x..x..x...x..x.."}),
    "dembow": groove({KICK: "X...X...X...X...", SNARE: "...x..x....x..x.", CLOSED: "x.x.x.x.x.x.x.x."}),
    "ballad": groove({KICK: "X.......X.x.....", RIM: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "ballad_ride": groove({KICK: "X.........x.....", SNARE: "....x.......x...", RIDE: "x.x.x.x.x.x.x.x."}),
    "motown": groove(
        {KICK: "X.....x.X.......", SNARE: "....X.......X...", TAMB: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}
    ),
    "soul": groove({KICK: "X..x....X.x.....", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "train": groove({KICK: "X.......X.......", SNARE: "ooooXoooooooXooo"}),
    "two_step": groove(
        {KICK: "X.......X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x.", TAMB: "....x.......x..."}
    ),
    "march": groove({KICK: "X...x...", SNARE: "x.xxX.x."}, (2, 4)),
    "march4": groove({KICK: "X...x...X...x...", SNARE: "X.xxx.x.X.xxx.xx"}),
    "waltz": groove({KICK: "X...........", SNARE: "....x...x...", CLOSED: "....x...x..."}, (3, 4)),
    "jazz_waltz": groove({RIDE: "X..x.xx..", PEDAL: "...x..x..", KICK: "o........"}, (3, 4), triplets=True),
    "six_eight": groove({KICK: "X.....x.....", SNARE: "......X.....", CLOSED: "x.x.x.x.x.x."}, (6, 8)),
    "twelve_eight": groove(
        {KICK: "X.........x.X...........", SNARE: "......X...........X.....", CLOSED: "x.x.x.x.x.x.x.x.x.x.x.x."},
        (12, 8),
    ),
    "cinematic": groove({FLOOR_TOM: "X..x..x.X..x..x.", LOW_TOM: "....x.......x...", KICK: "X.......X......."}),
    "cinematic2": groove({KICK: "X.....x.X.....x.", SNARE: "....x.......x...", FLOOR_TOM: "......x.......xx"}),
    "folk": groove({KICK: "X.......X.......", TAMB: "..x...x...x...x."}),
    "folk_waltz": groove({KICK: "X...........", TAMB: "....x...x..."}, (3, 4)),
    "synthwave": groove(
        {KICK: "X.......X.......", SNARE: "....X.......X...", CLAP: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}
    ),
    "breakbeat": groove({KICK: "X.........X.....", SNARE: "....X..o.o..X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "electro": groove({KICK: "X......x..X.....", CLAP: "....X.......X...", CLOSED: "xxxxxxxxxxxxxxxx"}),
}


@cache
def generic_groove(signature: tuple[int, int], hat: int, snare: int) -> Groove:
    """A plain groove for any metre: kick on the strong beats, snare between them, hats on eighths."""
    meter = meter_of(signature)
    steps = round(meter.bar * 4)
    kick, backbeat, hats = ["."] * steps, ["."] * steps, ["."] * steps
    strong = list(meter.strong) + [len(meter.beats)]
    for index in meter.strong:
        kick[round(meter.beats[index][0] * 4)] = "X" if index == 0 else "x"
    snare_beats = [a + (b - a) // 2 for a, b in zip(strong, strong[1:], strict=False) if b - a >= 2]
    if not snare_beats and len(meter.beats) > 1:
        snare_beats = [len(meter.beats) - 1]
    for index in snare_beats:
        backbeat[round(meter.beats[index][0] * 4)] = "X"
    for step in range(0, steps, 2):
        hats[step] = "x"
    return groove({KICK: "".join(kick), snare: "".join(backbeat), hat: "".join(hats)}, signature)
