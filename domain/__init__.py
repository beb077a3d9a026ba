"""The Scheme's rules, pure: framework, commands, events, decide, evolve, status. No I/O, no Temporal."""
