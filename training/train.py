"""Fit the reply adapter: `python -m training.train` (`make train`).

A LoRA adapter (peft) on the base model, trained on var/dialogue/train.jsonl (`make data`)
with the loss on the reply tokens only: the prompt is what the service builds, the reply is
what the teacher wrote. Fixed seed, held-out loss before and after, a progress bar. Writes the
adapter folder (safetensors in fp16, a few MB) with card.json and README.md: base model, data
hash, rank, steps, figures.

The base model is the served default, Qwen2.5-Coder-1.5B-Instruct, (`--model` takes any Hugging Face
model folder); it runs on a GPU when torch sees one. On the two CPU cores here, the backward
pass is most of the cost, so by default only the upper layers get LoRA (`--layers-from`): the
lower half then needs no gradients at all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from core.cpu import BF16_FAST, cpu_flags

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "var" / "dialogue"
OUT = ROOT / "var" / "adapters" / "dialogue"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]  # -100 on the prompt: the loss is on the reply alone


def encode(tokenizer: Any, row: dict[str, Any], max_tokens: int) -> Example | None:
    prompt = tokenizer.apply_chat_template(
        row["messages"], add_generation_prompt=True, tokenize=False
    )
    end = tokenizer.eos_token or ""
    prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
    reply_ids = tokenizer(row["reply"] + end, add_special_tokens=False).input_ids
    if len(prompt_ids) + len(reply_ids) > max_tokens:
        return None
    return Example(prompt_ids + reply_ids, [-100] * len(prompt_ids) + reply_ids)


def batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in random order."""
    ordered = sorted(examples, key=lambda e: len(e.input_ids))
    out = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    rng.shuffle(out)
    return out


def collate(batch: list[Example], pad: int) -> dict[str, Any]:
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = [e.input_ids + [pad] * (width - len(e.input_ids)) for e in batch]
    labels = [e.labels + [-100] * (width - len(e.labels)) for e in batch]
    mask = [[1] * len(e.input_ids) + [0] * (width - len(e.input_ids)) for e in batch]
    return {
        "input_ids": torch.tensor(ids),
        "labels": torch.tensor(labels),
        "attention_mask": torch.tensor(mask),
    }


def reply_loss(model: Any, batch: dict[str, Any]) -> Any:
    """Mean cross-entropy over the reply tokens, with the output layer applied to those
    positions only: full logits over a 152k vocabulary for every prompt token cost more memory
    (batch 8 × 500 tokens: over 20 GB, killed here) and time than the rest of the step."""
    import torch.nn.functional as F

    causal = model.get_base_model()
    hidden = causal.base_model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state[:, :-1]
    labels = batch["labels"][:, 1:]
    keep = labels != -100
    logits = causal.get_output_embeddings()(hidden[keep]).float()
    return F.cross_entropy(logits, labels[keep])


def mean_loss(model: Any, examples: list[Example], pad: int, device: str) -> float:
    import torch

    if not examples:
        return float("nan")
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(examples), 8):
            batch = {k: v.to(device) for k, v in collate(examples[i : i + 8], pad).items()}
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += float(reply_loss(model, batch)) * n
            tokens += n
    model.train()
    return total / max(1, tokens)


def read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def base_dtype(choice: str, device: str) -> str:
    """bf16 where the hardware computes in it; on an AVX2-only CPU bf16 is emulated and
    several times slower than fp32."""
    if choice != "auto":
        return choice
    return "bf16" if device == "cuda" or cpu_flags() & BF16_FAST else "fp32"


def default_model_dir() -> Path:
    """The default model's own weights: the served folder may be int8, which takes no training."""
    from core.settings import Settings
    from service.runtime.local import base_model_dir

    return base_model_dir(Settings())


