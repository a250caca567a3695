"""Token counts where no tokenizer is at hand (prompt budgets, a server without /tokenize)."""

from __future__ import annotations


def estimate_tokens(text: str) -> int:
    """About four characters a token in Latin scripts, one a token in CJK."""
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(1, cjk + (len(text) - cjk + 3) // 4)
