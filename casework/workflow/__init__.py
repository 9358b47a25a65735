"""The checkpoint catalogue, the engine that evaluates it, and the persisted state."""
