"""Provides the board's widgets: the header, stage columns, target cards with their
countdown bars, and approval prompts."""
