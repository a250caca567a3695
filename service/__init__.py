"""The gateway game servers call: REST and WebSocket over the turn, personas and memory."""
