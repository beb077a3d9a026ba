"""`gmts`, the command line for scheme administrators."""
