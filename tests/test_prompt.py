import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.prompt import (
    AttributeOverrides,
    parse_instruments,
    parse_key,
    parse_prompt,
    parse_tempo,
    parse_time_signature,
)
from musicgen_symbolic.vocabulary import DRUMS, Key

D_MINOR, A_MINOR = Key(2, "minor"), Key(9, "minor")

# (prompt, expected subset of attributes)
PHRASINGS = [
    (
        "a calm lo-fi piece in D minor at 80 bpm with electric piano, bass and drums",
        dict(tempo=80, key=D_MINOR, instruments=(DRUMS, 4, 33), genre="lo-fi", mood="calm"),
    ),
    (
        "Upbeat pop song, 120 BPM, C major, piano and drums",
        dict(tempo=120, key=Key(0, "major"), instruments=(DRUMS, 0)),
    ),
    (
        "jazz trio in Bb with upright bass, piano and drums",
        dict(key=Key(10, "major"), instruments=(DRUMS, 0, 32), genre="jazz"),
    ),
    ("a waltz in F#m", dict(key=Key(6, "minor"), time_signature=(3, 4), genre="waltz")),
    ("sad piano ballad in a minor", dict(key=A_MINOR, instruments=(0,), genre="ballad", mood="sad")),
    ("Allegro in E flat major for string quartet", dict(tempo=130, key=Key(3, "major"), instruments=(40, 41, 42))),
    ("Adagio for strings", dict(tempo=70, instruments=(48,))),
    ("Andante, cello and harp", dict(tempo=90, instruments=(42, 46))),
    ("Presto violin showpiece", dict(tempo=180, instruments=(40,))),
    ("Largo for church organ", dict(tempo=50, instruments=(19,))),
    ("a slow dreamy ambient track with synth pad", dict(tempo=70, instruments=(89,), genre="ambient", mood="dreamy")),
    ("fast metal riff with distorted guitar and drums", dict(tempo=150, instruments=(DRUMS, 30), genre="metal")),
    ("6/8 folk jig on fiddle", dict(time_signature=(6, 8), instruments=(40,), genre="folk")),
    ("a march in 2/4 for brass", dict(time_signature=(2, 4), instruments=(61,), genre="march")),
    ("something in 5/4 with vibraphone", dict(time_signature=(5, 4), instruments=(11,))),
    ("7/8 groove with bass", dict(time_signature=(7, 8), instruments=(DRUMS, 33))),
    ("16 bars of bossa nova on nylon guitar and flute", dict(bars=16, genre="bossa nova", instruments=(24, 73))),
    ("a 30 second hip hop beat", dict(seconds=30, genre="hip-hop", instruments=(DRUMS,))),
    ("one minute of happy reggae", dict(seconds=60, genre="reggae", mood="happy")),
    ("two minutes of techno", dict(seconds=120, genre="techno")),
    ("in the key of G major, 4/4, 100 bpm", dict(key=Key(7, "major"), time_signature=(4, 4), tempo=100)),
    ("key: E minor, tempo 140", dict(key=Key(4, "minor"), tempo=140)),
    ("Ebm trap beat with 808", dict(key=Key(3, "minor"), genre="hip-hop", instruments=(DRUMS,))),
    ("Am chill synthwave with synth bass and pads", dict(key=A_MINOR, instruments=(38, 89), genre="electronic")),
    ("C# minor nocturne for solo piano", dict(key=Key(1, "minor"), instruments=(0,))),
    (
        "a dark cinematic cue with timpani, french horn and strings",
        dict(instruments=(47, 48, 60), genre="cinematic", mood="dark"),
    ),
    ("epic orchestral piece in D", dict(key=Key(2, "major"), genre="classical", mood="epic")),
    ("funky bass and clavinet jam at 105 bpm", dict(tempo=105, instruments=(7, 33), genre="funk")),
    ("melancholic waltz for accordion in G minor", dict(key=Key(7, "minor"), instruments=(21,), time_signature=(3, 4))),
    (
        "blues shuffle in E with harmonica and electric guitar",
        dict(key=Key(4, "major"), instruments=(22, 27), genre="blues"),
    ),
    ("country tune with banjo and fiddle, 8 bars", dict(instruments=(40, 105), genre="country", bars=8)),
    (
        "uplifting EDM anthem at 128bpm with synth lead",
        dict(tempo=128, instruments=(81,), genre="edm", mood="uplifting"),
    ),
    ("peaceful flute and marimba duet", dict(instruments=(12, 73), mood="peaceful")),
    ("romantic saxophone ballad, Db major", dict(key=Key(1, "major"), instruments=(65,), mood="romantic")),
    ("a tense soundtrack in B flat minor, 90 beats per minute", dict(key=Key(10, "minor"), tempo=90, mood="tense")),
    (
        "mysterious music box melody in three-four time",
        dict(instruments=(10,), time_signature=(3, 4), mood="mysterious"),
    ),
    ("happy kalimba tune at tempo 110", dict(instruments=(108,), tempo=110, mood="happy")),
    (
        "disco groove with strings, bass and drums, 12 measures",
        dict(bars=12, genre="disco", instruments=(DRUMS, 33, 48)),
    ),
    ("moderato chorale for choir", dict(tempo=110, genre="chorale", instruments=(52,))),
    ("a gentle lullaby on celesta and glockenspiel", dict(instruments=(8, 9), mood="calm")),
    (
        "energetic rock with rhodes, bass guitar, drum kit",
        dict(instruments=(DRUMS, 4, 33), genre="rock", mood="energetic"),
    ),
    ("an upbeat tune in a calm mood", dict(key=None, mood="energetic")),
    (
        "trumpet and trombone in F major, 90s hip-hop feel",
        dict(key=Key(5, "major"), instruments=(56, 57), seconds=None),
    ),
    # A bass clarinet is a clarinet, not a clarinet and a bass guitar; a kick drum is the drum kit.
    ("jazz with bass clarinet and piano", dict(instruments=(0, 71), genre="jazz")),
    ("kick drum and bass at 95", dict(instruments=(DRUMS, 33), tempo=95)),
    ("a K-pop song with synth and drums", dict(genre="pop", instruments=(DRUMS, 81))),
    ("dreamy synth-pop", dict(genre="pop", mood="dreamy")),
    # A bare number after "at" is a tempo when it can be one.
    ("a rock song at 160 with guitar and drums", dict(tempo=160, genre="rock")),
    ("music at 300 with piano", dict(tempo=None, instruments=(0,))),
    ("a piece at 90% volume", dict(tempo=None)),
    ("at 3 minutes long", dict(tempo=None, seconds=180)),
    # A negated tempo word asks for a moderate tempo, a negated mood for none; excluded instruments are left out.
    ("a ballad, not too fast, with piano", dict(tempo=105, genre="ballad", instruments=(0,))),
    ("a fast song, not slow", dict(tempo=150)),
    ("not sad but not too happy either, piano", dict(mood=None)),
    ("a piano piece without drums", dict(instruments=(0,))),
    ("solo piano, no drums, not too dark", dict(instruments=(0,), mood=None)),
    ("jazz without drums or bass, piano and sax", dict(instruments=(0, 65))),
    ("a song with no piano and with bass and drums", dict(instruments=(DRUMS, 33))),
    ("a jazz piece without drums", dict(instruments=None, without=(DRUMS,), genre="jazz")),
    ("neither piano nor drums, just strings", dict(instruments=(48,), without=(DRUMS, *range(8)))),
    ("a rock song without guitar", dict(instruments=None, without=tuple(range(24, 32)))),  # every guitar
    ("electric piano, no grand piano", dict(instruments=(4,), without=(0, 1, 2, 3, 5, 6, 7))),
    ("without drums, bass or piano", dict(instruments=None, without=(DRUMS, *range(8), *range(32, 40)))),
    ("without drums and bass", dict(instruments=None, without=(DRUMS, *range(32, 40)))),
    ("no drums or even bass", dict(instruments=None, without=(DRUMS, *range(32, 40)))),
    ("no drums, piano and bass", dict(instruments=(0, 33), without=(DRUMS,))),  # "no" takes one name, or an "or"
    ("don't use drums, piano only", dict(instruments=(0,), without=(DRUMS,))),  # a comma alone starts a new list
    ("I don't want drums", dict(instruments=None, without=(DRUMS,))),
    ("not just piano but also strings", dict(instruments=(0, 48), without=None)),
    ("nothing except piano and strings", dict(instruments=(0, 48), without=None)),
    ("no instruments except for piano", dict(instruments=(0,), without=None)),
    ("a band with every instrument except drums", dict(instruments=None, without=(DRUMS,))),
    ("rock, all instruments other than guitar or bass", dict(instruments=None, without=(*range(24, 40),))),
    ("no violins, cellos or violas, piano", dict(instruments=(0,), without=(40, 41, 42, 43, 44, 45, 48, 49, 50, 51))),
    ("no vocals", dict(without=(52, 53, 54))),  # kinds, not General MIDI families: string ensembles stay
    ("a fast rock song with no guitar solo but drums", dict(instruments=(DRUMS, 27), without=None)),
    ("edm, no bass drop", dict(instruments=(38,), without=None)),
    ("no piano intro, strings and brass", dict(instruments=(0, 48, 61), without=None)),
    # How an instrument should not play neither asks for it nor leaves it out
    ("piano and bass, without the bass overpowering the vocals", dict(instruments=(0, 33), without=None)),
    ("lofi without drums playing too loud", dict(instruments=None, without=None)),
    ("a piano ballad without the strings drowning it out", dict(instruments=(0,), without=None)),
    ("rock song without the guitar getting too distorted", dict(instruments=None, without=None)),
    ("piano, without the bass or drums overpowering the vocals", dict(instruments=(0,), without=None)),
    ("without drums, bass and pads drowning the melody, solo piano", dict(instruments=(0,), without=None)),
    ("folk without drums, bass too busy", dict(instruments=(33,), without=(DRUMS,))),
    # A voice the music goes with is not one it has
    ("lofi without the bass overpowering the vocals", dict(instruments=None, without=None)),
    ("a backing track for my vocals, acoustic guitar", dict(instruments=(25,))),
    ("piano to go under the vocals", dict(instruments=(0,))),
    ("leave space for vocals, drums and bass", dict(instruments=(DRUMS, 33))),
    ("strings that don't compete with the vocals", dict(instruments=(48,))),
    ("a tune that supports the singer's voice, guitar", dict(instruments=(25,))),
    ("soft female vocals over piano", dict(instruments=(0, 53))),
    ("a pop song, her vocals soaring over synths", dict(instruments=(53, 81))),  # the piece's own singer
    ("a ballad for her voice and piano", dict(instruments=(0, 53))),
    ("piano and voice", dict(instruments=(0, 53))),
    # "so much as", "let alone", "not even" carry a negation on
    ("lofi without drums so much as a shaker", dict(instruments=None, without=(DRUMS,))),
    ("it's not rock so much as blues", dict(genre="blues")),  # "not X so much as Y": Y is what is asked for
    ("not sad so much as melancholic", dict(mood="melancholic")),
    ("no drums, let alone a shaker, piano", dict(instruments=(0,), without=(DRUMS,))),
    ("no guitars, not even an acoustic guitar, piano", dict(instruments=(0,), without=(*range(24, 32),))),
    ("a sad tune the pianist plays slowly", dict(tempo=70)),
    ("slowly building ambient pads", dict(tempo=None)),
    ("not sad or dark", dict(mood=None)),
    ("not rock or jazz, something calm", dict(genre=None, mood="calm")),
    ("a rock song, not a waltz", dict(genre="rock", time_signature=None)),
    ("not a waltz, a march", dict(genre="march", time_signature=(2, 4))),
    ("a rock song at 160.", dict(tempo=160)),
    ("at around 120 with drums", dict(tempo=120)),
    ("at 90s vibes", dict(tempo=None)),
    ("a record at 45 rpm", dict(tempo=None)),
    ("at 100 volume", dict(tempo=None)),
    ("not a slow song, not that dark", dict(tempo=105, mood=None)),
    ("not too fast or too slow", dict(tempo=105)),
    ("the tempo should not be too fast", dict(tempo=105)),
    ("don't make it too fast", dict(tempo=105)),
    ("a minor-key piano piece", dict(key=None, instruments=(0,))),
    ("a happy tune for ukulele", dict(instruments=(24,), mood="happy")),
    # A ruled-out number gives way to the one asked for.
    ("not 120 bpm, more like 90 bpm", dict(tempo=90)),
    ("instead of 16 bars, do 8 bars", dict(bars=8)),
    ("rather than 4 minutes, keep it to 1 minute", dict(seconds=60)),
    ("not in C major, make it D minor", dict(key=D_MINOR)),
    ("instead of C major, use D minor", dict(key=D_MINOR)),
    ("not in the key of C major but in the key of D minor", dict(key=D_MINOR)),
    ("never in G major", dict(key=None)),
    ("not in C major or G major, D minor please", dict(key=D_MINOR)),
    ("avoid C major and G major, use D minor", dict(key=D_MINOR)),
    ("not in C major and in 3/4", dict(key=None, time_signature=(3, 4))),
    ("anything but C major, a sad tune", dict(key=None, mood="sad")),
    ("anything but jazz, with piano", dict(genre=None, instruments=(0,))),
    ("not 4/4, make it 7/8", dict(time_signature=(7, 8))),
    ("anything but 4/4", dict(time_signature=None)),
    ("a song in 6/8 with no drums", dict(time_signature=(6, 8), instruments=None)),
    # A change of tempo is not a tempo (it used to be "10 bpm is out of range"); a plausible tempo still is.
    ("raise the tempo 10 bpm", dict(tempo=None)),
    ("same groove but 10 bpm faster", dict(tempo=None)),
    ("bump the bpm by 5, funk", dict(tempo=None, genre="funk")),
    ("lower tempo 70 bpm ballad", dict(tempo=70)),
    ("make it 50 bpm faster", dict(tempo=None)),
    ("speed it up by 50 bpm", dict(tempo=None)),
    ("tempo +10 bpm", dict(tempo=None)),
    ("drop it 10 bpm", dict(tempo=None)),
    ("a 30 bpm boost", dict(tempo=None)),
    ("128 bpm up-tempo house", dict(tempo=128, genre="edm")),
    ("120 bpm, more or less", dict(tempo=120)),
    ("increase the tempo to 140 bpm", dict(tempo=140)),
    ("Symphony No. 5 in D minor", dict(key=D_MINOR)),
    ("no drums, in D minor", dict(key=D_MINOR, instruments=None)),
    # Review of the audit's fixes: words that are not tempos, exclusions, instruments or keys here.
    ("half speed 808 trap beat", dict(tempo=None, instruments=(DRUMS,))),
    ("a full speed 4/4 techno banger", dict(tempo=None, time_signature=(4, 4))),
    ("a mid tempo 4/4 groove", dict(tempo=105, time_signature=(4, 4))),
    ("quarter note 3 against 2 polyrhythm on piano", dict(tempo=None)),
    ("an epic track, not too loud drums, strings and brass", dict(instruments=(DRUMS, 48, 61), without=None)),
    ("don't skip the drums, rock", dict(instruments=(DRUMS,), without=None)),
    ("when the bass kicks in, piano and bass", dict(instruments=(0, 33))),
    ("a track that will kick off your day", dict(instruments=None)),
    ("hats off to the 80s, synthwave", dict(instruments=None)),
    ("a conga line party song with trumpet", dict(instruments=(56,))),
    ("vibraphone with soft mallets", dict(instruments=(11,))),
    ("a vocal jazz standard with piano", dict(instruments=(0,))),
    ("a ballad in the key of A played on guitar", dict(key=Key(9, "major"))),
    ("a melody in a dorian mode, flute", dict(key=None)),
    ("a B-minor nocturne", dict(key=Key(11, "minor"))),
    ("a dark ebm track with synth bass", dict(key=None)),
    # A genre or mood word inside an instrument's name belongs to the instrument.
    ("a calm piece for classical guitar", dict(genre=None, mood="calm", instruments=(24,))),
    ("a classical piece for classical guitar", dict(genre="classical", instruments=(24,))),
    ("a slow tune with bright acoustic piano", dict(mood=None, instruments=(1,))),
    ("a ballad on rock organ", dict(genre="ballad", instruments=(18,))),
    ("strings and orchestral harp", dict(genre=None, instruments=(46, 48))),
    # "drum and bass" is a genre (and its drums and bass).
    ("a drum and bass track at 174 bpm", dict(genre="electronic", tempo=174, instruments=(DRUMS, 38))),
    ("dnb with piano", dict(genre="electronic", instruments=(0,))),
    # After a bare "at N", "in" must bring a key or a metre.
    ("the song peaks at 100 in the charts", dict(tempo=None)),
    ("at 100 in a club", dict(tempo=None)),
    ("a waltz at 90 in 3/4", dict(tempo=90, time_signature=(3, 4))),
    ("a song at 120 in a minor", dict(tempo=120, key=Key(9, "minor"))),
    ("piano at 84 in f sharp major", dict(tempo=84, key=Key(6, "major"))),
    # The drum kit's parts are the drum kit.
    ("minimal techno, kick, hi-hats, claps, 128bpm", dict(instruments=(DRUMS,), tempo=128, genre="techno")),
    ("congas and bongos with acoustic guitar", dict(instruments=(DRUMS, 25))),
    ("sitar and tabla", dict(instruments=(DRUMS, 104))),
    ("jazz ballad, tenor sax, piano, brushes", dict(instruments=(DRUMS, 0, 66))),
    # More ways of leaving an instrument out; "instead of" / "rather than" leave out the one after them.
    ("use rhodes instead of piano", dict(instruments=(4,), without=(0, 1, 2, 3, 5, 6, 7))),
    ("cello rather than violin", dict(instruments=(42,))),
    ("organ in place of piano", dict(instruments=(16,))),
    ("ambient, minus the drums", dict(instruments=None, without=(DRUMS,))),
    ("please exclude drums, calm piano", dict(instruments=(0,), without=(DRUMS,))),
    ("w/o drums, piano", dict(instruments=(0,), without=(DRUMS,))),
    ("doesn't need drums, just piano", dict(instruments=(0,), without=(DRUMS,))),
    ("a piano piece with no heavy drums", dict(instruments=(0,), without=(DRUMS,))),
    ("no extra percussion, guitar", dict(instruments=(25,), without=(DRUMS,))),
    # "beats per minute" is no drum beat.
    ("solo piano at 90 beats per minute", dict(instruments=(0,), tempo=90)),
    ("string quartet, 4 beats per bar, G major", dict(instruments=(40, 41, 42))),
    # A note value is not a metre.
    ("synthwave, 1/16 arps, 110bpm, A minor", dict(tempo=110, key=A_MINOR, time_signature=None)),
    ("hi-hats in 1/16, 4/4, trap", dict(time_signature=(4, 4))),
    # Compound names are one instrument.
    ("electric bass guitar and drums", dict(instruments=(DRUMS, 33))),
    ("fretless bass guitar and piano", dict(instruments=(0, 35))),
    ("rhodes piano and upright bass", dict(instruments=(4, 32))),
    ("synth bassline and drums", dict(instruments=(DRUMS, 38))),
    ("808 bass and wobble bass", dict(instruments=(38,))),
    ("a string orchestra in G major", dict(instruments=(48,))),
    ("distorted electric guitar riff", dict(instruments=(30,))),
    ("a horn section with bass and drums, funk", dict(instruments=(DRUMS, 33, 61))),
    ("string pad and piano", dict(instruments=(0, 48))),
    ("gated synth drums, synthwave", dict(instruments=(DRUMS,))),
    # Keys: hyphens, scales and modes, lower-case shorthand, abbreviations.
    ("A sonata movement in C-minor for piano", dict(key=Key(0, "minor"))),
    ("Etude in A harmonic minor for violin", dict(key=A_MINOR)),
    ("A meditative piece in D dorian for flute", dict(key=D_MINOR)),
    ("G lydian, strings", dict(key=Key(7, "major"))),
    ("lofi, c#m, 70bpm", dict(key=Key(1, "minor"))),
    ("edm, bbm, 128bpm", dict(key=Key(10, "minor"))),
    ("house, G min, piano", dict(key=Key(7, "minor"))),
    ("hip hop, D maj, piano", dict(key=Key(2, "major"))),
    ("in e flat, brass band", dict(key=Key(3, "major"))),
    ("key of c#, piano", dict(key=Key(1, "major"))),
    ("am I dreaming, em", dict(key=None)),
    # A bare "A" before an ordinary word is the article; so is "a" in "a minor feel".
    ("Calm Study Music In A Quiet Library, Piano", dict(key=None)),
    ("Epic Orchestral Battle Music In A Heroic Mood", dict(key=None)),
    ("Blues In A With Harmonica", dict(key=Key(9, "major"))),
    ("A melancholic piece with a minor feel, piano", dict(key=None)),
    ("sad piano with a minor 7th chord vamp", dict(key=None)),
    # A word that only implies drums gives way to leaving them out.
    ("lofi beat but no drums", dict(instruments=None, without=(DRUMS,))),
    ("hip hop beat without drums, piano loop", dict(instruments=(0,), without=(DRUMS,))),
    ("a funky groove without drums, just bass and clav", dict(instruments=(7, 33), without=(DRUMS,))),
    # Lengths: numbers in words, abbreviations; the article counts only minutes; a part's length is not the total.
    ("thirty two bars of funk", dict(bars=32)),
    ("forty five seconds of calm harp", dict(seconds=45)),
    ("fifteen seconds of ukulele", dict(seconds=15)),
    ("a 3 min lofi track", dict(seconds=180)),
    ("1 min 30 sec, chill, piano", dict(seconds=90)),
    ("a minute of piano", dict(seconds=60)),
    ("a piano melody with a second piano answering it", dict(seconds=None)),
    ("start with a bar of silence, then piano", dict(bars=None)),
    ("a 2 minute pop song with a 10 second intro", dict(seconds=120)),
    ("a 2 minute song with an 8 bar piano intro", dict(seconds=120, bars=None)),
    # Tempo phrasings.
    ("piano, tempo around 90", dict(tempo=90)),
    ("tempo ~100, guitar", dict(tempo=100)),
    ("a 120-bpm house track", dict(tempo=120)),
    ("speed: 120, piano", dict(tempo=120)),
    ("a mid tempo pop song", dict(tempo=105)),
    ("slow-paced ambient piano", dict(tempo=70)),
    ("a waltz at 90 in G for strings", dict(tempo=90, key=Key(7, "major"))),
    ("play it at 96 in Eb with brushes", dict(tempo=96, key=Key(3, "major"), instruments=(DRUMS,))),
    # More instrument names.
    ("pad and arp", dict(instruments=(81, 89))),
    ("female vocals over bells", dict(instruments=(14, 53))),
    ("woodwinds and strings", dict(instruments=(48, 68, 71, 73))),
    ("keyboard and bass", dict(instruments=(0, 33))),
    ("marimba and steel pan", dict(instruments=(12, 114))),
    ("a jazz trio with a drummer, a bassist and a pianist", dict(instruments=(DRUMS, 0, 32))),
    # A genre noun beats a genre adjective; hyphenated genres.
    ("jazzy lofi hip hop with piano", dict(genre="lo-fi")),
    ("funky house track with piano and bass", dict(genre="edm", instruments=(0, 38))),
    ("symphonic metal with choir", dict(genre="metal")),
    ("orchestral hip hop beat with strings", dict(genre="hip-hop")),
    ("neo-soul, rhodes", dict(genre="soul")),
    ("post-rock with guitars", dict(genre="rock")),
    ("nu-disco with strings", dict(genre="disco")),
    ("jazz-funk jam", dict(genre="funk")),
    # Words that are not tempos: "quick" only before a dance, no "slowly" / "grave"; an Instagram reel is no folk.
    ("a quick lofi beat for my study stream", dict(tempo=None, instruments=(DRUMS,), genre="lo-fi")),
    ("a quick two-step with banjo", dict(tempo=150, instruments=(105,))),
    ("upbeat music for my Instagram reel", dict(tempo=125, genre=None)),
    ("a song for my father's grave, solemn violin", dict(tempo=None, instruments=(40,))),
    ("a track that slowly builds up, piano", dict(tempo=None)),
    ("slow it down by 20 bpm, lofi", dict(tempo=None, genre="lo-fi")),  # a change, from no tempo given
    ("slow it way down by twenty bpm", dict(tempo=None)),
    ("slow down 2 semitones", dict(tempo=70)),
    ("slow down the jazz a bit", dict(tempo=70)),
    ("slow it down, 60 bpm", dict(tempo=60)),
    # "beat" / "kick" as verbs and idioms are no drums.
    ("a song for my mom who beat cancer, hopeful piano", dict(instruments=(0,), mood="uplifting")),
    ("nothing beats a jazz club at midnight", dict(instruments=None, without=None, genre="jazz")),
    ("my heart skipped a beat, romantic piano", dict(instruments=(0,))),
    ("the hero finally kicks down the door", dict(instruments=None)),
    ("a fun song just for kicks, ukulele", dict(instruments=(24,))),
    ("a lofi beat with kick and snare", dict(instruments=(DRUMS,))),
    # A length inside the piece is not the piece's length.
    ("every 4 bars add a cymbal, 16 bars of house", dict(bars=16)),
    ("after 8 bars, bring in the drums", dict(bars=None, instruments=(DRUMS,))),
    ("an ambient pad with a 2 second fade out", dict(seconds=None)),
    ("a lofi track with a 3 second pause before the beat drops", dict(seconds=None)),
    ("3 seconds later the jump scare hits", dict(seconds=None)),
    ("at the 1 minute mark the bass comes in", dict(seconds=None)),
    ("music in the style of 5 Seconds of Summer", dict(seconds=None)),
    # The length of the programme the music goes with is not the music's, unless the music goes with all of it
    ("a 60 minute podcast intro", dict(seconds=None)),
    ("background music for a 2 minute video", dict(seconds=120)),
    ("a 2 minute lofi video background", dict(seconds=120, genre="lo-fi")),
    ("upbeat music for my 30 second instagram video", dict(seconds=30)),
    ("background music for a 1 minute 30 second video", dict(seconds=90)),
    ("a jazzy bed for a 4 minute video with a short break", dict(seconds=240)),
    ("music for my 2 minute travel video, tropical theme", dict(seconds=120)),
    ("music for a 2 minute video with no intro", dict(seconds=120)),
    ("background music for a 2 minute video and a 30 second video", dict(seconds=120)),
    ("background music for my 60 minute podcast", dict(seconds=None)),  # longer than a piece can be
    ("an outro for my 10 minute vlog", dict(seconds=None)),
    ("music for my 2 minute video's intro", dict(seconds=None)),
    ("music for the end of a 2 minute video", dict(seconds=None)),
    ("music for the last 30 seconds of a 2 minute video", dict(seconds=None)),
    ("music for a scene in my 4 minute film", dict(seconds=None)),
    ("a loop for my 2 minute video", dict(seconds=None)),
    ("music not for a 2 minute video", dict(seconds=None)),
    ("don't make it as long as my 10 minute video", dict(seconds=None)),
    ("a jingle, not a 2 minute video", dict(seconds=None)),
    ("music for a 2,5 minute video", dict(seconds=None)),  # not 5 minutes
    ("an upbeat intro for a 45-minute youtube video", dict(seconds=None)),
    ("a 30 second video intro", dict(seconds=None)),
    ("a 5 minute podcast theme song", dict(seconds=None)),
    ("an intro for a 10 minute 30 second video", dict(seconds=None)),
    ("a 10 second intro for a 5 minute video", dict(seconds=10)),
    ("a 90 minute movie's theme, 30 seconds", dict(seconds=30)),
    ("a 3 minute film score", dict(seconds=180)),
    ("a 2 minute movie-like piece", dict(seconds=120)),
    ("'Two Minutes to Midnight' style heavy metal", dict(seconds=None, genre="metal")),
    ("wait a minute, that's a jazzy twist", dict(seconds=None, genre="jazz")),
    ("one second, make it jazzier with a sax", dict(seconds=None, instruments=(65,))),
    ("jazz for our 5/4 date night", dict(time_signature=None, genre="jazz")),
    ("our 6/8 anniversary jazz", dict(time_signature=None)),
    ("a 6/8 wedding song", dict(time_signature=(6, 8))),
    ("a 5/4 jam for date night", dict(time_signature=(5, 4))),
    ("16 bars to rap over", dict(bars=16)),
    # The month March is no march.
    ("a song for my wedding in March, romantic piano", dict(genre=None, time_signature=None, mood="romantic")),
    ("a hype intro for March Madness", dict(genre=None, time_signature=None)),
    ("music for a festival on March 21", dict(genre=None, time_signature=None)),
    # A house that is a building is no house music; a house party is.
    ("a spooky haunted house theme for Halloween", dict(genre=None)),
    ("real estate open house background music, calm piano", dict(genre=None, mood="calm")),
    ("'House of the Rising Sun' on guitar", dict(genre=None)),
    ("a house party banger", dict(genre="edm")),
    # A lower-case "a major" / "a minor" is a key only after "in" / "key of".
    ("a major hit like Despacito", dict(key=None)),
    ("a minor inconvenience: a comedic tune", dict(key=None)),
    ("with a minor feeling, like rain on a window", dict(key=None)),
    ("it changed my life in a major way, piano", dict(key=None)),
    # More ways to leave an instrument out.
    ("take out the drums; piano only", dict(instruments=(0,), without=(DRUMS,))),
    ("get rid of the guitar, keep the strings", dict(instruments=(48,))),
    ("drop the drums and keep the strings", dict(instruments=(48,), without=(DRUMS,))),
    ("mute the bass, piano", dict(instruments=(0,))),
    ("no more drums, just piano", dict(instruments=(0,), without=(DRUMS,))),
    ("a bass drop, edm", dict(genre="edm", instruments=(38,))),
    ("drop the bass 3/4 of the way through, edm", dict(genre="edm", instruments=(38,), time_signature=None)),
    # Negations with words between.
    ("something that isn't too sad, piano", dict(mood=None)),
    ("piano music without it getting too dark", dict(mood=None)),
    ("piano, but it can't be slow", dict(tempo=105)),
    ("I don't want anything too fast", dict(tempo=105)),
    # Genre and mood words in other phrases.
    ("a road trip across the country, indie rock", dict(genre="rock")),
    ("hitting rock bottom, sad piano", dict(genre=None, mood="sad")),
    ("pop up shop opening, fun jazzy tune", dict(genre="jazz")),
    ("soul searching on a rainy night, lofi", dict(genre="lo-fi")),
    ("drone footage of mountains, cinematic", dict(genre="cinematic")),
    ("the party is in full swing, disco", dict(genre="disco")),
    ("a tourist trap souvenir shop jingle", dict(genre=None)),
    ("switch to dark mode: coding music, lofi", dict(mood=None)),
    ("written in the past tense, a nostalgic folk ballad", dict(mood="melancholic")),
    ("an epic fail compilation, goofy tuba", dict(mood=None)),
    # "at NN" after an age or a level is no tempo.
    ("a song for my dad who retired at 65.", dict(tempo=None)),
    ("keep the volume at 80, with soft piano", dict(tempo=None)),
    ("I started piano lessons at 70", dict(tempo=None)),
    # Instrument words in other phrases.
    ("a funny song about losing my car keys", dict(instruments=None)),
    ("typing on a keyboard, lofi study beat", dict(instruments=(DRUMS,))),
    ("'Hotel California' vibe with 12 string guitar", dict(instruments=(25,))),
    ("no strings attached, just a fun ukulele song", dict(instruments=(24,), without=None)),
    ("a first aid kit commercial, hopeful", dict(instruments=None)),
    ("everyone in cowboy hats, country", dict(instruments=None)),
    ("a song about her brushes with fame", dict(instruments=None)),
    ("a calm bed for my voice over narration, soft piano", dict(instruments=(0,))),
    ("a raspy voice over an acoustic guitar", dict(instruments=(25, 53))),
    ("frogs on a lily pad, playful", dict(instruments=None)),
    ("toot my own horn: a confident hip hop beat", dict(instruments=(DRUMS,))),
    ("playing second fiddle to my brother", dict(instruments=None)),
    ("don't harp on about it, just a happy tune", dict(instruments=None, without=None)),
    ("a simple track, no bells and whistles, just piano", dict(instruments=(0,), without=None)),
    ("sea bass dinner party, jazz", dict(instruments=None)),
    # General MIDI's sound effects are scenery unless asked for as sounds.
    ("a calm walk along the seashore, acoustic guitar", dict(instruments=(25,))),
    ("to thunderous applause, the hero returns", dict(instruments=None)),
    ("pads and seashore sound effects", dict(instruments=(89, 122))),
    # Dates and fractions are no metres.
    ("a love song for our anniversary on 12/8, romantic piano", dict(time_signature=None)),
    ("a song about the 3/4 of my life I spent waiting", dict(time_signature=None)),
    # Names that look like keys.
    ("tavern music for a scene in D&D, fiddle", dict(key=None)),
    ("music for a day in D.C., patriotic brass", dict(key=None)),
    ("music for a chase scene in B-movie style", dict(key=None)),
    ("a sax solo like in E Street Band songs", dict(key=None)),
    ("Am I dreaming? dreamy synth pads", dict(key=None)),
    ("When I Am Stressed, piano", dict(key=None)),
    ("happy birthday Em! a cheerful ukulele tune", dict(key=None)),
    ("Am F C G, piano", dict(key=A_MINOR)),
    # A speed with a unit is no tempo.
    ("a car chase at a speed of 120 mph, intense", dict(tempo=None)),
    ("top speed: 300 km/h hypercar reveal", dict(tempo=None)),
    ("a typing game where your speed = 80 wpm", dict(tempo=None)),
    # Quick, list-like and form-like prompts.
    ("piano bass drums", dict(instruments=(DRUMS, 0, 33))),  # a list, not a bass drum
    ("jazz, Bb, piano bass drums", dict(instruments=(DRUMS, 0, 32), key=Key(10, "major"))),
    ("a bass drum and snare", dict(instruments=(DRUMS,))),
    ("heavy metal with double bass drums and shredding guitars", dict(instruments=(DRUMS, 30))),  # double kick
    ("keyboards and drumkit", dict(instruments=(DRUMS, 0))),
    ("w/ rhodes & sub bass", dict(instruments=(4, 38))),
    ("flamenco guitar, passionate", dict(instruments=(24,))),
    ("guitar-driven rock, 135 bpm", dict(instruments=(27,), tempo=135)),
    ("piano-based lofi", dict(instruments=(0,))),
    ("guitar-like synth", dict(instruments=(81,))),
    ("a minuet in G", dict(time_signature=(3, 4), key=Key(7, "major"))),
    ("Tempo 110.", dict(tempo=110)),
    ("Genre: Lo-fi. Mood: Relaxed. Tempo: 80. Key: D minor.", dict(tempo=80, key=Key(2, "minor"), genre="lo-fi")),
    ("90ish bpm lofi", dict(tempo=90)),
    ("render at 44.1 kHz, lofi beat", dict(tempo=None)),
    ("pop song, 120 bpm, G", dict(key=Key(7, "major"))),  # a bare letter alone in a list
    ("key=C, piano", dict(key=Key(0, "major"))),
    ("sections A, B and C", dict(key=None)),
    ("a minute and a half of lofi", dict(seconds=90)),
    ("three and a half minutes, folk", dict(seconds=210)),
    ("1:30 min chill track", dict(seconds=90)),
    ("duration: 2:45, jazz", dict(seconds=165)),
    ("meet at 2:30 pm, jazz", dict(seconds=None)),
    ("the drums come in at 30 seconds, 1 minute track", dict(seconds=60)),  # a point in time
    ("lofi at 3 minutes long", dict(seconds=180)),
    ("a 30 minute yoga class intro, calm", dict(seconds=None)),  # the class's length, not an error
    ("hold music for a 20 minute call center queue", dict(seconds=None)),
    # Tempo words about something else.
    ("a jingle for a fast food restaurant", dict(tempo=None)),
    ("a slow burn thriller cue", dict(tempo=None)),
    ("pads with slow attack, ambient", dict(tempo=None)),
    ("a slow jam", dict(tempo=70)),
    # Instruments left out by other verbs.
    ("lose the drums, just synths", dict(instruments=(81,), without=(DRUMS,))),
    ("cut the drums, piano", dict(instruments=(0,), without=(DRUMS,))),
    ("shouldn't have drums, piano", dict(instruments=(0,), without=(DRUMS,))),
    ("everything but guitar, rock", dict(instruments=None, without=tuple(range(24, 32)))),
    ("replace the piano with a rhodes", dict(instruments=(4,), without=(0, 1, 2, 3, 5, 6, 7))),
    ("swap the guitar for a piano", dict(instruments=(0,), without=tuple(range(24, 32)))),
    ("don't replace the drums, add piano", dict(instruments=(DRUMS, 0), without=None)),
    ("change the tempo to 90 bpm, jazz", dict(tempo=90)),
    # Genre names that hold an instrument's word.
    ("synth pop, 118 bpm, F# minor", dict(instruments=None, genre="pop")),
    ("synth wave night drive", dict(instruments=None, genre="electronic")),
    ("a synth and piano", dict(instruments=(0, 81))),
    ("d&b roller with pads and piano", dict(genre="electronic")),
    # Numbers in words, and settings written as a form.
    ("sixteen bars of lofi at eighty five bpm", dict(tempo=85, bars=16)),
    ("one hundred and twenty bpm house track", dict(tempo=120)),
    ("a hundred bpm", dict(tempo=100)),
    ("genre=rock; bpm=140; key=Em; bars=16", dict(tempo=140, key=Key(4, "minor"), genre="rock", bars=16)),
    ('{"genre": "jazz", "tempo": 120, "key": "F major"}', dict(tempo=120, key=Key(5, "major"), genre="jazz")),
    ("a dozen bars of blues guitar", dict(bars=12)),
    ("a 1m30s loop", dict(seconds=90)),
    ("3 beats to the bar, piano", dict(time_signature=(3, 4), instruments=(0,))),  # counted beats are no drums
    ("5 beats in each measure", dict(time_signature=(5, 4))),
    # More instrument names, and instruments left out by "-less".
    ("tango with bandoneon, violin and piano", dict(instruments=(0, 23, 40))),
    ("e-guitar and e-bass, rock", dict(instruments=(27, 33))),
    ("glock and celesta", dict(instruments=(8, 9))),
    ("jazz w/ sleigh bells, piano", dict(instruments=(DRUMS, 0))),
    ("Piano-less jazz trio with sax, bass, drums", dict(instruments=(DRUMS, 32, 65), without=tuple(range(8)))),
    ("drumless lofi with piano", dict(instruments=(0,), without=(DRUMS,))),
    # … but not where the verb means something else, and a comma ends what "skip the" leaves out.
    ("skip the bass, piano and drums", dict(instruments=(DRUMS, 0), without=tuple(range(32, 40)))),
    ("cut the drums and bass, piano", dict(instruments=(0,), without=(DRUMS, *range(32, 40)))),
    ("hold the bass for the intro, edm", dict(instruments=(38,), without=None)),
    ("swap the guitar and bass parts", dict(instruments=(25, 33), without=None)),
    ("cut the piano in at bar 9", dict(instruments=(0,), without=None)),
    ("change the guitar tone to be warmer, rock", dict(instruments=(27,), without=None)),
    # A programme's length gives way to the piece's own, and to a part named before the music.
    ("music for a 10 minute vlog, 3 minutes long", dict(seconds=180)),
    ("music for my 10 minute video, make it 90 seconds", dict(seconds=90)),
    ("background music for a 10 minute 30 second video", dict(seconds=None)),  # longer than a piece can be
    ("outro music for a 2 minute vlog", dict(seconds=None)),
    ("a 5 minute workout mix at 128 bpm", dict(seconds=300, tempo=128)),
    ("our 3/4 wedding first dance", dict(time_signature=(3, 4))),
    # An instrument switched off after its name.
    ("drums off, just keys and bass", dict(instruments=(0, 33), without=(DRUMS,))),
    ("drums: none, piano", dict(instruments=(0,), without=(DRUMS,))),
    ("drums off the beat, funk", dict(instruments=(DRUMS,), without=None)),
    ("hats off to jazz, piano", dict(instruments=(0,), without=None)),
    ("piano no drums", dict(instruments=(0,), without=(DRUMS,))),
    # A noun shared by two instruments.
    ("acoustic and electric guitars, 100bpm", dict(instruments=(25, 27))),
    ("upright and electric bass", dict(instruments=(32, 33))),
    ("no acoustic or electric guitars, piano", dict(instruments=(0,), without=tuple(range(24, 32)))),
    ("piano, drums=no", dict(instruments=(0,), without=(DRUMS,))),
    ("after hours jazz", dict(seconds=None)),
    ("24 hour lofi radio", dict(seconds=None)),
]


