"""Clerks at windows: sign-in sessions, pauses (暂停服务), PIN checks, service time."""
