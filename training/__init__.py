"""RAG-grounded dialogue data and the LoRA adapter that teaches the reply model to use it."""
