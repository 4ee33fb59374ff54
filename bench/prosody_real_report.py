"""The Markdown report of bench/prosody_real.py."""
from __future__ import annotations


def markdown(res: dict) -> str:
    v0 = next(iter(res["voices"].values()))
    out = ["# Prosody against real speech (bench/prosody_real.py)", "",
           f"Held-out LJSpeech LJ002-*, {res['lines']} lines; each voice predicts the "
           "transcript on its own (Engine.predict). Durations against pocketsphinx forced "
           "alignment (per phone group and per word); F0 after token-wise time alignment, on "
           "frames voiced in the recording where the prediction is >= 50 Hz; WER by Whisper "
           f"tiny.en on the rendered line, over the first {v0['wer_lines']} lines without "
           f"numbers ({v0['wer_words']} words).", "",
           "| voice | last vowel voiced (> 10 Hz / >= 50 Hz) | phone duration MAE (ms) | "
           "word duration MAE (ms) | length error | log-F0 RMSE (st) | same, mean removed (st) "
           "| F0 corr | WER |", "|---|---|---|---|---|---|---|---|---|"]
    for v, r in res["voices"].items():
        wer = "–" if r["wer"] is None else f"{r['wer']:.3f}"
        out.append(f"| {v} | {r['last_vowel_voiced']:.0%} / {r['last_vowel_voiced_50hz']:.0%} | "
                   f"{r['duration_mae_ms']:.1f} | {r['word_duration_mae_ms']:.1f} | "
                   f"{r['speech_length_error']:.1%} | {r['f0_rmse_st']:.2f} | "
                   f"{r['f0_rmse_st_centred']:.2f} | {r['f0_corr']:.3f} | {wer} |")
    out += ["", f"Command: `{res['command']}` ({res['seconds']:.0f} s)."]
    if res.get("idd"):
        out += ["", "## Durations with the shipped IDD (LJ002-*)", "",
                "IDD under a rate instruction written (held-out 'director' phrasing) from the "
                "line's measured tempo, trend and pauses, as the dub pipeline states a line's "
                "delivery; rendered through instructed_predict. 'In the real length': the "
                "predicted speech rescaled to the recording's speech length first (a dub slot "
                "gives the length), so the backbone gets the tempo too.", "",
                "| voice | durations | phone MAE free (ms) | phone MAE in the real length (ms) "
                "| word MAE free (ms) | length error |", "|---|---|---|---|---|---|"]
        for v, r in res["idd"].items():
            for name, label in (("backbone", "backbone (Engine.predict)"),
                                ("IDD", "IDD, measured instruction")):
                x = r[name]
                out.append(f"| {v} | {label} | {x['duration_mae_ms']:.1f} | "
                           f"{x['duration_mae_ms_in_real_length']:.1f} | "
                           f"{x['word_duration_mae_ms']:.1f} | {x['speech_length_error']:.1%} |")
    out += ["", "## Emotions (RAVDESS actors 21–24)", ""]
    if res.get("emotions"):
        from prosody_emotion import emotion_markdown
        for v, e in res["emotions"].items():
            out += [f"### {v}", "", *emotion_markdown(e), ""]
    else:
        out += ["Not measured in this run (--no-emotion).", ""]
    return "\n".join(out)
