"""The reflection check: is a generated reply fit for the player, before they see it?

Five checks, each cheap enough for every turn on the CPU:
- in character: no "as an AI", "language model", "I'm an assistant" and the like, in the
  languages we serve (a rule list: this is regular language);
- no leak: no run of six words (twelve characters in CJK) of the character's instructions;
- supportive when support was needed: the reply is neither dismissive ("cheer up", "get over
  it") nor read by the emotion reader as cheerful;
- in the player's language, where both are surely known (`core.language.other_language`);
- no contradiction: no negated statement (questions do not count) close in meaning to a fact
  the player told us.
Trained heads (`persona.reflection_heads`) add what rules cannot list. A failing reply is
generated again once with a reminder; if that fails too, a safe line in character replaces it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.language import other_language
from memory.extraction.text import split_sentences
from persona.reflection_heads import Check, ReflectionHeads, reply_features

# text → (emotion label, intensity); texts → unit vectors (an embedder's `embed_sync`);
# texts → MiniLM ⊕ e5 rows.
CheerReader = Callable[[str], tuple[str, float]]
Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]
Featurize = Callable[[list[str]], np.ndarray]

_OUT_OF_CHARACTER = re.compile(
    r"\b(as an? (ai|a\.i\.|artificial intelligence|language model|assistant|chatbot|npc)"
    r"|i(?:'| a)m (just )?an? (ai|language model|assistant|chatbot|bot|program|npc)"
    r"|language model|large language|openai|chatgpt|my training (data)?|trained (by|on)"
    r"|i (can(?:no|')t|cannot) (browse|access) the internet|knowledge cutoff"
    r"|non-player character|video game|as an npc)\b"
    r"|作为(一个)?(ai|人工智能|语言模型|助手)|我是(一个)?(ai|人工智能|语言模型|聊天机器人|程序)"
    r"|como (una? )?(ia|inteligencia artificial|modelo de lenguaje|asistente)"
    r"|soy (una? )?(ia|inteligencia artificial|modelo de lenguaje|asistente virtual)"
    r"|als (ki|sprachmodell|künstliche intelligenz)|ich bin (eine? )?(ki|sprachmodell|assistent)"
    r"|en tant qu(e |')(ia|intelligence artificielle|modèle de langage|assistant)"
    r"|je suis (une? )?(ia|intelligence artificielle|modèle de langage)"
    r"|(ai|人工知能|言語モデル)として|私は(ai|人工知能|言語モデル|アシスタント)"
    # The served model's own names: asked what it runs on, it answers as what it was trained to.
    r"|\bqwen|通义千问|通義千問|阿里云|\balibaba cloud"
    r"|я\s*[—-]?\s*(ии|искусственный интеллект|языковая модель|нейросеть|бот)\b"
    r"|저는\s*(ai|인공지능|언어 모델|챗봇)"
    r"|sou (uma? )?(ia|inteligência artificial|modelo de linguagem)"
    r"|sono (un'?|una )?(ia|intelligenza artificiale|modello linguistico)"
    r"|أنا (ذكاء اصطناعي|نموذج لغوي|مساعد افتراضي)",
    re.IGNORECASE,
)
_DISMISSIVE = re.compile(
    r"\b(cheer up|get over it|stop (whining|crying|moping)|not (that|a) big deal|could be worse"
    r"|look on the bright side|man up|toughen up|quit (whining|crying)|whatever|so what"
    r"|everyone (dies|goes through)|you'?ll get over|snap out of it|don'?t be (sad|so dramatic))\b"
    r"|别哭了|想开点|没什么大不了|ánimo, no es para tanto|anímate|no es para tanto|deja de llorar"
    r"|kopf hoch|stell dich nicht so an|ist doch nicht so schlimm|ce n'est pas si grave"
    r"|arrête de pleurer|souris un peu|大したことない|泣くな|元気出して",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(not|no|never|nothing|none|nor|nunca|nicht|kein\w*)\b|n't|不|没|沒|无|無"
    r"|\bpas\b|\bjamais\b|ない|ません",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class ReflectionResult:
    failed: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed


def leaks(reply: str, instructions: str, words: int = 6, cjk_chars: int = 12) -> bool:
    """Does the reply repeat a run of the instructions verbatim?"""
    if _CJK.search(instructions) or _CJK.search(reply):
        a, b = _squash(instructions), _squash(reply)
        return any(b[i : i + cjk_chars] in a for i in range(max(0, len(b) - cjk_chars + 1)))
    source = _word_windows(instructions, words)
    return bool(source & _word_windows(reply, words))


def unfit_so_far(partial: str, instructions: str) -> bool:
    """Whether a reply still being generated has already spoken as an AI or repeated its
    instructions: no ending can save it, so its generation can stop and the redraw begin."""
    return bool(_OUT_OF_CHARACTER.search(partial)) or leaks(partial, instructions)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def _word_windows(text: str, n: int) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


class ReflectionCheck:
    """`cheer` reads a text's emotion (label, intensity); `embed` embeds texts (unit vectors)."""

    def __init__(
        self,
        cheer: CheerReader | None = None,
        embed: Embed | None = None,
        heads: ReflectionHeads | None = None,
        featurize: Featurize | None = None,
    ) -> None:
        self._cheer = cheer
        self._embed = embed
        self._heads = heads if featurize is not None else None
        self._featurize = featurize

    def check(
        self,
        reply: str,
        *,
        instructions: str,
        support: bool,
        facts: Sequence[str] = (),
        contradiction_similarity: float = 0.6,
        line: str = "",
        heard: str | None = None,
    ) -> ReflectionResult:
        """`line` is the player's line: a reply must be in its language (or in `heard`, the
        player's language from more of their lines) and, when support was needed, answer it."""
        failed: list[Check] = []
        if _OUT_OF_CHARACTER.search(reply):
            failed.append("breaks_character")
        if (line or heard) and other_language(reply, line, heard):
            failed.append("wrong_language")
        if instructions and leaks(reply, instructions):
            failed.append("leaks_prompt")
        if support and self._unsupportive(reply):
            failed.append("unsupportive")
        if (
            facts
            and self._embed is not None
            and self._contradicts(reply, facts, contradiction_similarity)
        ):
            failed.append("contradicts_fact")
        if self._heads is not None and self._featurize is not None:
            features = reply_features(self._featurize, reply, instructions, facts, NEGATION, line)
            failed += [k for k in self._heads.failed(features, support) if k not in failed]
        return ReflectionResult(failed)

    def _unsupportive(self, reply: str) -> bool:
        if _DISMISSIVE.search(reply):
            return True
        if self._cheer is None:
            return False
        label, intensity = self._cheer(reply)
        return label == "joy" and intensity >= 0.6

    def _contradicts(self, reply: str, facts: Sequence[str], threshold: float) -> bool:
        assert self._embed is not None
        # A question asserts nothing: "Didn't you say your stomach is sensitive?" is care.
        negated = [
            s
            for s in split_sentences(reply)
            if NEGATION.search(s) and not s.rstrip().endswith(("?", "？"))
        ]
        if not negated:
            return False
        vectors = np.asarray(self._embed([*negated, *facts]), dtype=np.float32)
        sentences, known = vectors[: len(negated)], vectors[len(negated) :]
        return bool((sentences @ known.T).max() >= threshold)


