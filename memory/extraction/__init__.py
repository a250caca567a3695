"""From a player's line to typed events: a cheap filter, trained classifiers, rules, resolution."""
