from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        # foods never imports plans: it announces a food's delete, and plans says
        # what goes with it and what keeps it (plans/food_uses.py).
        from foods.signals import food_deleting
        from plans.food_uses import on_food_deleting

        food_deleting.connect(on_food_deleting, dispatch_uid="plans.food_uses")