@pytest.mark.parametrize("prompt,expected", PHRASINGS, ids=[p for p, _ in PHRASINGS])
def test_prompt_phrasings(prompt, expected):
    attributes = parse_prompt(prompt)
    for name, value in expected.items():
        assert getattr(attributes, name) == value, f"{name}: {getattr(attributes, name)!r} != {value!r}"


def test_table_is_large_enough():
    assert len(PHRASINGS) >= 40


def test_plain_prompt_fixes_nothing():
    attributes = parse_prompt("some music please")
    assert attributes.tempo is None and attributes.key is None and attributes.instruments is None


@pytest.mark.parametrize(
    "text,key",
    [
        ("D minor", D_MINOR),
        ("F#m", Key(6, "minor")),
        ("e flat major", Key(3, "major")),
        ("Bb", Key(10, "major")),
        ("c# min", Key(1, "minor")),
        ("A", Key(9, "major")),
    ],
)
def test_parse_key(text, key):
    assert parse_key(text) == key


def test_overrides_win_over_prompt(tiny_generator):
    attributes = tiny_generator.resolve_attributes(
        "a waltz in D minor at 80 bpm with piano",
        tempo="Allegro",
        key="F#m",
        time_signature="6/8",
        instruments="flute, drums",
    )
    assert attributes.tempo == 130 and attributes.key == Key(6, "minor")
    assert attributes.time_signature == (6, 8) and attributes.instruments == (DRUMS, 73)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: parse_prompt("   "), "prompt is empty"),
        (lambda: parse_instruments("pianno"), "did you mean 'piano'"),
        (lambda: parse_instruments("kazoo-phone 3000"), "unknown instrument"),
        (lambda: parse_key("H minor"), "unknown key"),
        (lambda: parse_tempo("alegro"), "did you mean 'allegro'"),
        (lambda: parse_tempo(900), "out of range"),
        (lambda: parse_time_signature("11/8"), "not supported"),
        (lambda: parse_prompt("play 5000 bars of jazz"), "out of range"),
        (lambda: parse_prompt("a 9000 second drone"), "out of range"),
        (lambda: parse_prompt("a 15 minute film score"), "900 seconds is out of range"),  # the score's length
        (
            lambda: AttributeOverrides().apply(
                parse_prompt("piano, organ, strings, brass, flute, clarinet, oboe, harp, celesta and guitar")
            ),
            r"the prompt names 10 instruments \(.*\): at most 8; name fewer, or choose them with --instruments",
        ),
    ],
)
def test_bad_values_have_clear_errors(call, message):
    with pytest.raises(MusicGenError, match=message):
        call()


