"""The plans domain: the ISTAT registry of comuni, and (later) plans and their lifecycle."""
