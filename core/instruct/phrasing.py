"""The instruction writer: describes a rate profile or an emotion mixture in words.

Phrasings come in families. TRAIN_FAMILIES are used to build the training data;
HELDOUT_FAMILIES (a director's notes, casual talk) are never seen in training
and are used only for evaluation, so scores are not on memorised templates.
"""
from __future__ import annotations

import random

TRAIN_FAMILIES = ("mllm", "edit", "plain")
HELDOUT_FAMILIES = ("director", "casual")
FAMILIES = TRAIN_FAMILIES + HELDOUT_FAMILIES

# ---- speaking rate -----------------------------------------------------------------
# Each family: attribute value -> phrase list. "" entries mean "say nothing about it".
RATE = {
    "mllm": {
        "much_faster": [
            "The character's speaking pace is very fast and hurried, words tumbling out with almost no space between them",
            "The delivery is extremely rapid and breathless, as if there is no time to spare",
            "The speaker talks at a racing, urgent tempo, rushing through the sentence",
            "Speech is delivered very quickly, with clipped syllables and a frantic rhythm"],
        "faster": [
            "The speaking pace is somewhat quick and brisk, with an energetic delivery",
            "The character speaks a little faster than usual, lively and efficient",
            "The delivery is brisk, moving along at a fairly quick pace",
            "The tempo is slightly hurried, upbeat and light"],
        "normal": [
            "The speaking pace is moderate and natural, neither rushed nor dragged",
            "The character speaks at an ordinary, conversational tempo",
            "The delivery follows a normal, even conversational speed"],
        "slower": [
            "The character's speaking pace is relatively slow and measured, with a clear and deliberate delivery",
            "The speaker talks somewhat slowly, taking care over each phrase",
            "The delivery is unhurried and calm, a little slower than normal speech",
            "The pace is gentle and slightly slow, giving the words room"],
        "much_slower": [
            "The pace is very slow and drawn out, each word stretched with heavy deliberation",
            "The character speaks extremely slowly, lingering on every syllable",
            "The delivery is sluggish and heavily drawn out, almost dragging",
            "Speech is very slow and weighty, with long, stretched-out words"],
        "accelerating": [
            "The tempo picks up as the line goes on, starting calmly and ending in a rush",
            "The speaker begins slowly and gradually speeds up toward the end",
            "As the sentence progresses the delivery accelerates noticeably"],
        "slowing": [
            "The tempo gradually slows toward the end, the final words trailing off",
            "The speaker starts quickly and then decelerates, finishing slowly",
            "The delivery loses speed as the line goes on, ending in a slow, drawn-out way"],
        "steady": ["", "The rhythm stays even from start to finish", "The tempo remains steady throughout"],
        "pauses": [
            "There are noticeable pauses between phrases",
            "The speaker hesitates between words, leaving short silent gaps",
            "The line is broken up by brief pauses"],
        "no_pauses": ["", "The words flow continuously without breaks"],
        "emph_first": ["Particular weight is placed on the opening word, which is drawn out",
                       "The first word is stressed and lengthened"],
        "emph_last": ["The final word is drawn out for emphasis",
                      "The last word is stressed and held longer"],
        "emph_none": [""],
        "lead": ["", "Based on the lip movements and the scene, ", "Judging from the video, ",
                 "In this shot, "],
    },
    "edit": {
        "much_faster": ["much faster", "way faster", "a lot quicker", "speed it up a lot", "very fast"],
        "faster": ["faster", "a bit faster", "slightly quicker", "quicker", "a little faster"],
        "normal": ["normal pace", "natural speed", "regular speed"],
        "slower": ["slower", "a bit slower", "slow down a little", "slightly slower"],
        "much_slower": ["much slower", "way slower", "really slow it down", "very slow"],
        "accelerating": ["speed up toward the end", "accelerate", "get faster as it goes"],
        "slowing": ["slow down at the end", "decelerate", "ease off toward the end"],
        "steady": ["", "steady"],
        "pauses": ["with pauses", "add pauses", "pause between words"],
        "no_pauses": [""],
        "emph_first": ["stress the first word", "lean on the first word"],
        "emph_last": ["stress the last word", "hold the last word"],
        "emph_none": [""],
        "lead": [""],
    },
    "plain": {
        "much_faster": ["Speak very quickly.", "Deliver this line at a very fast pace.",
                        "Say it rapidly and urgently."],
        "faster": ["Speak a little quickly.", "Deliver this line at a brisk pace.",
                   "Say it somewhat fast."],
        "normal": ["Speak at a normal pace.", "Deliver this line at a natural speed."],
        "slower": ["Speak a little slowly.", "Deliver this line at a relaxed, slow pace.",
                   "Say it somewhat slowly."],
        "much_slower": ["Speak very slowly.", "Deliver this line at a very slow, dragging pace.",
                        "Say it extremely slowly."],
        "accelerating": ["Start slowly and speed up.", "Get faster toward the end."],
        "slowing": ["Start quickly and slow down.", "Get slower toward the end."],
        "steady": ["", "Keep the tempo even."],
        "pauses": ["Leave pauses between words.", "Pause between phrases."],
        "no_pauses": [""],
        "emph_first": ["Stress the first word."],
        "emph_last": ["Stress the last word."],
        "emph_none": [""],
        "lead": [""],
    },
    # ---- held out: never used in training ----
    "director": {
        "much_faster": ["Director's note: really push the tempo here, rapid-fire, no breathing room",
                        "Note: this needs to be lightning fast, like the clock is running out"],
        "faster": ["Director's note: pick up the pace a touch",
                   "Note: keep it moving, a notch quicker than the last take"],
        "normal": ["Director's note: just a natural read, normal tempo"],
        "slower": ["Director's note: ease back the tempo a little, let it breathe",
                   "Note: take it a notch slower than the last take"],
        "much_slower": ["Director's note: way down on the tempo, slow and heavy, really stretch it out",
                        "Note: this should crawl, extremely slow and deliberate"],
        "accelerating": ["build speed through the line so it ends rushed",
                         "start easy, then push faster and faster"],
        "slowing": ["let it wind down, slowing hard by the last words",
                    "start quick and then put on the brakes at the end"],
        "steady": [""],
        "pauses": ["and leave little beats between the words"],
        "no_pauses": [""],
        "emph_first": ["hit the first word hard"],
        "emph_last": ["land on the last word and hold it"],
        "emph_none": [""],
        "lead": [""],
    },
    "casual": {
        "much_faster": ["rattle it off super fast", "say it really really quick, like you're late"],
        "faster": ["bit quicker please", "a tad speedier"],
        "normal": ["just say it normally"],
        "slower": ["take it a little easier, bit slower", "slow it a tad"],
        "much_slower": ["take your sweet time, nice and sloooow", "super slow, like you're half asleep"],
        "accelerating": ["and speed up as you go", "then go faster at the end"],
        "slowing": ["and slow down by the end", "then trail off slowly at the end"],
        "steady": [""],
        "pauses": ["with little breaks in between"],
        "no_pauses": [""],
        "emph_first": ["punch the first word"],
        "emph_last": ["drag out the last word"],
        "emph_none": [""],
        "lead": [""],
    },
}


