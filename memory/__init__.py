"""What an NPC keeps of a player: the conversation log, extracted events, recall."""