def test_evaluation_prompt_set_parses_to_its_targets():
    """The 120 hand-written prompts of examples/eval_prompts.jsonl double as parser regression cases."""
    import json
    from pathlib import Path

    from musicgen_symbolic.prompt import parse_genre, parse_mood

    lines = (Path(__file__).parent.parent / "examples" / "eval_prompts.jsonl").read_text().splitlines()
    assert len(lines) >= 100
    for line in lines:
        record = json.loads(line)
        t, got = record["target"], parse_prompt(record["caption"])
        expected = dict(
            tempo=t["tempo"],
            key=parse_key(t["key"]) if t["key"] else None,
            time_signature=parse_time_signature(t["time_signature"]) if t["time_signature"] else None,
            instruments=parse_instruments(t["instruments"], t["genre"] and parse_genre(t["genre"]))
            if t["instruments"]
            else None,
            genre=parse_genre(t["genre"]) if t["genre"] else None,
            mood=parse_mood(t["mood"]) if t["mood"] else None,
            bars=t["bars"],
        )
        for name, value in expected.items():
            assert getattr(got, name) == value, f"{record['id']} {name}: {getattr(got, name)!r} != {value!r}"


@pytest.mark.parametrize(
    "prompt, bass",
    [
        ("bossa nova with nylon guitar, flute and bass", 32),
        ("a jazz trio: piano, bass and drums", 32),
        ("techno with a bassline and drums", 38),
        ("a pop song with piano and bass", 33),
        ("a jazz tune with piano and electric bass", 33),
        ("a techno track with drums and upright bass", 32),
    ],
)
def test_a_plain_bass_is_the_genres_bass(prompt, bass):
    assert bass in parse_prompt(prompt).instruments


