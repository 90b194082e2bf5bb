"""Stage 2, the rules: finding rule packs, reading YAML with positions, schema validation, the compiled form and its cache."""
