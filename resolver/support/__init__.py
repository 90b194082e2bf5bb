"""Small helpers every layer may use: the package version, where the shipped files live, installed versions, fast frozen records. They import nothing else of the package but errors."""