def test_given_instruments_leave_nothing_out():
    from musicgen_symbolic.prompt import AttributeOverrides

    parsed = parse_prompt("a calm tune, no drums")
    assert parsed.without == (DRUMS,) and parsed.to_dict()["without"] == ["Drums"]
    given = AttributeOverrides(instruments="piano, drums").apply(parsed)
    assert given.instruments == (DRUMS, 0) and given.without is None


def test_many_instruments_in_the_prompt_are_fine_when_the_flags_choose():
    from musicgen_symbolic.prompt import AttributeOverrides

    prompt = "an orchestral piece with strings, brass, woodwinds, timpani, harp, choir and piano"
    assert len(parse_prompt(prompt).instruments) == 9  # the parser keeps them all; applying the flags decides
    assert AttributeOverrides(instruments="strings, piano").apply(parse_prompt(prompt)).instruments == (0, 48)


def test_left_out_instruments_given_as_an_override():
    from musicgen_symbolic.prompt import AttributeOverrides
    from musicgen_symbolic.vocabulary import Attributes

    trio = parse_prompt("a jazz trio with piano, bass and drums")
    assert AttributeOverrides(without="drums").apply(trio).instruments == (0, 32)  # the prompt's drums leave
    chosen = AttributeOverrides(without=["guitar", "drums"]).apply(parse_prompt("a rock song, no piano"))
    assert chosen.instruments is None and chosen.without == (DRUMS, *range(8), *range(24, 32))  # added to the prompt's
    given = AttributeOverrides(instruments="piano, strings", without="violin").apply(Attributes())
    assert given.instruments == (0, 48) and 48 not in given.without and 40 in given.without
    assert AttributeOverrides(without="piano").apply(parse_prompt("a piano piece")).instruments is None


