"""The condition language of the rules (file:, config_has:, any:, ...): compiling a condition to a predicate over facts, and the evidence channels it needs."""
