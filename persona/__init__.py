"""Who an NPC is: persona definitions in SQL and the prompt built from them."""