# What the character says when no generated reply passes, or when a player in need of support
# is not handed to a model that cannot comfort them: short, kind, fit for any world, in the
# player's language, whatever the feeling (grief, fear, loneliness). Three supportive lines
# (chosen by the player's line, so a retried turn gets the same one) and a neutral one.
SAFE_LINES: dict[str, tuple[tuple[str, str, str], str]] = {
    "en": (
        (
            "That sounds heavy to carry. Sit a while; I'm listening.",
            "You don't have to face that alone tonight. Tell me about it, if you want.",
            "That's a hard thing to feel. Stay here a moment; I'm not going anywhere.",
        ),
        "Hm. Let's talk of something else, friend.",
    ),
    "zh": (
        (
            "听起来你心里很沉。坐一会儿吧，我在听。",
            "今晚你不用一个人面对这些。想说的话，就跟我说说。",
            "有这种感受真的不容易。在这儿待一会儿，我哪儿也不去。",
        ),
        "嗯。朋友，我们聊点别的吧。",
    ),
    "es": (
        (
            "Eso suena muy pesado de llevar. Siéntate un rato; te escucho.",
            "Esta noche no tienes que enfrentarlo solo. Cuéntame, si quieres.",
            "Es duro sentirse así. Quédate aquí un momento; no me voy a ninguna parte.",
        ),
        "Hm. Hablemos de otra cosa, amigo.",
    ),
    "fr": (
        (
            "Ça a l'air lourd à porter. Assieds-toi un moment ; je t'écoute.",
            "Tu n'as pas à affronter ça seul ce soir. Raconte-moi, si tu veux.",
            "C'est dur de ressentir ça. Reste ici un instant ; je ne pars pas.",
        ),
        "Hm. Parlons d'autre chose, l'ami.",
    ),
    "de": (
        (
            "Das klingt schwer zu tragen. Setz dich eine Weile; ich höre dir zu.",
            "Damit musst du heute nicht allein sein. Erzähl mir davon, wenn du magst.",
            "Das ist ein schweres Gefühl. Bleib einen Moment hier; ich gehe nirgendwohin.",
        ),
        "Hm. Reden wir von etwas anderem, Freund.",
    ),
    "ja": (
        (
            "それはつらかったね。少し座って。ちゃんと聞いているよ。",
            "今夜はひとりで抱えなくていい。話したければ聞くよ。",
            "そう感じるのはつらいよね。少しここにいて。どこにも行かないから。",
        ),
        "うーん。友よ、別の話をしよう。",
    ),
    "pt": (
        (
            "Sinto muito que esteja carregando isso. Senta um pouco; estou te ouvindo.",
            "Você não precisa enfrentar isso sozinho esta noite. Conta, se quiser.",
            "É difícil se sentir assim. Fica aqui um momento; eu não vou a lugar nenhum.",
        ),
        "Hm. Vamos falar de outra coisa, amigo.",
    ),
    "ru": (
        (
            "Похоже, тебе тяжело. Посиди немного, я слушаю.",
            "Сегодня тебе не нужно справляться с этим одному. Расскажи, если хочешь.",
            "Так чувствовать себя нелегко. Побудь здесь немного, я никуда не уйду.",
        ),
        "Хм. Давай поговорим о другом, друг.",
    ),
    "ko": (
        (
            "많이 무거웠겠구나. 잠깐 앉아. 내가 듣고 있을게.",
            "오늘 밤은 혼자 감당하지 않아도 돼. 말하고 싶으면 해.",
            "그런 마음 드는 거 힘들지. 잠깐 여기 있어. 나 어디 안 가.",
        ),
        "음. 친구, 다른 이야기를 하자.",
    ),
    "it": (
        (
            "Sembra un peso grande da portare. Siediti un po'; ti ascolto.",
            "Stasera non devi affrontarlo da solo. Raccontami, se vuoi.",
            "È dura sentirsi così. Resta qui un momento; non vado da nessuna parte.",
        ),
        "Hm. Parliamo d'altro, amico.",
    ),
    "pl": (
        (
            "To brzmi jak ciężar. Usiądź na chwilę; słucham cię.",
            "Dziś nie musisz mierzyć się z tym sam. Opowiedz, jeśli chcesz.",
            "Trudno się tak czuć. Zostań tu chwilę; nigdzie nie idę.",
        ),
        "Hm. Porozmawiajmy o czymś innym, przyjacielu.",
    ),
    "tr": (
        (
            "Bu taşıması ağır bir yük gibi. Biraz otur; seni dinliyorum.",
            "Bu gece bununla tek başına yüzleşmek zorunda değilsin. İstersen anlat.",
            "Böyle hissetmek zor. Biraz burada kal; hiçbir yere gitmiyorum.",
        ),
        "Hm. Başka bir şeyden konuşalım, dostum.",
    ),
}


# Every supportive safe line, in any language: a fallback that must fire on support turns only.
SUPPORT_LINES = frozenset(line for lines, _ in SAFE_LINES.values() for line in lines)


def safe_line(support: bool, language: str = "en", seed: str = "") -> str:
    supportive, neutral = SAFE_LINES.get(language, SAFE_LINES["en"])
    return supportive[zlib.crc32(seed.encode()) % len(supportive)] if support else neutral


def scripted_support(comfort: bool, language: str, line: str, scripted: bool) -> str | None:
    """The reply to a player in need of support where the operator chose scripted support
    (NPC_SUPPORT_REPLIES): the safe supportive line, in their language, generated nothing.
    None where the model should answer."""
    return safe_line(True, language, line) if comfort and scripted else None
