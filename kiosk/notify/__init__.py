"""Notifying citizens: the SMS invitation with the case's rating link (sent by the sync
process through a pluggable gateway; off unless SMS_GATEWAY is configured)."""
