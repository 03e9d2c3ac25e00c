"""Sync with the Netwerk's central agenda: iCalendar feeds pulled in, signups pushed
out through the outbox, and the hub (sync/hub/) that keeps the agenda for all kiosks."""