def _pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


def rate_instruction(profile, family: str, rng: random.Random) -> str:
    """Words for a RateProfile (its tempo_cat, trend, pauses, emphasis) in one family."""
    bank = RATE[family]
    parts = [_pick(rng, bank[profile.tempo_cat]),
             _pick(rng, bank[profile.trend]),
             _pick(rng, bank["pauses" if profile.pause_rate > 0 else "no_pauses"]),
             _pick(rng, bank["emph_" + profile.emphasis])]
    parts = [p for p in parts if p]
    if family == "mllm":
        order = parts[:1] + rng.sample(parts[1:], len(parts) - 1)
        lead, body = _pick(rng, bank["lead"]), ". ".join(order) + "."
        return lead + body[0].lower() + body[1:] if lead else body
    if family == "plain":
        return " ".join(parts)
    return ", ".join(parts)


# ---- emotion -----------------------------------------------------------------------
EMOTION = {
    "mllm": {
        "happy": ["the voice sounds cheerful and warm, full of joy", "the character sounds delighted and upbeat"],
        "angry": ["the voice is tense and angry, with a sharp, hostile edge", "the character sounds furious and irritated"],
        "disgust": ["the voice carries disgust and distaste, almost sneering", "the character sounds repulsed and contemptuous"],
        "fear": ["the voice is fearful and shaky, betraying anxiety", "the character sounds frightened and nervous"],
        "neutral": ["the voice is calm and neutral, without strong emotion", "the character sounds composed and matter-of-fact"],
        "sad": ["the voice is sad and heavy, tinged with sorrow", "the character sounds downcast and grieving"],
        "surprise": ["the voice rings with surprise and astonishment", "the character sounds startled and amazed"],
    },
    "edit": {
        "happy": ["happier", "happy", "more cheerful", "joyful"],
        "angry": ["angrier", "angry", "more aggressive", "furious"],
        "disgust": ["disgusted", "more disgust", "grossed out"],
        "fear": ["scared", "more fearful", "afraid", "nervous"],
        "neutral": ["neutral", "flat", "no emotion"],
        "sad": ["sadder", "sad", "more melancholy", "gloomy"],
        "surprise": ["surprised", "more surprise", "shocked", "amazed"],
    },
    "plain": {
        "happy": ["Sound happy.", "Say it with joy."],
        "angry": ["Sound angry.", "Say it with anger."],
        "disgust": ["Sound disgusted.", "Say it with disgust."],
        "fear": ["Sound afraid.", "Say it with fear."],
        "neutral": ["Sound neutral.", "Say it without emotion."],
        "sad": ["Sound sad.", "Say it with sadness."],
        "surprise": ["Sound surprised.", "Say it with surprise."],
    },
    "director": {
        "happy": ["Director's note: you just got the best news of your life, let it shine through",
                  "Note: play it bright and glowing"],
        "angry": ["Director's note: you're livid, spit the words out", "Note: play it with real rage, seething"],
        "disgust": ["Director's note: like something smells rotten, you can barely stand it",
                    "Note: play it revolted, nauseated"],
        "fear": ["Director's note: you're terrified, something is coming for you",
                 "Note: play it panicked and trembling"],
        "neutral": ["Director's note: keep it even, no colour, just information",
                    "Note: a flat, level read"],
        "sad": ["Director's note: you've just lost someone, play the heartbreak",
                "Note: play it mournful, close to tears"],
        "surprise": ["Director's note: this catches you completely off guard",
                     "Note: play it stunned, like you can't believe it"],
    },
    "casual": {
        "happy": ["super happy vibes", "all smiley and stoked"],
        "angry": ["really mad", "pissed off"],
        "disgust": ["like, eww, gross", "totally grossed out, yuck"],
        "fear": ["freaked out", "kinda terrified"],
        "neutral": ["just chill, nothing special", "no big feelings, plain"],
        "sad": ["all bummed out", "really down, kinda crying"],
        "surprise": ["whoa, totally caught off guard", "like, no way!"],
    },
}
MIX_JOIN = {
    "mllm": ["{a}, with an undercurrent where {b}", "Overall {a}; at moments {b}"],
    "edit": ["{a} + a bit {b}", "{a}, slightly {b}", "mostly {a}, some {b}"],
    "plain": ["{a} Also a little: {b}"],
    "director": ["{a}. Underneath, a hint of this: {b}"],
    "casual": ["{a}, but also kinda {b}"],
}


def emotion_instruction(weights: dict[str, float], family: str, rng: random.Random) -> str:
    """Words for an entity mixture ({entity: weight}, at most two) in one family."""
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    bank = EMOTION[family]
    first = _pick(rng, bank[ranked[0][0]])
    if len(ranked) == 1 or ranked[1][1] <= 0:
        text = first
    else:
        second = _pick(rng, bank[ranked[1][0]])
        text = _pick(rng, MIX_JOIN[family]).format(a=first, b=second.rstrip("."))
    if family == "mllm":
        text = "The " + text[4:] if text.startswith("the ") else text
        text = text[0].upper() + text[1:]
        return text if text.endswith(".") else text + "."
    return text
