"""Per-player memory preferences: what each player asks the character to keep or forget, and
how they take the memories it brings up, shift what the worker keeps for them."""
