"""Calendar feeds: the public agenda feeds, single-event downloads and personal feeds."""
