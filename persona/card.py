"""SillyTavern Character Card V2: import and export, as JSON or inside a PNG.

The card's fields map onto the persona's: `description` → background, `personality` →
speaking style, `scenario` → world, `first_mes` → greeting, `mes_example` → example dialogues.
What a card has no field for (knowledge, outside, world id, memory scope, adapter, refusal
threshold, extraction) travels in `data.extensions.npc_dialogue`, so our own export
round-trips. A card's `character_book` entries become lore documents of the persona. A card's
`system_prompt` and `post_history_instructions` are not taken over: our prompt carries the
defences against role changes, and a card must not replace them; they are reported back as
ignored.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from typing import Any

from PIL import Image, PngImagePlugin
from pydantic import BaseModel, Field, ValidationError

from persona.schemas import ExampleDialogue, Persona, PersonaCreate

EXTENSION = "npc_dialogue"
_OWN_FIELDS = (
    "knowledge",
    "outside",
    "world_id",
    "memory_scope",
    "adapter",
    "base_model",
    "refusal_threshold",
)
_IGNORED = ("system_prompt", "post_history_instructions")


class CardError(ValueError):
    """The upload is not a character card we can read."""


class LoreEntry(BaseModel):
    title: str = Field(max_length=200)
    text: str


class ImportedCard(BaseModel):
    persona: PersonaCreate
    lore: list[LoreEntry] = Field(default_factory=list)
    ignored: list[str] = Field(default_factory=list)


def to_card(persona: Persona) -> dict[str, Any]:
    examples = "".join(
        f"<START>\n{{{{user}}}}: {e.player}\n{{{{char}}}}: {e.npc}\n" for e in persona.examples
    )
    own = persona.model_dump(mode="json", include={*_OWN_FIELDS, "extraction"})
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": persona.name,
            "description": persona.background,
            "personality": persona.speaking_style,
            "scenario": persona.world,
            "first_mes": persona.greeting,
            "mes_example": examples,
            "creator_notes": "",
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": [],
            "tags": [],
            "creator": "",
            "character_version": "",
            "extensions": {EXTENSION: own},
        },
    }


def from_card(card: dict[str, Any], persona_id: str | None = None) -> ImportedCard:
    if card.get("spec") != "chara_card_v2" or not isinstance(card.get("data"), dict):
        raise CardError("not a Character Card V2: expected spec 'chara_card_v2' and a data object")
    data: dict[str, Any] = card["data"]
    extensions = data.get("extensions") or {}
    own = extensions.get(EXTENSION) or {} if isinstance(extensions, dict) else {}
    fields: dict[str, Any] = {
        "id": persona_id,
        "name": str(data.get("name") or "").strip(),
        "background": str(data.get("description") or ""),
        "speaking_style": str(data.get("personality") or ""),
        "world": str(data.get("scenario") or ""),
        "greeting": str(data.get("first_mes") or ""),
        "examples": parse_examples(str(data.get("mes_example") or ""))[:20],
        **{k: v for k, v in own.items() if k in (*_OWN_FIELDS, "extraction")},
    }
    try:
        persona = PersonaCreate.model_validate(fields)
    except ValidationError as exc:
        raise CardError(
            f"the card does not make a valid persona: {exc.errors()[0]['msg']}"
        ) from exc
    return ImportedCard(
        persona=persona,
        lore=_book_entries(data.get("character_book")),
        ignored=[k for k in _IGNORED if str(data.get(k) or "").strip()],
    )


def parse_examples(text: str) -> list[ExampleDialogue]:
    """`<START>` blocks of `{{user}}:` / `{{char}}:` lines, paired in order."""
    pairs: list[ExampleDialogue] = []
    for block in re.split(r"<START>", text, flags=re.IGNORECASE):
        player: str | None = None
        for line in block.splitlines():
            match = re.match(r"\s*\{\{(user|char)\}\}\s*:\s*(.+)", line, flags=re.IGNORECASE)
            if not match:
                continue
            who, said = match.group(1).lower(), match.group(2).strip()
            if who == "user":
                player = said
            elif player is not None:
                pairs.append(ExampleDialogue(player=player[:500], npc=said[:1000]))
                player = None
    return pairs


def _book_entries(book: Any) -> list[LoreEntry]:
    if not isinstance(book, dict):
        return []
    entries = []
    for i, entry in enumerate(book.get("entries") or []):
        if not isinstance(entry, dict) or not str(entry.get("content") or "").strip():
            continue
        if entry.get("enabled") is False:
            continue
        keys = entry.get("keys") or []
        title = str(entry.get("name") or entry.get("comment") or ", ".join(map(str, keys)) or "")
        entries.append(LoreEntry(title=(title or f"entry {i + 1}")[:200], text=entry["content"]))
    return entries


def card_to_png(card: dict[str, Any], size: int = 256) -> bytes:
    """A plain portrait-sized PNG carrying the card in a `chara` text chunk (base64 JSON), the
    way SillyTavern writes it."""
    image = Image.new("RGB", (size, size), (92, 64, 51))
    info = PngImagePlugin.PngInfo()
    payload = json.dumps(card, ensure_ascii=False).encode()
    info.add_text("chara", base64.b64encode(payload).decode("ascii"))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def card_from_png(data: bytes) -> dict[str, Any]:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises several kinds for a broken file
        raise CardError("the upload is not a readable PNG") from exc
    text = getattr(image, "text", {}) or {}
    raw = text.get("chara")
    if raw is None:
        raise CardError("the PNG carries no character card (no 'chara' text chunk)")
    try:
        card = json.loads(base64.b64decode(raw))
    except (binascii.Error, ValueError) as exc:
        raise CardError("the PNG's 'chara' chunk is not base64 JSON") from exc
    if not isinstance(card, dict):
        raise CardError("the PNG's card is not a JSON object")
    return card
