"""Per-player memory preferences through the real worker: real Redis, a real edge pool, the
shipped heads and command reader. Commands end events and narrow what is kept for that player
only; reactions to memories the character brought up move the player's leaning."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.conversation import Conversation
from core.settings import Settings
from memory.events import Event
from memory.extraction.extractor import Candidate
from memory.hierarchy import DERIVED_TYPES
from memory.log import ConversationLog
from memory.preferences.commands import shipped_reader
from memory.preferences.leaning import Leaning
from memory.preferences.learner import LeaningStore
from memory.wiring import Memory, build_memory, make_worker
from memory.worker import ExtractionWorker
from tests.conftest import RedisTarget

ANN = Conversation("t1", "innkeeper", "ann")
BEN = Conversation("t1", "innkeeper", "ben")


@dataclass
class Rig:
    log: ConversationLog
    memory: Memory
    worker: ExtractionWorker
    leanings: LeaningStore
    turns: int = 0

    async def say(self, c: Conversation, text: str) -> str:
        self.turns += 1
        turn = f"{c.player_id}-{self.turns}"
        now = datetime.now(UTC)
        await self.log.append_player_line(c, text, turn, None, now)
        while await self.worker.poll_once():
            pass
        return turn

    async def reply(self, c: Conversation, text: str, turn: str, recalled: list[Event]) -> None:
        """The character's reply to `turn`, recording what the turn recalled, as turns do."""
        result = {
            "recalled": [{"id": e.id, "type": e.type, "summary": e.summary} for e in recalled]
        }
        await self.log.append_npc_line(c, text, turn, None, datetime.now(UTC), json.dumps(result))

    async def current(self, c: Conversation) -> list[Event]:
        """The player's current facts (not the profile drawn from them)."""
        events = await self.memory.store.list_events(c)
        return [e for e in events if e.type not in DERIVED_TYPES]


@pytest.fixture
async def rig(redis_server_target: RedisTarget, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = Settings(
        data_dir=tmp_path / "var",
        redis_url=redis_server_target.url,
        redis_prefix=redis_server_target.prefix,
    )
    redis = Redis.from_url(redis_server_target.url)
    log = ConversationLog(redis, redis_server_target.prefix, 600, 60)
    await log.ensure_extraction_group()
    memory = await build_memory(settings, "http://127.0.0.1:9/v1")
    worker = make_worker(settings, redis, log, memory, consumer="test")
    yield Rig(log, memory, worker, LeaningStore(redis, redis_server_target.prefix))
    await memory.store.close()
    await redis.aclose()


def test_the_command_reader_is_shipped() -> None:
    assert shipped_reader() is not None, "memory/artefacts/commands.npz: make train-preferences"


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("please forget that I told you about my illness", "health"),
        ("por favor, olvida lo que te conté de mi enfermedad", "health"),
        ("请忘掉我跟你说过的病", "health"),
        ("Vergiss bitte, was ich dir über meine Krankheit erzählt habe", "health"),
    ],
)
def test_asking_to_forget_an_illness_reads_as_forgetting_health(line: str, target: str) -> None:
    from memory.features import shared_featurizer

    reader = shipped_reader()
    assert reader is not None
    command = reader.read(shared_featurizer()([line])[0])
    assert (command.intent, command.target) == ("forget", target)


async def test_forgetting_an_illness_ends_it_and_keeps_later_health_lines_out(rig: Rig) -> None:
    for c in (ANN, BEN):
        await rig.say(c, "I have asthma and it gets much worse in winter.")
    [asthma] = [e for e in await rig.current(ANN) if e.type == "health"]

    forget = await rig.say(ANN, "please forget that I told you about my illness")
    await rig.say(ANN, "My asthma flared up again last night, I could barely breathe.")
    await rig.say(ANN, "My chest was tight again last night, I could barely breathe.")
    await rig.say(ANN, "I work as a blacksmith in Riverton.")

    current = await rig.current(ANN)
    assert [e for e in current if "health" in (e.type, *e.also)] == []
    assert any(e.type == "identity" for e in current), "only the named kind is narrowed"
    ended = await rig.memory.store.get(ANN, asthma.id)
    assert ended is not None and ended.valid_to is not None
    assert ended.superseded_by == f"turn:{forget}"
    assert "health" in (await rig.leanings.get(ANN)).blocked
    # The other player said the same thing and asked nothing: untouched.
    assert [e.type for e in await rig.current(BEN) if e.type == "health"] == ["health"]
    assert (await rig.leanings.get(BEN)).is_cold


