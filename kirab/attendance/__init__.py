"""Attendance: who came to an event, how they were recorded, and crowd headcounts."""
