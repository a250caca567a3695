"""What the reply model says to a player who needs support, for labeling:
`python -m training.support_candidates`.

The reflection check must judge the replies the served model writes, not only hand-written
ones: the 135M model's failures on a grieving player are not the dismissive lines a person
would write ("cheer up"), they are off-topic tales, garbled text, other languages and, now and
then, something cruel. This samples them. Each support line of the emotion sets and of the
dialogue seed set gets the service's own reading and prompt (the persona's, with the support
guidance) and one reply from the base model and one from the reply adapter. Lines of the
training sets go to personas of the training worlds, lines of the dev sets to the four
held-out personas. Writes var/support/{train,dev}_candidates.jsonl; the labeled result lives
in tests/data/support_replies_{train,dev}.jsonl.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel
from rich.console import Console

from core.llm import ChatModel, Message
from core.settings import Settings
from memory.features import shared_featurizer
from persona.adapters import SHIPPED, adapter_at
from persona.character import CharacterReader, guidance_for
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.prompt import build_messages
from persona.schemas import Persona
from service.runtime.local import model_endpoint
from training.progress import progress
from training.scenarios import load_personas

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
OUT = ROOT / "var" / "support"


class Candidate(BaseModel):
    id: str
    persona: str
    lang: str
    line: str
    model: str  # "base" or "adapter"
    reply: str


def support_lines(split: str) -> list[dict[str, str]]:
    """(id, lang, line) of every line labeled as needing support in the split's sets."""
    emotion = "emotion_train.jsonl" if split == "train" else "emotion_dev.jsonl"
    dialogue = ["dialogue_seed_a.jsonl", "dialogue_seed_b.jsonl", "dialogue_seed_c.jsonl"]
    if split != "train":
        dialogue = ["dialogue_dev.jsonl"]
    rows = [
        {"id": r["id"], "lang": r["lang"], "line": r["line"]}
        for r in _jsonl(DATA / emotion)
        if r["support"]
    ]
    for name in dialogue:
        rows += [
            {"id": r["id"], "lang": r["lang"], "line": r["line"]}
            for r in _jsonl(DATA / name)
            if r["kind"] == "support"
        ]
    return rows


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


async def prompts(
    reader: CharacterReader, lines: list[dict[str, str]], personas: dict[str, Persona]
) -> list[tuple[dict[str, str], Persona, list[Message]]]:
    """The service's prompt for each line the reader also finds in need of support."""
    keys = sorted(personas)
    out = []
    for row in progress(lines, "reading"):
        persona = personas[keys[zlib.crc32(row["id"].encode()) % len(keys)]]
        reading = await reader.read("support", persona, row["line"])
        guidance = guidance_for(reading)
        if guidance.support and not guidance.refusal:
            out.append((row, persona, build_messages(persona, [], row["line"], [], guidance)))
    return out


async def sample(
    settings: Settings,
    base_url: str,
    made: list[tuple[dict[str, str], Persona, list[Message]]],
) -> list[Candidate]:
    adapter = adapter_at(settings.data_dir / "adapters" / "dialogue") or adapter_at(SHIPPED)
    assert adapter is not None, "no reply adapter: the shipped one is missing"
    model = ChatModel(settings, base_url)
    names = {"base": None, "adapter": await model.use_adapter(adapter.name, adapter.path)}
    gate = asyncio.Semaphore(8)

    async def one(
        row: dict[str, str], persona: Persona, messages: list[Message], label: str
    ) -> Candidate:
        async with gate:
            text = (await model.reply(messages, None, names[label])).text.strip()
        return Candidate(
            id=f"{row['id']}/{label}",
            persona=persona.id,
            lang=row["lang"],
            line=row["line"],
            model=label,
            reply=text,
        )

    jobs = [one(r, p, m, label) for r, p, m in made for label in names]
    try:
        return list(await asyncio.gather(*jobs))
    finally:
        await model.close()


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    console = Console()
    settings = Settings(llm_seed=0)
    featurize = shared_featurizer()
    reader = CharacterReader(featurize, shipped_gate(), shipped_reader())
    made = {
        "train": asyncio.run(
            prompts(
                reader,
                support_lines("train"),
                load_personas(DATA / "refusal_train_personas.json"),
            )
        ),
        "dev": asyncio.run(
            prompts(reader, support_lines("dev"), load_personas(DATA / "refusal_dev_personas.json"))
        ),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    with model_endpoint(settings, console) as base_url:
        for split, rows in made.items():
            with console.status(f"{2 * len(rows)} replies ({split})"):
                candidates = asyncio.run(sample(settings, base_url, rows))
            path = OUT / f"{split}_candidates.jsonl"
            path.write_text(
                "".join(c.model_dump_json() + "\n" for c in candidates), encoding="utf-8"
            )
            console.print(f"{len(candidates)} candidates → {path}")


if __name__ == "__main__":
    main()
