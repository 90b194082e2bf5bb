"""One module per library family; each defines a Backend (see resolver.loading.base)."""
