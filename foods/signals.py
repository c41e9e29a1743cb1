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

# Sent with `portion=` inside the save's transaction, once a household measure was given
# another weight: by the admin's measures table (and, with the save rolled back, by its
# check before saving) and by a person's custom food. A receiver weighs again what is
# planned by the measure (plans: its count × the new grams), or raises ValidationError,
# keyed `grams`, to refuse the weight; the transaction then rolls back.
portion_reweighed = Signal()

# Sent with `portion_ids=` (a list) inside the delete's transaction, before those household
# measures are deleted: by the same two, and by a food load for the measures of a food that
# its file no longer has as they are (a measure with the same amount, unit and grams is not
# deleted: the load keeps it, with what is planned by it, and at most gives it another
# order). A receiver keeps what is planned by them in plain grams: the foreign key alone is
# set to NULL and leaves a count of nothing ("2 ×").
portion_deleting = Signal()
