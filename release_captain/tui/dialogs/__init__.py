"""Provides the modal dialogs: confirm with a reason, approve or reject with a comment,
and the list of every key binding."""