@pytest.mark.parametrize(
    "overrides,fragment",
    [
        (dict(instruments="piano, bass", without="piano"), "both among the instruments and left out"),
        (dict(without=" , "), "nothing to leave out"),
        (dict(without="kazoo"), "unknown instrument 'kazoo'"),
    ],
)
def test_bad_left_out_instruments(overrides, fragment):
    from musicgen_symbolic.prompt import AttributeOverrides
    from musicgen_symbolic.vocabulary import Attributes

    with pytest.raises(MusicGenError, match=fragment):
        AttributeOverrides(**overrides).apply(Attributes())


def test_instrument_overrides_follow_the_genre_too():
    from musicgen_symbolic.prompt import AttributeOverrides
    from musicgen_symbolic.vocabulary import Attributes

    assert AttributeOverrides(instruments="piano, bass", genre="jazz").apply(Attributes()).instruments == (0, 32)
    assert AttributeOverrides(instruments="piano, bass").apply(Attributes(genre="edm")).instruments == (0, 38)
    assert AttributeOverrides(instruments="piano, bass").apply(Attributes()).instruments == (0, 33)


def test_a_genre_flag_decides_the_prompts_plain_bass_and_guitar():
    from musicgen_symbolic.prompt import AttributeOverrides

    assert AttributeOverrides(genre="jazz").resolve("a tune with bass and guitar").instruments == (26, 32)
    assert AttributeOverrides(genre="rock").resolve("jazz with bass").instruments == (33,)
    assert AttributeOverrides().resolve("jazz with bass").instruments == (32,)
    assert parse_prompt("a rock tune with bass and guitar", "Jazz").instruments == (26, 32)  # a flag's spelling
    with pytest.raises(MusicGenError, match="unknown genre"):
        parse_prompt("a tune with bass", "jazzz")


