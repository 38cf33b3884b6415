"""Which REMI token may come next: the state machine behind constrained decoding.

The sequence after BOS follows::

    piece   := bar+ EOS
    bar     := Bar TimeSig [Chord Chord] event*    (chord tokens only where the tokenizer has them)
    event   := Position [Tempo] note+          (positions strictly increase inside a bar)
    note    := [Program] (Pitch (Velocity Duration | VelDur) | PitchDrum Velocity | DrumVel)

``Program`` comes only when the instrument changes (the first note always has one). Tokenizers saved
before ``program_changes`` put a ``Program`` before every note and give drum hits a ``Duration`` too; the
same state machine reads both forms, from the tokenizer's flags.

The two ``Chord`` tokens name the chords of the bar's two halves (``Chord_N``: none heard); the model reads
them before it plays the bar. With a harmony plan (``Constraints.chords``) both are forced, so the music
follows the plan bar by bar; without one the model chooses them, as its own harmony.

Tempo appears exactly once, at the first position of the piece, and the metre is the same in every
bar. Every requested instrument plays: one not heard by the last bar is the only instrument allowed there.
What the user fixed (tempo, metre, instruments, length) is forced here, so every sampled sequence decodes to
a valid MIDI file that obeys those attributes.

With a form (``Constraints.form``, a ``form.FormPlan``), a bar that repeats an earlier one is the earlier bar's
tokens again, forced one by one (``("forced", token)``) so that the model reads them through its cache and what
follows hears them; a ``Program`` token is added or dropped where the instrument in force before the bar differs,
and the bar closes when the copy ends. A varied bar (``--variation``) replays its source's metre, chords and
accompaniment the same way, each kept note forced at its position, while only the melody's instruments may add
notes, and positions between the kept ones (``("varied", …)``): a new melody over the same bass and drums. The
instruments a section rests (an intro's drums) leave its bars'
choices, and the piece's last bar plays on its first position only: one chord, held (``pipeline`` lets it ring
to the end).

Under a chord plan (``Constraints.chords``) with the instruments given, the parts that sound the chords owe notes
where each chord starts, at a bar's first position and at its middle where the chord changes there: the bass one,
the chord instrument two (:meth:`GrammarState._owe_parts`). No position, bar or end may come until they have played,
and while one waits nothing that comes after it in program order may play (instruments at one position come in
program order, as in training). Which notes they play is the pulls' part (``pulls.ChordPull``).

A requested instrument silent for ``Constraints.nudge_after`` whole bars is nudged back in
(:attr:`GrammarState.nudges`): wherever an instrument is chosen (about ten times a bar), the sampler gives its
``Program`` token at least a small probability, which grows with the silence; so it comes back within a bar
or two, and the model decides what it plays. Without the nudge, rare instruments (timpani, celesta,
bassoon…) played only in the last bar, where the rule above forced them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
import torch
from torch import Tensor

from .constants import DEFAULT_NUDGE_AFTER, POSITIONS_PER_BEAT
from .form import rested_programs
from .theory import MAJOR_SCALE, MINOR_SCALE
from .tokenizer import KIND, KINDS, NOTE_STARTS, MusicTokenizer
from .vocabulary import BASS_PROGRAMS, CHORD_PROGRAMS, INNER_PROGRAMS, LOW_PROGRAMS, MELODY_PROGRAMS, PLAYABLE

if TYPE_CHECKING:
    from .theory import Chord

MAX_NOTES_PER_POSITION = 16
MAX_CACHED_MASKS = 4096
# Position, Tempo, Program, Pitch, Velocity, Duration: the most tokens one event can need, plus EOS.
TOKENS_TO_CLOSE = 7
NOTE_ENDS = ("Duration", "VelDur")
NUDGE_PER_BAR = 0.05  # the least probability a nudged Program token gets where an instrument is chosen, per bar ...
MAX_NUDGE = 0.25  # ... up to this
MAX_NUDGED_SHARE = 0.5  # the most that all the nudged instruments get together at one choice
TONIC_LIFT = 2 / 3  # the tonic's logit lift at anchors, per unit of key strength (third and fifth: half)
CENTRE_LIFT = 0.3  # the same on every other note: the key's tonal centre, gently, all through the piece
HELD_MIN_NOTES, HELD_MIN_PITCHED = 3, 2  # the held last chord has at least so many notes, and so many pitched
PHRASE_BARS = 4  # anchors: the first beat of bars 1, 5, 9… (where phrases start), and the whole last bar
CHORD_NOTES = 2  # notes the chord instrument plays where a chord starts (1: accuracy 0.78 instead of 0.82, seed 0)


class NextTokens(NamedTuple):
    """What may come next in one grammar state (shared, read-only: built once per distinct state key)."""

    allowed: np.ndarray  # booleans over the vocabulary
    logits: Tensor  # the same as additive logits: 0 where allowed, -inf elsewhere
    instrument_choice: bool  # a Program may come next: the token picks which instrument plays next, or moves on
    note_starts: Tensor | None  # in such a state, the allowed tokens that play on with the current instrument
    note_columns: Tensor | None  # the same tokens as indices
    pitched: bool  # a pitched note may start next (where a key's pitch lift applies)
    metre_choice: bool = False  # the first bar's metre is the model's to choose (the prompt named none)
    ending: Tensor | None = None  # tokens whose probability goes to EOS instead (moving on, in the held last bar)


class FormRules(Protocol):
    """What a form asks of each bar (``form.FormPlan``); bars are 0-based, ``total_bars`` None until known."""

    def copy_of(self, bar: int, total_bars: int | None) -> int | None: ...

    def variation_of(self, bar: int, total_bars: int | None) -> int | None: ...

    def ends_held(self, bar: int, total_bars: int | None) -> bool: ...

    def fills(self, bar: int, total_bars: int | None) -> bool: ...

    def rests(self, bar: int, total_bars: int | None) -> frozenset[str]: ...

    def starts_section(self, bar: int, total_bars: int | None) -> bool: ...


class ChordPlan(Protocol):
    """The chords a piece follows (``planner.HarmonyPlan``): the chord of each half bar."""

    def chord_at(self, half: int, total_bars: int | None) -> Chord: ...


@dataclass(frozen=True)
class Constraints:
    """What the decoder must obey. ``None`` leaves the choice to the model."""

    bars: int | None = None
    seconds: float | None = None
    time_signature: tuple[int, int] | None = None
    tempo: float | None = None
    programs: tuple[int, ...] | None = None
    without: tuple[int, ...] = ()  # where ``programs`` is None, the instruments the model may not choose
    nudge_after: int = DEFAULT_NUDGE_AFTER  # silent bars before a requested instrument is nudged back in; 0: never
    chords: ChordPlan | None = None  # forces the bars' chord tokens (where the tokenizer has them)
    form: FormRules | None = None  # returning bars replayed, rests, the held last bar


class Grammar:
    """Token tables shared by every decoding row; :meth:`start` makes one row's state."""

    def __init__(self, tokenizer: MusicTokenizer) -> None:
        self.tables = tables = tokenizer.tables
        self.eos_id = tokenizer.eos_id
        self.program_changes = tokenizer.program_changes
        self.drum_durations = tokenizer.drum_durations
        kind = tables.kind
        self.vocab_size = len(kind)
        self.ids = {name: np.flatnonzero(kind == code) for name, code in KIND.items()}
        positions = self.ids["Position"]
        self.position_ids = positions[np.argsort(tables.value[positions])]
        self.program_id = {int(tables.value[i]): int(i) for i in self.ids["Program"]}
        self.time_signature_id = {
            (int(tables.value[i]), int(tables.denominator[i])): int(i) for i in self.ids["TimeSig"]
        }
        self.tempo_ids = self.ids["Tempo"]
        self.has_chords = tokenizer.chords
        self.chord_id = tokenizer.chord_id if tokenizer.chords else None
        self.kind_names = [KINDS[code] for code in kind.tolist()]
        self.values = tables.value.tolist()
        self._masks: dict[tuple, NextTokens] = {}
        self._fused_after: dict[int, list[int]] = {}  # a REMI token → the tokens it is fused with when followed
        for fused in np.flatnonzero((kind == KIND["VelDur"]) | (kind == KIND["DrumVel"])):
            first, second = tokenizer.fused_parts(int(fused))
            self._fused_after.setdefault(first, []).append(second)
        self._drum_starts = np.concatenate([self.ids["PitchDrum"], self.ids["DrumVel"]])
        self._any_note_start = self._mask(np.concatenate([self.ids["Pitch"], self._drum_starts]))
        self._velocity_starts = np.concatenate([self.ids["Velocity"], self.ids["VelDur"]])
        pitch_values = tables.value[self.ids["Pitch"]]
        self.all_pitches = torch.from_numpy(self.ids["Pitch"].astype(np.int64))
        self.out_of_range = {  # program → its Pitch tokens outside what it can play (vocabulary.PLAYABLE)
            program: torch.from_numpy(self.ids["Pitch"][(pitch_values < low) | (pitch_values > high)].astype(np.int64))
            for program, (low, high, _) in PLAYABLE.items()
        }

    def _mask(self, ids) -> np.ndarray:  # noqa: ANN001
        mask = np.zeros(self.vocab_size, dtype=bool)
        mask[ids] = True
        return mask

    def mask_for(self, key: tuple) -> NextTokens:
        """The next tokens allowed in a state key (built once)."""
        masks = self._masks.get(key)
        if masks is None:
            if len(self._masks) >= MAX_CACHED_MASKS:  # ~4 KB each; instrument sets keep adding keys
                self._masks.clear()
            allowed = self._build(key)
            allowed.flags.writeable = False
            additive = torch.zeros(self.vocab_size).masked_fill_(torch.from_numpy(~allowed), float("-inf"))
            choice = key[0] in ("programs", "boundary")
            # Where an instrument is chosen, the only note starts the grammar allows are the current instrument's.
            carrying = allowed & self._any_note_start if choice else None
            note_starts = note_columns = None
            if carrying is not None and carrying.any():
                note_starts, note_columns = torch.from_numpy(carrying), torch.from_numpy(np.flatnonzero(carrying))
            pitched = bool(allowed[self.ids["Pitch"]].any())
            metre_choice = key == ("metre", None)
            ending = self._ending(key)
            masks = self._masks[key] = NextTokens(
                allowed, additive, choice, note_starts, note_columns, pitched, metre_choice, ending
            )
        return masks

    def _ending(self, key: tuple) -> Tensor | None:
        """In the held last bar, after its first position's notes: the later positions, where the model would move
        on. Their probability is the piece's end (else it piles notes on the chord, a bass up to C8)."""
        if key[0] != "boundary" or key[2] != 1 or not key[7]:  # held (one position) and allowed to end
            return None
        return torch.from_numpy(self.position_ids[1:].astype(np.int64))

    def _build(self, key: tuple) -> np.ndarray:
        kind, *fields = key
        if kind == "end":
            return self._mask([self.eos_id])
        if kind == "forced":
            return self._mask([fields[0]])
        if kind == "varied":  # a bar replaying its source's accompaniment under a new melody
            position, next_kept, bar_positions, free, current, must_note, more_notes, may_open_bar, may_end = fields
            mask = self._mask([])
            if more_notes:
                self._allow_instruments(mask, free, current)
            if not must_note:  # not right after a new position of the melody's own
                mask[self.position_ids[position + 1 : next_kept + 1 if next_kept >= 0 else bar_positions]] = True
                mask[self.ids["Bar"]] = next_kept < 0 and may_open_bar
                mask[self.eos_id] = next_kept < 0 and may_end
            if not mask.any():
                mask[self.eos_id] = True
            return mask
        if kind == "close":  # a replayed bar is complete: the next bar, or the end
            may_open_bar, may_end = fields
            return self._mask(([*self.ids["Bar"]] if may_open_bar else []) + ([self.eos_id] if may_end else []))
        if kind == "bar":
            return self._mask(self.ids["Bar"])
        if kind == "metre":
            (chosen,) = fields
            return self._mask([chosen] if chosen is not None else list(self.time_signature_id.values()))
        if kind == "tempo":
            (chosen,) = fields
            return self._mask([chosen] if chosen is not None else self.tempo_ids)
        if kind == "chord":
            (chosen,) = fields
            return self._mask([chosen] if chosen is not None else self.ids["Chord"])
        if kind == "programs":
            mask = self._mask([])
            self._allow_instruments(mask, *fields)
            return mask
        if kind == "pitch":
            return self._mask(self._drum_starts if fields[0] else self.ids["Pitch"])
        if kind == "velocity":
            is_drum, after = fields
            mask = self._mask(self.ids["Velocity"] if is_drum else self._velocity_starts)
            mask[self._fused_after.get(after, [])] = False  # a fused pair is only ever written fused
            return mask
        if kind == "duration":
            mask = self._mask(self.ids["Duration"])
            mask[self._fused_after.get(fields[0], [])] = False
            return mask
        position, bar_positions, more_notes, programs, current, may_open_bar, may_end = fields
        mask = self._mask(self.position_ids[position + 1 : bar_positions])
        if more_notes:
            self._allow_instruments(mask, programs, current)
        if may_open_bar:
            mask[self.ids["Bar"]] = True
        if may_end or not mask.any():
            mask[self.eos_id] = True
        return mask

    def _allow_instruments(self, mask: np.ndarray, programs: tuple[int, ...], current: int | None) -> None:
        """Allow a ``Program`` token naming another instrument, or a note of the ``current`` one (no token)."""
        mask[[p for p in programs if p != current]] = True
        if current is not None:
            mask[self._note_starts(current)] = True

    def _note_starts(self, program_id: int) -> np.ndarray:
        """The tokens that begin a note of the instrument the token ``program_id`` names."""
        return self._drum_starts if self.values[program_id] == -1 else self.ids["Pitch"]

    def scale_bias(self, tonic: int, mode: str, strength: float) -> np.ndarray:
        """A logit bias of ``-strength`` on pitched notes outside the key's scale (minor keeps its leading tone).

        A soft key constraint: the model still chooses, but chromatic notes become rarer.
        """
        steps = MAJOR_SCALE if mode == "major" else MINOR_SCALE
        by_class = np.full(12, -strength)
        by_class[[(tonic + step) % 12 for step in steps]] = 0.0
        bias = np.zeros(self.vocab_size, dtype=np.float32)
        bias[self.ids["Pitch"]] = self._by_pitch_class(by_class)
        return bias

    def tonic_lift(self, tonic: int, mode: str, strength: float) -> np.ndarray:
        """Logit lifts for the tonic chord's notes, per Pitch token (``ids["Pitch"]``), for ``generation.PitchLift``
        (among pitches only): row 0 on any note, ``CENTRE_LIFT · strength`` on the tonic; row 1 at phrase starts
        and in the last bar (``GrammarState.at_anchor``), ``TONIC_LIFT · strength``. The third and fifth get half.

        The scale alone does not say which of its notes is home (C major and A minor share one), so without the
        lift a third of the pieces asked to be in a key sounded in a related one; with it at anchors only, long
        pieces drifted (``benchmarks/key_anchors.py`` measures the variants).
        """
        chord = np.zeros(12)
        chord[[(tonic + 4 if mode == "major" else tonic + 3) % 12, (tonic + 7) % 12]] = 0.5
        chord[tonic % 12] = 1.0
        shares = self._by_pitch_class(chord)
        return np.stack([CENTRE_LIFT * strength * shares, TONIC_LIFT * strength * shares]).astype(np.float32)

    def _by_pitch_class(self, weights: np.ndarray) -> np.ndarray:
        """For each Pitch token (``ids["Pitch"]``, in order), the weight of its pitch class (``weights``: 12, from C)."""
        return weights[self.tables.value[self.ids["Pitch"]] % 12].astype(np.float32)

    def nearest_tempo_id(self, bpm: float) -> int:
        values = self.tables.tempo[self.tempo_ids]
        return int(self.tempo_ids[np.argmin(np.abs(values - bpm))])

    def start(self, constraints: Constraints) -> GrammarState:
        return GrammarState(self, constraints)


