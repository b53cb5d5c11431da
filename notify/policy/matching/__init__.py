"""The matching machinery the checks stand on: phrase automaton, regex prefilter, sentence boundaries."""
