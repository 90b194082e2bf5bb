"""Evidence from the Hugging Face Hub: repo ids, one model-info request, the metadata cache, typed Hub errors."""
