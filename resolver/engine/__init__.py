"""Stage 3, evidence + rules -> Resolution: the strategies of the fallback order, library/framework/loader detection, and the Resolution with its trace."""