def test_mode_names_are_keys_for_flags_too():
    assert parse_key("D dorian") == Key(2, "minor") and parse_key("F lydian") == Key(5, "major")


def test_genre_basses_are_the_basses_the_training_styles_play():
    from musicgen_symbolic.data.composer import STYLES_TABLE
    from musicgen_symbolic.lexicon import GENRE_BASS

    for genre, program in GENRE_BASS.items():
        basses = [p for palette in STYLES_TABLE[genre].palettes for role, p in palette if role == "bass"]
        assert program in basses, f"{genre}: {program} not among its training basses {basses}"


def test_a_length_in_hours_is_out_of_range_not_ignored():
    with pytest.raises(MusicGenError, match="3600 seconds is out of range"):
        parse_prompt("an hour of lofi")


def test_a_plain_guitar_is_the_genres_guitar():
    from musicgen_symbolic.data.composer import STYLES_TABLE
    from musicgen_symbolic.lexicon import GENRE_GUITAR
    from musicgen_symbolic.prompt import AttributeOverrides
    from musicgen_symbolic.vocabulary import Attributes

    assert parse_prompt("heavy metal with double kick, two guitars and bass").instruments == (DRUMS, 30, 33)
    assert parse_prompt("a jazz trio with guitar").instruments == (26,)
    assert parse_prompt("a metal guitarist").instruments == (30,)
    assert parse_prompt("rock with acoustic guitar").instruments == (25,)  # a guitar named stays as named
    assert parse_prompt("folk song with guitar").instruments == (25,)
    assert AttributeOverrides(instruments="guitar", genre="bossa nova").apply(Attributes()).instruments == (24,)
    for genre, program in GENRE_GUITAR.items():
        played = [p for palette in STYLES_TABLE[genre].palettes + (STYLES_TABLE[genre].extras,) for _, p in palette]
        assert program in played, f"{genre}: {program} not among its training guitars {played}"


