"""What task-resolver validate checks beyond the schema: semantic checks across files and packs, and the rules' own examples run through the engine."""
