"""Signals the foods app sends to the apps that build on it (foods never imports them)."""

from django.dispatch import Signal

# Sent by `custom_food_delete` with `food=`, inside its transaction and before the delete.
# A receiver removes rows of its own that may go with the food (plans: meal items already
# deleted, kept only for Undo) and raises ValidationError, with a message for the person,
# to refuse the delete while something they still use names the food; the transaction
# then rolls back whatever any receiver removed.
custom_food_deleting = Signal()