WORDS = [
    "piano", "drums", "bass", "guitar", "electric piano", "strings", "synth", "sax", "no", "not", "without", "neither",
    "nor", "or", "and", ",", "don't", "too", "very", "any", "fast", "slow", "upbeat", "sad", "calm", "dark", "at", "120",
    "45", "300", "bpm", "rpm", "in", "D", "minor", "major", "3/4", "jazz", "rock", "8", "bars", "with", "just", ".",
    "drum and bass", "classical guitar", "classical", "bright", "the charts",
]  # fmt: skip
LEFT_OUT = ["drums", "piano", "guitar", "violin", "bass", "sax", "choir", "flute", "synth pad", "organ"]


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
@settings(max_examples=300, deadline=None)
def test_any_prompt_parses_consistently(words):
    from musicgen_symbolic.constants import TEMPO_RANGE
    from musicgen_symbolic.errors import MusicGenError
    from musicgen_symbolic.vocabulary import kind_programs

    try:
        attributes = parse_prompt(" ".join(words))
    except MusicGenError:  # e.g. "300 bpm": out of range, said in one line
        return
    named, left_out = set(attributes.instruments or ()), set(attributes.without or ())
    assert not named & left_out
    for program in left_out:  # whole kinds are left out, but for the instruments named
        assert set(kind_programs(program)) - named <= left_out
    assert attributes.tempo is None or TEMPO_RANGE[0] <= attributes.tempo <= TEMPO_RANGE[1]


