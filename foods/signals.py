"""Signals the foods app sends to the apps that build on it (foods never imports them)."""

from django.dispatch import Signal

# Sent with `food=` inside the delete's transaction, before the food is deleted: by
# `custom_food_delete` for a person's custom food, and by the admin for a database food
# (single or bulk delete). A receiver removes rows of its own that may go with the food
# (plans: meal items already deleted, kept only for Undo). For a custom food it also raises
# ValidationError, with a message for the person, to refuse the delete while something
# they still use names the food; for a database food the admin names what keeps it (the
# rows that PROTECT it). The transaction then rolls back whatever any receiver removed.
food_deleting = Signal()
