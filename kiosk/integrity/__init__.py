"""Tamper evidence: every record a hall sends upstream is a link in the hall's hash chain.

chain.py is the pure part (canonical form, hashes, checking a run of links); ledger.py
assigns links on the hall inside the outbox transaction; local.py verifies the hall's own
chain; the hub's side is kiosk/hub/chain_check.py. See docs/security.md.
"""
