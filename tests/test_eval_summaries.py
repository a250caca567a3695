"""eval.summaries scores notes as its docstring says: what a perfect writer and an extractive
one get on the same hand-labeled lines."""

from __future__ import annotations

from eval.summaries import Written, notes_score

LINES = [
    {
        "text": "My brother Tomas is getting married next month, I'm so nervous about the speech.",
        "said_at": "2026-12-07",
        "notes": [
            {
                "type": "relationship",
                "note": "Brother Tomas marries next month (2027-01)",
                "subject": "brother",
                "also": ["plan"],
            },
            {
                "type": "emotion",
                "note": "Nervous about giving the wedding speech",
                "subject": "speech",
                "also": [],
            },
        ],
    },
    {"text": "What's the news around town?", "said_at": "2026-12-07", "notes": []},
    {
        "text": "Ich bin Krankenschwester in Hamburg.",
        "said_at": "2026-12-07",
        "notes": [
            {
                "type": "identity",
                "note": "Krankenschwester in Hamburg",
                "subject": "job",
                "also": [],
            }
        ],
    },
]


def test_the_hand_notes_themselves_score_perfectly() -> None:
    written: list[Written] = [
        [(n["note"], {n["type"], *n["also"]}) for n in line["notes"]]  # type: ignore[union-attr]
        for line in LINES
    ]
    scores = notes_score(LINES, written)
    assert scores["type_f1"] == 1.0
    assert scores["faithful_to_hand_notes"] == 1.0
    assert scores["hand_notes_covered"] == 1.0
    assert scores["nothing_kept_right"] == "1/1"
    assert scores["dated_hand_notes_with_their_date"] == "1/1"
    assert scores["first_person_notes"] == 0


def test_a_transcript_keeps_the_question_and_loses_the_date() -> None:
    written: list[Written] = [
        [(str(LINES[0]["text"]), {"relationship", "emotion", "plan"})],
        [(str(LINES[1]["text"]), {"experience"})],
        [],
    ]
    scores = notes_score(LINES, written)
    assert scores["nothing_kept_right"] == "0/1"
    assert scores["dated_hand_notes_with_their_date"] == "0/1"
    assert scores["first_person_notes"] == 1  # "I'm so nervous"
    assert scores["lines_with_the_hand_note_count"] == "0/3"
    assert scores["hand_notes_covered"] < 1.0
