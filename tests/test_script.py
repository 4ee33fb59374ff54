"""Script input: plain text, .srt (via the srt package), --text; empty input reported."""
import pytest

from core.script import ScriptError, count_syllables, load_script, parse_srt, parse_text

SRT = """1
00:00:01,000 --> 00:00:02,500
<i>Why did you</i>
bring me here?

2
00:00:03,000 --> 00:00:04,200
Sly fox, dumb bunny.

"""


def test_plain_text_one_cue_per_line(tmp_path):
    p = tmp_path / "lines.txt"
    p.write_text("\ufeffFirst line.\r\n\r\n  Second   line!  \n\n\n", encoding="utf-8")
    s = load_script(p)
    assert [ln.text for ln in s.lines] == ["First line.", "Second line!"]
    assert not s.timed and all(ln.start is None for ln in s.lines)
    assert s.warnings == ["lines.txt: line 2 is empty and was skipped"]


def test_srt_times_and_tags(tmp_path):
    p = tmp_path / "subs.srt"
    p.write_text(SRT, encoding="utf-8")
    s = load_script(p)
    assert s.timed
    assert [(ln.text, ln.start, ln.end) for ln in s.lines] == [
        ("Why did you bring me here?", 1.0, 2.5), ("Sly fox, dumb bunny.", 3.0, 4.2)]


def test_srt_is_recognised_by_content_too(tmp_path):
    p = tmp_path / "subs.txt"
    p.write_text(SRT, encoding="utf-8")
    assert load_script(p).timed


def test_bad_srt_and_empty_subtitles():
    with pytest.raises(ScriptError, match="not a valid .srt"):
        parse_srt("1\n00:00:01,000 --> nonsense\nHello\n")
    s = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:03,000 --> 00:00:04,000\nHi\n")
    assert [ln.text for ln in s.lines] == ["Hi"] and "subtitle 1 is empty" in s.warnings[0]
    with pytest.raises(ScriptError, match="ends"):
        parse_srt("1\n00:00:05,000 --> 00:00:04,000\nBackwards\n")


def test_text_argument_and_empty_scripts(tmp_path):
    assert [ln.text for ln in load_script(text="One.\nTwo.").lines] == ["One.", "Two."]
    with pytest.raises(ScriptError, match="empty"):
        load_script(text="  \n \n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ScriptError, match="empty"):
        load_script(empty)
    with pytest.raises(ScriptError, match="no such script"):
        load_script(tmp_path / "missing.txt")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\xd8\x00\x00\xc3\x28")
    with pytest.raises(ScriptError, match="UTF-8"):
        load_script(binary)
    with pytest.raises(ScriptError):
        parse_text("")


def test_syllable_counts():
    assert count_syllables("bin blue with e four now") == 6
    assert count_syllables("Why did you bring me here?") == 6
    assert count_syllables("entertaining") == 4
    assert count_syllables("bin 4 now") == 3


def test_silent_e_endings():
    assert count_syllables("wanted walked loves boxes judges") == 2 + 1 + 1 + 2 + 2
    assert count_syllables("carried argue babies") == 2 + 2 + 2
    assert count_syllables("You see, babies aren't getting as much love as we used to.") == 14
