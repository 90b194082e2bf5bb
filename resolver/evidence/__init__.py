"""Stage 1, reference -> evidence: the only code that reads files or the network. One module per source (folder, objects and classes, hub/); each returns plain Evidence."""