@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=10),
    st.lists(st.sampled_from(LEFT_OUT), min_size=1, max_size=3, unique=True),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_left_out_instruments_never_remain(words, left_out, given_too):
    """--without removes each instrument's whole kind from what may play, whatever the prompt says."""
    from musicgen_symbolic.prompt import AttributeOverrides, parse_instruments
    from musicgen_symbolic.vocabulary import kind_programs

    try:
        parsed = parse_prompt(" ".join(words))
    except MusicGenError:
        return
    programs = parse_instruments(left_out, parsed.genre)
    kinds = {p for program in programs for p in kind_programs(program)}
    given = [name for name in LEFT_OUT if name not in left_out][:2] if given_too else None
    attributes = AttributeOverrides(instruments=given, without=left_out).apply(parsed)
    named = set(attributes.instruments or ())
    if given is None:
        assert not named & kinds and kinds <= set(attributes.without)
    else:
        assert named == set(parse_instruments(given, parsed.genre)) and not named & set(attributes.without)
        assert kinds - named <= set(attributes.without)


def test_keys_are_spelled_as_musicians_spell_them():
    assert [Key(tonic, "minor").name for tonic in (1, 3, 6, 8, 10)] == [
        "C# minor",
        "Eb minor",
        "F# minor",
        "G# minor",
        "Bb minor",
    ]
    assert [Key(tonic, "major").name for tonic in (1, 6, 8)] == ["Db major", "F# major", "Ab major"]
    assert str(parse_prompt("a sad waltz in Db minor").key) == "C# minor"


def test_a_tempo_words_plural_is_no_tempo_and_no_crash():
    assert parse_prompt("the groove slows down and fasts end").tempo is None


@pytest.mark.parametrize(
    "call,fragment",
    [
        (lambda: parse_prompt(b"piano"), "the prompt must be text, got bytes"),
        (lambda: parse_prompt(5), "the prompt must be text, got int"),
        (lambda: parse_prompt("a \ud800 piano"), "not valid text at character 3: is it UTF-8?"),
        (lambda: AttributeOverrides(tempo=[120]).resolve("piano"), "tempo must be a number of beats per minute"),
        (lambda: AttributeOverrides(tempo=True).resolve("piano"), "tempo must be a number of beats per minute"),
    ],
)
def test_wrong_types_are_clear_errors(call, fragment):
    with pytest.raises(MusicGenError, match=re.escape(fragment)):
        call()


def test_a_non_utf8_prompt_on_the_command_line_is_refused_before_loading(capsys, tmp_path):
    from musicgen_symbolic.cli import main

    prompt = b"a calm \xff piano".decode("utf-8", "surrogateescape")  # what Python makes of such argv bytes
    code = main(["generate", prompt, "-o", str(tmp_path / "x.mid"), "--model", str(tmp_path / "no-model")])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == "error: the prompt is not valid text at character 8: is it UTF-8?"


def test_a_prompt_is_parsed_once():
    from musicgen_symbolic.prompt import _parse_once

    _parse_once.cache_clear()
    first = parse_prompt("a calm waltz in D minor for strings")
    assert parse_prompt("a calm waltz in D minor for strings") is first
    assert _parse_once.cache_info().hits == 1


def test_a_prompt_over_the_limit_is_refused_and_saying_so():
    from musicgen_symbolic.prompt import MAX_PROMPT_CHARACTERS

    with pytest.raises(MusicGenError, match=f"at most {MAX_PROMPT_CHARACTERS:,}"):
        parse_prompt("calm piano " * 1000)


def test_parsing_time_grows_linearly_with_the_prompt():
    """_find_label once compared every mood/genre word with every instrument mention: 100k characters took 29 s."""
    import time

    def seconds(repeats: int) -> float:
        prompt = "a calm jazz piece with piano and sad strings, " * repeats
        best = float("inf")
        for attempt in range(3):
            started = time.perf_counter()
            parse_prompt(f"{prompt}take {attempt}")  # a new prompt each time: parsed, not found in the cache
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(10), seconds(80)  # 460 and 3,680 characters: 8 times as long
    assert large / small < 24, f"{small * 1e3:.1f} ms, then {large * 1e3:.1f} ms"  # quadratic would be ~64