def train(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup

    started = time.monotonic()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model_dir = args.model or default_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    rows = read(args.data / "train.jsonl")
    held = read(args.data / "heldout.jsonl")
    train_set = [e for r in rows if (e := encode(tokenizer, r, args.max_tokens))]
    held_set = [e for r in held if (e := encode(tokenizer, r, args.max_tokens))]
    if not train_set:
        raise SystemExit(f"no training examples in {args.data}: run `make data` first")

    dtype_name = base_dtype(args.dtype, device)
    dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[dtype_name]
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device)  # type: ignore[arg-type]
    layers = base.config.num_hidden_layers
    first = min(layers // 2 if args.layers_from is None else args.layers_from, layers - 1)
    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.alpha,
        lora_dropout=0.05,
        target_modules=TARGETS,
        layers_to_transform=list(range(first, layers)),
        task_type="CAUSAL_LM",
    )
    # The adapter's own weights stay fp32 beside a bf16 base (peft casts them up): bf16 Adam
    # updates of a rank-8 adapter lose most of their steps to rounding.
    model = get_peft_model(base, config, autocast_adapter_dtype=True)
    before = mean_loss(model, held_set, pad, device)

    rng = random.Random(args.seed)
    plan = [b for _ in range(args.epochs) for b in batches(train_set, args.batch, rng)]
    if args.steps:
        plan = (plan * (args.steps // max(1, len(plan)) + 1))[: args.steps]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    schedule = get_linear_schedule_with_warmup(  # type: ignore[no-untyped-call]
        optimizer, max(1, len(plan) // 10), len(plan)
    )
    tokens = 0
    columns = (
        TextColumn("training"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps · loss {task.fields[loss]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("train", total=len(plan), loss="…")
        for step, batch in enumerate(plan, 1):
            tensors = {k: v.to(device) for k, v in collate(batch, pad).items()}
            loss = reply_loss(model, tensors)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            tokens += int(tensors["attention_mask"].sum())
            bar.update(task, advance=1, loss=f"{float(loss.detach()):.3f}")
            if not console.is_terminal and (step % 10 == 0 or step == len(plan)):
                # A log file gets no live bar: a line every ten steps instead.
                console.print(f"step {step}/{len(plan)} loss {float(loss.detach()):.3f}")
    trained_s = time.monotonic() - started
    after = mean_loss(model, held_set, pad, device)

    args.out.mkdir(parents=True, exist_ok=True)
    model = model.to(torch.float16)
    model.save_pretrained(args.out)
    weights = (args.out / "adapter_model.safetensors").read_bytes()
    card = {
        "name": f"{args.name}-{hashlib.sha256(weights).hexdigest()[:10]}",
        "base_model": str(model_dir),
        "base_model_name": Path(model_dir).name.rsplit("-", 1)[0],
        "data_sha256": hashlib.sha256((args.data / "train.jsonl").read_bytes()).hexdigest()[:16],
        "examples": len(train_set),
        "heldout_examples": len(held_set),
        "rank": args.rank,
        "alpha": args.alpha,
        "targets": TARGETS,
        "layers": f"{first}-{layers - 1} of {layers}",
        "steps": len(plan),
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "seed": args.seed,
        "device": device,
        "dtype": dtype_name,
        "heldout_loss_before": round(before, 4),
        "heldout_loss_after": round(after, 4),
        "tokens_per_s": round(tokens / max(1e-9, trained_s), 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    (args.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    (args.out / "README.md").write_text(readme(card, PURPOSE.get(args.name, "")))
    return card


PURPOSE = {
    "dialogue": "LoRA adapter that teaches the reply model to use what recall puts in the prompt "
    "the way a friend would, in the persona's voice. Made by `make data && make train`.",
    "summarizer": "LoRA adapter that turns a player's line into short, typed, dated memory notes "
    "(JSON). Made by `make train-summarizer` from tests/data/summaries_train.jsonl.",
}


def readme(card: dict[str, Any], purpose: str) -> str:
    lines = [
        f"# {card['name'].rsplit('-', 1)[0].capitalize()} adapter",
        "",
        purpose,
        "",
        *(f"- {k}: {v}" for k, v in card.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--name", default="dialogue", help="the adapter's name before its hash (dialogue, ...)"
    )
    parser.add_argument("--model", type=Path, default=None, help="base model folder")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=int, default=16)
    parser.add_argument(
        "--layers-from", type=int, default=None, help="first layer with LoRA (default: half)"
    )
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, default=0, help="exactly this many steps (smoke)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-tokens", type=int, default=640)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dtype",
        choices=("auto", "bf16", "fp32"),
        default="auto",
        help="base weights; auto: bf16 on a GPU or a CPU with AMX / AVX-512 BF16, else fp32",
    )
    args = parser.parse_args()
    console = Console()
    card = train(args, console)
    console.print(
        f"[green]✓[/] {args.out} ({card['name']}): {card['examples']} examples, "
        f"{card['steps']} steps, {card['tokens_per_s']} tokens/s, held-out loss "
        f"{card['heldout_loss_before']} → {card['heldout_loss_after']} in {card['seconds']} s"
    )


if __name__ == "__main__":
    main()
