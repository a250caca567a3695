"""The reply model, always through the OpenAI-compatible API (vLLM locally and in the stack)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import structlog
from openai import AsyncOpenAI
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from core.errors import AdapterUnavailable, LLMUnavailable
from core.settings import Settings
from core.tokens import estimate_tokens

log = structlog.get_logger(__name__)

OnToken = Callable[[str], Awaitable[None]]
# Called on the text so far at each sentence end; True stops the generation there.
StopWhen = Callable[[str], bool]
_SENTENCE_END = frozenset(".!?。！？\n")
REDRAW_TEMPERATURE = 0.7
Message = dict[str, str]

# Failures that mean "the model is not there right now" rather than "the request is wrong".
# A model server that dies mid-reply breaks the stream under the OpenAI client: httpx's
# transport errors surface from the iteration unwrapped.
_UNAVAILABLE = (
    openai.APIConnectionError,
    openai.APITimeoutError,
    openai.InternalServerError,
    httpx.TransportError,
)


@dataclass(frozen=True)
class Completion:
    text: str
    completion_tokens: int
    prompt_tokens: int
    first_token_ms: float
    total_ms: float
    stopped: bool = False  # ended early by `stop_when`


async def load_adapter(
    http: httpx.AsyncClient, base_url: object, name: str, path: str, retry_after_s: int = 5
) -> None:
    """Load a LoRA adapter into a running vLLM server (its runtime loading route). Loaded
    already (a restart of ours, not of the server) counts as loaded."""
    url = f"{str(base_url).rstrip('/')}/load_lora_adapter"
    try:
        response = await http.post(url, json={"lora_name": name, "lora_path": path}, timeout=60.0)
    except httpx.HTTPError as exc:
        raise LLMUnavailable("the model server did not answer", retry_after=retry_after_s) from exc
    already = response.status_code == 400 and "already" in response.text.lower()
    if response.status_code != 200 and not already:
        raise AdapterUnavailable(
            f"the model server could not load adapter {name!r} from {path!r}: {response.text[:300]}"
        )
    log.info("llm.adapter_loaded", adapter=name)


class ChatModel:
    def __init__(self, settings: Settings, base_url: str) -> None:
        self._settings = settings
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=settings.llm_api_key.get_secret_value(),
            timeout=settings.llm_timeout_s,
            max_retries=0,  # tenacity retries below, only before the first token
        )
        # For vLLM's own routes beside the OpenAI API (/tokenize, /v1/load_lora_adapter).
        self._http = httpx.AsyncClient(timeout=5.0)
        self._adapters: dict[str, str] = {}  # loaded here: name → path

    @property
    def client(self) -> AsyncOpenAI:
        """The one client to the model server, for other calls than replies (the judge)."""
        return self._client

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    async def close(self) -> None:
        await self._client.close()
        await self._http.aclose()

    async def ping(self) -> None:
        await self._client.models.list()

    async def count_tokens(self, messages: list[Message], model: str | None = None) -> int:
        """The prompt's length in the model's own tokens (vLLM's /tokenize with the chat
        template applied); an estimate when the server has no such route."""
        root = str(self._client.base_url).rstrip("/").removesuffix("/v1")
        try:
            response = await self._http.post(
                f"{root}/tokenize",
                json={"model": model or self._settings.llm_model, "messages": messages},
                timeout=5.0,
            )
            response.raise_for_status()
            return int(response.json()["count"])
        except (httpx.HTTPError, KeyError, ValueError):
            return sum(estimate_tokens(m["content"]) + 4 for m in messages)

    async def use_adapter(self, name: str, path: str) -> str:
        """Load a persona's LoRA adapter into the running server (once per process and path)
        and return the model name that selects it."""
        if self._adapters.get(name) == path:
            return name
        await load_adapter(
            self._http, self._client.base_url, name, path, self._settings.llm_retry_after_s
        )
        self._adapters[name] = path
        return name

    def forget_adapters(self) -> None:
        """After a server restart nothing is loaded any more."""
        self._adapters.clear()

    def sampling(self, model: str | None = None) -> dict[str, Any]:
        """The request parameters every reply uses; the benchmark replays them directly."""
        s = self._settings
        params: dict[str, Any] = {
            "model": model or s.llm_model,
            "max_tokens": s.llm_max_tokens,
            "temperature": s.llm_temperature,
            "top_p": s.llm_top_p,
            # Small models loop without it.
            "extra_body": {"repetition_penalty": s.llm_repetition_penalty},
        }
        if s.llm_seed is not None:
            params["seed"] = s.llm_seed
        return params

    async def reply(
        self,
        messages: list[Message],
        on_token: OnToken | None = None,
        model: str | None = None,
        stop_when: StopWhen | None = None,
    ) -> Completion:
        """Stream a reply, passing each piece of text to `on_token` as it arrives; `stop_when`
        ends it early (closing the stream aborts the request on the server)."""
        started = time.perf_counter()
        with self._answering(model):
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(openai.APIConnectionError),
                stop=stop_after_attempt(2),
                wait=wait_fixed(0.2),
                reraise=True,
            ):
                with attempt:
                    # Typed loosely on purpose: vLLM's extra sampling fields are not OpenAI's.
                    create: Any = self._client.chat.completions.create
                    stream = await create(
                        messages=messages,
                        stream=True,
                        stream_options={"include_usage": True},
                        **self.sampling(model),
                    )
            return await self._consume(stream, started, on_token, stop_when)

    async def replies(self, messages: list[Message], n: int, model: str | None = None) -> list[str]:
        """`n` replies to one prompt in one call (the server batches them), not streamed: for a
        regeneration the player waits on anyway."""
        params = self.sampling(model)
        # Greedy draws would all be one reply (and vLLM refuses n > 1 at temperature 0).
        params["temperature"] = max(params["temperature"], REDRAW_TEMPERATURE)
        with self._answering(model):
            create: Any = self._client.chat.completions.create
            response = await create(messages=messages, n=n, **params)
        return [(c.message.content or "").strip() for c in response.choices]

    @contextmanager
    def _answering(self, model: str | None) -> Iterator[None]:
        """A model server that is down, or that lost an adapter, is a 503 with Retry-After."""
        try:
            yield
        except _UNAVAILABLE as exc:
            log.warning("llm.unavailable", error=type(exc).__name__, base_url=self.base_url)
            raise LLMUnavailable(
                "the model server did not answer", retry_after=self._settings.llm_retry_after_s
            ) from exc
        except openai.NotFoundError as exc:
            self.forget_adapters()  # a restarted server lost them: the next turn reloads
            raise LLMUnavailable(
                f"the model server does not serve {model or self._settings.llm_model!r}",
                retry_after=self._settings.llm_retry_after_s,
            ) from exc

    async def _consume(
        self, stream: Any, started: float, on_token: OnToken | None, stop_when: StopWhen | None
    ) -> Completion:
        parts: list[str] = []
        stopped = False
        first_token_ms = 0.0
        prompt_tokens = completion_tokens = 0
        async for chunk in stream:
            if chunk.usage is not None:
                prompt_tokens = chunk.usage.prompt_tokens
                completion_tokens = chunk.usage.completion_tokens
            if not chunk.choices:
                continue
            piece = chunk.choices[0].delta.content
            if not piece:
                continue
            if not parts:
                first_token_ms = (time.perf_counter() - started) * 1000
            parts.append(piece)
            if on_token is not None:
                await on_token(piece)
            if stop_when is not None and _SENTENCE_END & set(piece) and stop_when("".join(parts)):
                stopped = True
                break
        if stopped:
            await stream.close()
        return Completion(
            text="".join(parts).strip(),
            completion_tokens=completion_tokens,
            prompt_tokens=prompt_tokens,
            first_token_ms=first_token_ms,
            total_ms=(time.perf_counter() - started) * 1000,
            stopped=stopped,
        )