async def test_forget_that_ends_only_what_the_last_line_said(rig: Rig) -> None:
    await rig.say(ANN, "My sister Mia lives in Lisbon.")
    await rig.say(ANN, "I can't stand mushrooms.")
    before = {e.id for e in await rig.current(ANN)}

    await rig.say(ANN, "actually, forget that")

    after = await rig.current(ANN)
    gone = before - {e.id for e in after}
    assert gone and all("mushroom" in e.summary for e in await _events(rig, ANN, gone))
    assert any("Mia" in e.summary for e in after)


async def _events(rig: Rig, c: Conversation, ids: set[str]) -> list[Event]:
    found = [await rig.memory.store.get(c, i) for i in ids]
    return [e for e in found if e is not None]


async def test_brushing_off_a_memory_the_character_brought_up_lowers_its_kind(rig: Rig) -> None:
    await rig.say(ANN, "I love spicy hotpot more than anything.")
    [liked] = await rig.current(ANN)
    turn = await rig.say(ANN, "What's on the menu tonight?")
    await rig.reply(ANN, "Still as fond of spicy hotpot as ever, love?", turn, [liked])

    await rig.say(ANN, "ugh, let's not talk about that")

    leaning = await rig.leanings.get(ANN)
    assert leaning.bias.get(liked.type, 0.0) < 0
    assert liked.id in {e.id for e in await rig.current(ANN)}, "a brush-off forgets nothing"


async def test_a_replayed_line_moves_the_leaning_once(rig: Rig) -> None:
    learner = rig.worker._learner
    assert learner is not None
    now = datetime.now(UTC)
    for _ in range(2):
        await learner.take(ANN, "same-turn", "don't remember anything about my health", [], now)

    leaning = await rig.leanings.get(ANN)
    assert leaning.blocked == ["health"] and leaning.signals == 1


def test_a_leaning_narrows_the_persona_kinds_and_never_widens_them() -> None:
    leaning = Leaning()
    leaning.block("health")
    leaning.nudge(["plan"], 0.5)  # taken up: nothing was lowered, nothing to undo
    leaning.unblock("emotion")  # "remember how I feel": the persona does not keep emotions

    assert leaning.bias == {"health": -6.0}
    assert leaning.extraction_bias() == {}, "a blocked kind is read as itself, then dropped"
    kept = leaning.reweigh(
        [
            Candidate(type="plan", also=["health"], subject="s", summary="x", confidence=0.9),
            Candidate(type="plan", subject="p", summary="y", importance=6, confidence=0.9),
        ],
        biased=False,
    )
    assert [c.summary for c in kept] == ["y"]


def test_training_rebuilds_the_shipped_reader_from_the_labeled_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from memory.features import shared_featurizer
    from memory.preferences import commands_train
    from memory.preferences.commands import CommandReader

    out = tmp_path / "commands.npz"
    monkeypatch.setattr(sys, "argv", ["commands_train", "--out", str(out)])

    commands_train.main()

    rebuilt, shipped = CommandReader.load(out), shipped_reader()
    assert rebuilt is not None and shipped is not None
    # Not the same digits (the solver's last ones differ between machines): the same readings.
    dev = Path(__file__).parent / "data" / "commands_dev.jsonl"
    texts = [json.loads(line)["text"] for line in dev.read_text().splitlines()]
    rows = shared_featurizer()(texts)
    same = [rebuilt.read(r).intent == shipped.read(r).intent for r in rows]
    assert sum(same) / len(same) >= 0.97