class GrammarState:
    """One row's position in the grammar. Call :meth:`allowed`, sample, then :meth:`advance`."""

    def __init__(self, grammar: Grammar, constraints: Constraints) -> None:
        self.g = grammar
        self.c = constraints
        self.last = "BOS"
        self.last_id = -1
        self.bars_done = 0
        self.target_bars: int | None = constraints.bars
        self.bar_positions = 0
        self.position = -1
        self.notes_here = self.pitched_here = 0
        self.pitches_here: dict[int | None, list[int]] = {}  # Program token → the Pitch tokens it started here
        self.chords_in_bar = 0
        self.program = 0
        self.last_pitch: dict[int, int] = {}  # program → the pitch it last started (a melody's previous note)
        self.program_id: int | None = None  # the instrument now playing, as its Program token
        self.time_signature_id: int | None = (
            grammar.time_signature_id[constraints.time_signature] if constraints.time_signature else None
        )
        self.tempo_id: int | None = grammar.nearest_tempo_id(constraints.tempo) if constraints.tempo else None
        self.tempo_emitted = False
        self.finished = False
        if constraints.programs is not None:
            self.program_ids = tuple(sorted({grammar.program_id[p] for p in constraints.programs}))
            self.unused = set(self.program_ids)
            # The bar each requested instrument last played in (0: not yet), where silences are nudged.
            self.heard_in_bar = dict.fromkeys(self.program_ids, 0) if constraints.nudge_after > 0 else {}
        else:
            self.heard_in_bar = {}
            self.unused = set()
            self.program_ids = tuple(sorted(i for p, i in grammar.program_id.items() if p not in constraints.without))
        self.programs_now = self.program_ids
        self.nudges: tuple[tuple[int, float], ...] = ()  # (Program token, least probability) of silent instruments
        # The form's bookkeeping: every bar's tokens and the instrument in force before it (for replays), the bar
        # being replayed, the instruments resting, and whether this bar is the held last one.
        self.played: list[list[int]] = []
        self.program_before: list[int | None] = []
        self.replay: list[int] | None = None
        self.replayed = 0  # tokens of ``replay`` emitted so far
        self.replay_program: int | None = None  # the replayed bar's instrument in force, as its Program token
        # A varied bar: the source's accompaniment as (position, [(Program token, note tokens)]) events, where the
        # next one is, the kept note's tokens still to force, and the instruments whose melody is played afresh.
        self.kept: list[tuple[int, list[tuple[int, list[int]]]]] | None = None
        self.kept_event = self.kept_note = 0
        self.forcing: list[int] = []
        self.free_programs: tuple[int, ...] = ()
        self.resting: frozenset[int] = frozenset()
        self.recalled: set[int] = set()  # instruments back from a rest, nudged at once until they play
        self.held = False
        # Under a chord plan, the parts that sound each chord (``Program`` token → notes each plays where a chord
        # starts: the bass one, the chord instrument two), this bar's positions where they must still play, and
        # how many notes each part has played at the current position.
        self.parts, self.bass_part = self._chord_parts()
        self.owed: list[int] = []
        self.part_notes: dict[int, int] = {}

    # ------------------------------------------------------------------ queries
    @property
    def at_anchor(self) -> bool:
        """On the first beat of a phrase (every ``PHRASE_BARS`` bars) or in the last bar: where a key's tonic chord
        gets its larger lift (``Grammar.tonic_lift``, row 1). Lifting every downbeat so followed the key closely, but
        held the harmony on the tonic chord (``benchmarks/key_anchors.py``: a quarter fewer distinct lowest notes
        on downbeats)."""
        return (self.position == 0 and (self.bars_done - 1) % PHRASE_BARS == 0) or self._may_end()

    @property
    def bar(self) -> int:
        """The bar being played, 0-based."""
        return max(self.bars_done, 1) - 1

    @property
    def filling(self) -> bool:
        """On the last beat of a bar before a new section (or of a loop's last bar): where drums fill."""
        form, length = self.c.form, self.bar_positions
        on_last_beat = length > 0 and self.position >= length - POSITIONS_PER_BEAT
        return form is not None and on_last_beat and self.replay is None and form.fills(self.bar, self.target_bars)

    @property
    def section_downbeat(self) -> bool:
        """On the first beat of a section after the first, or of the held last bar: where a crash cymbal marks the
        arrival."""
        form = self.c.form
        if form is None or self.position != 0 or self.replay is not None:
            return False
        return self.held or form.starts_section(self.bar, self.target_bars)

    def _may_open_bar(self) -> bool:
        return self.target_bars is None or self.bars_done < self.target_bars

    def _may_end(self) -> bool:
        return self.target_bars is not None and self.bars_done >= self.target_bars

    def _update_programs_now(self) -> None:
        """Requested instruments not heard yet become the only choice in the last bar; elsewhere those not resting."""
        if self.unused and self._may_end():
            self.programs_now = tuple(sorted(self.unused))
        else:
            self.programs_now = tuple(p for p in self.program_ids if p not in self.resting)

    def next_tokens(self, tokens_left: int) -> NextTokens:
        """What may come next, with ``tokens_left`` tokens of budget (EOS is forced near the end)."""
        return self.g.mask_for(self._key(tokens_left))

    def unplayable(self) -> Tensor | None:
        """The tokens that would have an instrument play what it cannot, where the next token is not forced: for the
        instrument now playing, pitches beyond its range, one it already started at this position (heard once, shown
        twice in a DAW), or any once it has started as many notes here as it can at once (``vocabulary.PLAYABLE``: a
        violin's triple stop, a flute's one note); the ``Program`` token of another that has. The sampler leaves them
        out where something else may come. Without this, a part made to play where a chord starts
        (``_owe_parts``) piled notes up: a violin's fourteen-note cluster, a viola up to C8.

        Not rules of the grammar: real music has unisons in one track and notes beyond these ranges, and files with
        them are read as they are.
        """
        if self.replay is not None and (self.replayed < len(self.replay) or self.forcing):
            return None
        values = self.g.values
        full = [
            p
            for p, pitches in self.pitches_here.items()
            if p != self.program_id and len(pitches) >= PLAYABLE[values[p]][2]
        ]
        if self.program_id is None or self.program == -1:
            return torch.tensor(full, dtype=torch.int64) if full else None
        here = self.pitches_here.get(self.program_id, ())
        if len(here) >= PLAYABLE[self.program][2]:
            return torch.cat([self.g.all_pitches, torch.tensor(full, dtype=torch.int64)])
        beyond = self.g.out_of_range[self.program]  # (most steps: nothing else, so no new tensor on the hot path)
        return torch.cat([beyond, torch.tensor([*here, *full], dtype=torch.int64)]) if here or full else beyond

    def allowed(self, tokens_left: int) -> np.ndarray:
        """Read-only boolean mask over the vocabulary of the tokens that may come next."""
        return self.next_tokens(tokens_left).allowed

    def _continuing(self) -> int | None:
        """The Program token of the instrument that may play on without a new ``Program`` token, if any."""
        current = self.program_id
        if not self.g.program_changes or current is None or current not in self.programs_now:
            return None
        return current

    def _note_ended(self) -> bool:
        last = self.last
        if last in NOTE_ENDS:
            return True
        drum_done = self.program == -1 and not self.g.drum_durations
        return drum_done and (last == "DrumVel" or last == "Velocity")

    def _key(self, tokens_left: int) -> tuple:
        """Everything the next-token mask depends on; masks are built once per distinct key."""
        if self.finished:
            return ("end",)
        if self.replay is not None:
            if self.replayed < len(self.replay):
                return ("forced", self._replay_next())
            if self.kept is not None:
                return self._varied_key()
            return ("close", self._may_open_bar(), self._may_end() and not self.unused)
        last = self.last
        if last == "BOS":
            return ("bar",)
        if last == "Bar":
            return ("metre", self.time_signature_id)
        if self.g.has_chords and (last == "TimeSig" or (last == "Chord" and self.chords_in_bar < 2)):
            return ("chord", self._planned_chord())
        if last == "Position" and not self.tempo_emitted:
            return ("tempo", self.tempo_id)
        if last in ("Position", "Tempo"):
            return ("programs", *self._instruments_here())
        if last == "Program":
            return ("pitch", self.program == -1)
        if last in ("Pitch", "PitchDrum"):
            return ("velocity", last == "PitchDrum", self.last_id if last == "PitchDrum" else None)
        note_ended = self._note_ended()
        if not note_ended and last in ("Velocity", "DrumVel"):
            return ("duration", self.last_id if last == "Velocity" and self.program != -1 else None)
        if tokens_left < TOKENS_TO_CLOSE:
            return ("end",)
        more_notes = note_ended and self.notes_here < MAX_NOTES_PER_POSITION
        may_end = self._may_end() and not self.unused and (not self.held or self._chord_held())
        limit = min(self.bar_positions, 1) if self.held else self.bar_positions  # the held last bar: its first position
        may_open_bar = self._may_open_bar()
        if self._owed_here(more_notes) is not None:  # a part still has to play at ``self.owed[0]``: not past it
            limit, may_open_bar, may_end = min(limit, self.owed[0] + 1), False, False
        return ("boundary", self.position, limit, more_notes, *self._instruments_here(), may_open_bar, may_end)

    def _instruments_here(self) -> tuple[tuple[int, ...], int | None]:
        """The instruments that may play next (``Program`` tokens) and the one that may play on without a
        ``Program`` token. Where parts owe notes at this position, nothing that comes after the first of them in
        program order (see :meth:`_parts_to_come`); a chord instrument that has begun its chord here goes on."""
        programs, continuing = self.programs_now, self._continuing()
        waiting = self._parts_to_come() if self.owed and self.position == self.owed[0] else []
        if not waiting:
            return programs, continuing
        values = self.g.values
        first = min(waiting, key=lambda part: values[part])
        if first == self.program_id and self.part_notes.get(first):  # (a Program token again where every note has one)
            return ((), continuing) if continuing == first else ((first,), None)
        owed_notes = sum(self.parts[part] - self.part_notes.get(part, 0) for part in waiting)
        if MAX_NOTES_PER_POSITION - self.notes_here <= owed_notes:  # room left only for the parts' notes
            return ((first,), None) if first != continuing else ((), continuing)
        programs = tuple(p for p in programs if values[p] <= values[first])
        if continuing is not None and values[continuing] > values[first]:
            continuing = None
        return programs, continuing

    def _owed_here(self, more_notes: bool) -> int | None:
        """The next position of this bar where a part must still play (see :meth:`_owe_parts`), if it still can."""
        if not self.owed:
            return None
        owed = self.owed[0]
        if self.position > owed or (self.position == owed and not more_notes):
            return None  # past it, or no note may be added here (a crowded position): the obligation lapses
        if not any(part in self.programs_now for part in self.parts):
            return None  # the parts may not play here (the last bar, kept for instruments not yet heard)
        if self.position == owed and not self._parts_to_come():
            return None
        return owed

    def _parts_to_come(self) -> list[int]:
        """The parts that still owe notes at this position and may still play here: at one position instruments
        come in the order of their program numbers (drums first), as in training, so a part with a lower number than
        the instrument now playing has missed its turn (asked to come back, the bass piled up notes instead). A part
        that may not play here (the last bar keeps to instruments not yet heard) owes nothing."""
        values, now = self.g.values, self.program if self.notes_here else -2
        return [
            part
            for part, notes in self.parts.items()
            if self.part_notes.get(part, 0) < notes
            and (values[part] > now or part == self.program_id)
            and part in self.programs_now
        ]

    def _planned_chord(self) -> int | None:
        """The chord token the plan forces next (None: the model's choice)."""
        if self.c.chords is None:
            return None
        half = 2 * (self.bars_done - 1) + self.chords_in_bar
        return self.g.chord_id(self.c.chords.chord_at(half, self.target_bars))

    def take_forced(self, limit: int) -> list[int]:
        """Advance through the forced tokens that come next (a replayed bar's, at most ``limit``); those tokens."""
        taken: list[int] = []
        while len(taken) < limit:
            key = self._key(TOKENS_TO_CLOSE)
            if key[0] != "forced":
                break
            self.advance(key[1])
            taken.append(key[1])
        return taken

    def _varied_key(self) -> tuple:
        """In a varied bar: the kept note being forced, a melody note's own tokens, or at a boundary the melody's
        instruments and the positions up to the next kept note (the bar closes after the last one)."""
        if self.forcing:
            return ("forced", self.forcing[0])
        last = self.last
        if last == "Program":
            return ("pitch", self.program == -1)
        if last in ("Pitch", "PitchDrum"):
            return ("velocity", last == "PitchDrum", self.last_id if last == "PitchDrum" else None)
        if not self._note_ended() and last in ("Velocity", "DrumVel"):
            return ("duration", self.last_id if last == "Velocity" and self.program != -1 else None)
        next_kept = self.kept[self.kept_event][0] if self.kept_event < len(self.kept) else -1
        current = self.program_id if self.g.program_changes and self.program_id in self.free_programs else None
        return (
            "varied",
            self.position,
            next_kept,
            self.bar_positions,
            self.free_programs,
            current,
            last == "Position",
            self.notes_here < MAX_NOTES_PER_POSITION,
            self._may_open_bar(),
            self._may_end() and not self.unused,
        )

    def _queue_kept_note(self) -> None:
        """At a kept note's position, between notes: force it next (its ``Program`` first where another is in
        force, or where every note names its instrument)."""
        if self.forcing or self.kept is None or self.replayed < len(self.replay):
            return
        if self.last != "Position" and not self._note_ended():
            return
        if self.kept_event < len(self.kept) and self.kept[self.kept_event][0] == self.position:
            notes = self.kept[self.kept_event][1]
            program, tokens = notes[self.kept_note]
            named = not self.g.program_changes or self.program_id != program
            self.forcing = ([program] if named else []) + list(tokens)
            self.kept_note += 1
            if self.kept_note == len(notes):
                self.kept_event, self.kept_note = self.kept_event + 1, 0

    def _chord_held(self) -> bool:
        """The held last bar has its chord: ``HELD_MIN_NOTES`` notes, ``HELD_MIN_PITCHED`` of them pitched where a
        pitched instrument may play (else a drum hit alone ended some pieces)."""
        pitched_possible = any(self.g.values[p] != -1 for p in self.programs_now)
        return self.notes_here >= HELD_MIN_NOTES and (self.pitched_here >= HELD_MIN_PITCHED or not pitched_possible)

    def _replay_next(self) -> int:
        """The next token of the bar being replayed: its own, or the ``Program`` token of the instrument its next
        note belongs to, where that differs from the one now in force (the copy follows other notes than the
        original did)."""
        token = self.replay[self.replayed]
        if self.g.kind_names[token] in NOTE_STARTS and self.program_id != self.replay_program:
            return self.replay_program
        return token

    # ------------------------------------------------------------------ transitions
    def read(self, tokens: list[int]) -> None:
        """Advance through the start of a piece someone else wrote (a file being continued, ``continuation.py``):
        its tokens are taken as they are, then what the constraints force holds again for the bars to come (the
        metre asked for, where the file's own differed)."""
        for token in tokens:
            self.advance(token)
        if self.c.time_signature:
            self.time_signature_id = self.g.time_signature_id[self.c.time_signature]

    def advance(self, token_id: int) -> None:
        g = self.g
        if token_id == g.eos_id:
            self.finished = True
            return
        name = g.kind_names[token_id]
        value = g.values[token_id]
        self.last_id = token_id
        if self.c.form is not None:
            self._follow_form(token_id, name)
        if name == "Bar":
            self.bars_done += 1
            self.position = -1
            self.notes_here = self.pitched_here = 0
            self.pitches_here = {}
            self.chords_in_bar = 0
            self._enter_bar()
            self._update_programs_now()
            self._update_nudges()
        elif name == "TimeSig":
            self.time_signature_id = token_id
            self.bar_positions = value * POSITIONS_PER_BEAT
            self._update_target_bars()
            self._owe_parts()
        elif name == "Chord":
            self.chords_in_bar += 1
        elif name == "Position":
            self.position = value
            self.notes_here = self.pitched_here = 0
            self.pitches_here, self.part_notes = {}, {}
        elif name == "Tempo":
            self.tempo_emitted = True
            self.tempo_id = token_id
            self._update_target_bars()
        elif name in NOTE_STARTS:
            self.notes_here += 1
            if self.program_id in self.parts:
                self._part_played()
            if name == "Pitch":
                self.last_pitch[self.program] = int(value)
                self.pitched_here += 1
                self.pitches_here.setdefault(self.program_id, []).append(token_id)
            if self.program_id in self.heard_in_bar:
                self.heard_in_bar[self.program_id] = self.bars_done
                self.recalled.discard(self.program_id)
                if self.nudges:
                    self._update_nudges()
        elif name == "Program":
            self.program = value
            self.program_id = token_id
            if token_id in self.unused:
                self.unused.discard(token_id)
                self._update_programs_now()
        self.last = name
        if self.kept is not None:
            self._queue_kept_note()

    def _follow_form(self, token_id: int, name: str) -> None:
        """Record the token in its bar (a replay's source); step through the bar being replayed."""
        if name == "Bar":
            self.played.append([])
            self.program_before.append(self.program_id)
        elif self.played and name != "Tempo":  # the tempo is said once, in the first bar: never replayed
            self.played[-1].append(token_id)
        if self.forcing and token_id == self.forcing[0]:
            self.forcing.pop(0)
        elif self.replay is not None and self.replayed < len(self.replay):
            if token_id == self.replay[self.replayed]:
                self.replayed += 1
                if name == "Program":
                    self.replay_program = token_id
            self._skip_replayed_programs(token_id if name == "Program" else self.program_id)

    def _skip_replayed_programs(self, current: int | None) -> None:
        """Pass over the replayed bar's ``Program`` tokens that name the instrument already in force (with
        ``Program`` tokens only at changes, writing one again is not allowed)."""
        replay = self.replay
        while (
            self.g.program_changes
            and self.replayed < len(replay)
            and self.g.kind_names[replay[self.replayed]] == "Program"
            and replay[self.replayed] == current
        ):
            self.replay_program = current
            self.replayed += 1

    def _enter_bar(self) -> None:
        self.replay, self.kept, self.forcing = None, None, []
        if self.c.form is not None:
            self._bar_rules()

    def _bar_rules(self, replaying: bool = True) -> None:
        """What the form asks of the bar just opened: rests, a replay of an earlier bar, the held ending."""
        form, bar, total = self.c.form, self.bar, self.target_bars
        values = self.g.values
        rested = rested_programs(frozenset(values[p] for p in self.program_ids), form.rests(bar, total))
        resting = frozenset(p for p in self.program_ids if values[p] in rested)
        self.recalled |= (self.resting - resting) & set(self.heard_in_bar)
        self.resting = resting
        for program_id in self.resting & set(self.heard_in_bar):  # a rest asked for is not a silence to nudge
            self.heard_in_bar[program_id] = self.bars_done
        self._update_nudges()  # this bar's, which say what a replay must not keep out
        source = form.copy_of(bar, total) if replaying else None
        if source is not None and self._replayable(source):
            self.replay, self.replayed = self.played[source], 0
            self.replay_program = self.program_before[source]
            self._skip_replayed_programs(self.program_id)
        varied = form.variation_of(bar, total) if replaying and source is None else None
        if varied is not None and self._replayable(varied):
            self._start_variation(varied)
        self.held = form.ends_held(bar, total)
        self._update_programs_now()

    def _replayable(self, source: int) -> bool:
        """Whether bar ``source`` may be replayed here: it is complete, and every requested instrument silent long
        enough to be nudged back (not resting here) plays in it; else the bar is played afresh and the nudge
        brings the instrument back, which a replay would keep out."""
        if source >= len(self.played) - 1:
            return False
        silent = {program_id for program_id, _ in self.nudges if program_id not in self.resting}
        if not silent:
            return True
        playing = {t for t in self.played[source] if self.g.kind_names[t] == "Program"}
        playing.add(self.program_before[source])
        return silent <= playing

    def _start_variation(self, source: int) -> None:
        """Replay bar ``source``'s header (metre, chords) and accompaniment; its melody instruments play anew. A bar
        with nothing to keep, or no melody to vary, is played afresh."""
        tokens = self.played[source]
        names = self.g.kind_names
        body = next((i for i, t in enumerate(tokens) if names[t] == "Position"), len(tokens))
        groups: list[tuple[int, int, list[int]]] = []  # (position, Program token, note tokens)
        position, program = -1, self.program_before[source]
        for token in tokens[body:]:
            name = names[token]
            if name == "Position":
                position = self.g.values[token]
            elif name == "Program":
                program = token
            elif name in NOTE_STARTS:
                groups.append((position, program, [token]))
            elif groups and program is not None:
                groups[-1][2].append(token)
        melody = self._melody_of(groups)
        kept = [(pos, program, notes) for pos, program, notes in groups if program not in melody]
        if not melody or not kept or any(program is None for _, program, _ in kept):
            return
        events: list[tuple[int, list[tuple[int, list[int]]]]] = []
        for pos, program, notes in kept:
            if not events or events[-1][0] != pos:
                events.append((pos, []))
            events[-1][1].append((program, notes))
        self.replay, self.replayed, self.replay_program = tokens[:body], 0, self.program_before[source]
        self.kept, self.kept_event, self.kept_note, self.forcing = events, 0, 0, []
        self.free_programs = tuple(sorted(melody))

    def _melody_of(self, groups: list[tuple[int, int, list[int]]]) -> frozenset[int]:
        """The Program tokens of a bar's melody: its melody instruments (``vocabulary.MELODY_PROGRAMS``), else the
        pitched instrument with the highest mean pitch, where another instrument plays too."""
        values = self.g.values
        programs = {program for _, program, _ in groups if program is not None}
        melody = frozenset(p for p in programs if values[p] in MELODY_PROGRAMS)
        if melody or len(programs) < 2:
            return melody
        pitches: dict[int, list[int]] = {}
        for _, program, notes in groups:
            if values[program] != -1 and self.g.kind_names[notes[0]] == "Pitch":
                pitches.setdefault(program, []).append(values[notes[0]])
        if not pitches:
            return frozenset()
        return frozenset({max(pitches, key=lambda p: sum(pitches[p]) / len(pitches[p]))})

    def _chord_parts(self) -> tuple[dict[int, int], int | None]:
        """Under a chord plan, the requested parts that sound each chord where it starts, as ``Program`` token →
        notes, and which of them is the bass: the bass (one note: a bass instrument, else in an ensemble a low one,
        ``vocabulary.LOW_PROGRAMS``) and the chord instrument (two; ``vocabulary.CHORD_PROGRAMS``, the first family
        there that was asked for; else an inner voice, ``INNER_PROGRAMS``, one note)."""
        if self.c.chords is None or self.c.programs is None:
            return {}, None
        ensemble = len([p for p in self.c.programs if p != -1]) > 1  # a solo cello plays its tune, not a bass line
        bass = self._first_asked((BASS_PROGRAMS, *(LOW_PROGRAMS if ensemble else ())))
        chord = self._first_asked(CHORD_PROGRAMS)
        parts = {bass: 1} if bass is not None else {}
        if chord is not None:
            parts[chord] = CHORD_NOTES
        elif (inner := self._first_asked((INNER_PROGRAMS,))) is not None:
            parts[inner] = 1
        return parts, bass

    def _first_asked(self, families: tuple[frozenset[int], ...]) -> int | None:
        """The ``Program`` token of the requested instrument (lowest program number) of the first family that has one."""
        for family in families:
            chosen = sorted(p for p in self.c.programs if p in family)
            if chosen:
                return self.g.program_id[chosen[0]]
        return None

    @property
    def bass_voice(self) -> bool:
        """Whether the next pitch is the chord's bass: the bass part's note, or where no bass part plays, the chord
        instrument's first note at a position (an instrument's notes at one position come lowest first). Without
        parts (no plan, or instruments left to the model): any bass instrument's."""
        if not self.parts:
            return self.program in BASS_PROGRAMS
        if self.bass_part is not None:
            return self.program_id == self.bass_part
        return self.program_id in self.parts and not self.part_notes.get(self.program_id)

    def _owe_parts(self) -> None:
        """Where the chord's parts must play in the bar just opened: its first position, and its middle where the
        plan's chord changes there (in a bar of an even number of beats), unless the bar is replayed or a part rests.

        A chord is heard from its bass and its chord instrument: left free, the model let the bass sit out whole
        bars of a progression and the piano play a single line, and the chord heard was often another one (a plan
        of Am F C G heard as C, or as nothing). Which notes they play is the pulls' part (``pulls.ChordPull``: the
        chord's lowest note in the bass on strong beats, chord tones above).
        """
        self.owed = []
        if not self.parts or self.replay is not None or self.resting & set(self.parts):
            return
        self.owed = [0]
        beats, bar, plan = self.bar_positions // POSITIONS_PER_BEAT, self.bar, self.c.chords
        changes = plan.chord_at(2 * bar + 1, self.target_bars) != plan.chord_at(2 * bar, self.target_bars)
        if not self.held and beats % 2 == 0 and changes:
            self.owed.append(self.bar_positions // 2)

    def _part_played(self) -> None:
        """Count a part's note at this position; the position's obligation is met once every part has played."""
        self.part_notes[self.program_id] = self.part_notes.get(self.program_id, 0) + 1
        if self.owed and self.position == self.owed[0] and not self._parts_to_come():
            self.owed.pop(0)

    def _update_nudges(self) -> None:
        """The requested instruments silent for ``nudge_after`` whole bars or more, with their least probability."""
        nudges = []
        for program_id, heard in self.heard_in_bar.items():
            beyond = self.bars_done - 1 - heard - self.c.nudge_after  # silent whole bars beyond the quiet ones
            if program_id in self.recalled:
                nudges.append((program_id, MAX_NUDGE))
            elif beyond >= 0:
                nudges.append((program_id, min(NUDGE_PER_BAR * (beyond + 1), MAX_NUDGE)))
        self.nudges = tuple(nudges)

    def _update_target_bars(self) -> None:
        """With a length in seconds, the bar count follows once tempo and metre are known."""
        if self.c.bars is not None or self.c.seconds is None or self.tempo_id is None:
            return
        bar = self.bar_seconds(self.c.tempo or float(self.g.tables.tempo[self.tempo_id]))
        if bar is not None:
            known = self.target_bars is not None
            self.target_bars = max(1, math.ceil(self.c.seconds / bar - 1e-6))
            self._update_programs_now()
            if not known and self.c.form is not None:  # the length just became known: the form's rules for this bar
                self._bar_rules(replaying=False)

    def bar_seconds(self, bpm: float) -> float | None:
        """Seconds per bar of the metre in force at ``bpm`` quarter notes per minute (None before a metre)."""
        if self.time_signature_id is None:
            return None
        numerator = int(self.g.tables.value[self.time_signature_id])
        denominator = int(self.g.tables.denominator[self.time_signature_id])
        return numerator * (4 / denominator) * 60 / bpm

    def seconds_at(self, bpm: float) -> float | None:
        """Length of the bars generated so far at ``bpm`` quarter notes per minute."""
        bar = self.bar_seconds(bpm)
        return None if bar is None else self.bars_done * bar

    @property
    def tempo_bpm(self) -> float | None:
        return float(self.g.tables.tempo[self.tempo_id]) if self.tempo_id is not None else None


def with_one_tempo(ids: list[int], grammar: Grammar, tempo: float) -> list[int] | None:
    """``ids`` with the grammar's one ``Tempo`` token (the nearest to ``tempo``) at the first position, and no other;
    None when nothing is played. A position left empty by a removed tempo token (a piece that starts after the
    downbeat) goes too."""
    kind = grammar.tables.kind
    tempo_kind, position_kind, bar_kind = KIND["Tempo"], KIND["Position"], KIND["Bar"]
    without_tempo = [i for i in ids if kind[i] != tempo_kind]
    body = [
        token
        for n, token in enumerate(without_tempo)
        if not (
            kind[token] == position_kind
            and (n + 1 == len(without_tempo) or kind[without_tempo[n + 1]] in (position_kind, bar_kind))
        )
    ]
    first_position = next((n for n, i in enumerate(body) if kind[i] == position_kind), None)
    if first_position is None:
        return None
    body.insert(first_position + 1, grammar.nearest_tempo_id(tempo))
    return body


def first_misfit(tokens: list[int], state: GrammarState) -> int | None:
    """Advance ``state`` through ``tokens``; the index of the first one the grammar does not allow where it stands
    (None: they all fit)."""
    for n, token in enumerate(tokens):
        if not state.allowed(len(tokens) - n + TOKENS_TO_CLOSE + 3)[token]:
            return n
        state.advance(token)
    return None
