from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        # foods never imports plans: it announces a food's delete and a household measure's
        # new weight or delete, and plans says what goes with it, what keeps it and what
        # follows it (plans/food_uses.py).
        from foods.signals import food_deleting, portion_deleting, portion_reweighed
        from plans.food_uses import on_food_deleting, on_portion_deleting, on_portion_reweighed

        food_deleting.connect(on_food_deleting, dispatch_uid="plans.food_uses")
        portion_reweighed.connect(on_portion_reweighed, dispatch_uid="plans.portion_reweighed")
        portion_deleting.connect(on_portion_deleting, dispatch_uid="plans.portion_deleting")
