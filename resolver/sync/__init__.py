"""Generated rule tables: regenerate them from the installed transformers and diffusers, or report their drift."""
