"""URLs of recipes (/recipes/) and of the shopping list (/plan/shopping/)."""

from django.urls import path

from plans import recipe_views

app_name = "recipes"

urlpatterns = [
    path("", recipe_views.recipe_list, name="list"),
    path("new/", recipe_views.recipe_new, name="new"),
    path("import/", recipe_views.recipe_import, name="import"),
    path("<int:pk>/", recipe_views.recipe_detail, name="detail"),
    path("<int:pk>/edit/", recipe_views.recipe_edit, name="edit"),
    path("<int:pk>/delete/", recipe_views.recipe_delete, name="delete"),
    path("<int:pk>/duplicate/", recipe_views.recipe_duplicate, name="duplicate"),
    path("<int:pk>/export.json", recipe_views.recipe_export, name="export"),
    path("<int:pk>/ingredients/", recipe_views.ingredient_add, name="ingredient_add"),
    path("<int:pk>/plan/", recipe_views.recipe_plan, name="plan"),
    path("ingredients/<int:pk>/", recipe_views.ingredient_update, name="ingredient_update"),
    path("ingredients/<int:pk>/delete/", recipe_views.ingredient_delete, name="ingredient_delete"),
    path("meal/<int:meal_pk>/", recipe_views.meal_recipe_add, name="meal_add"),
    path("in-meal/<int:pk>/delete/", recipe_views.meal_recipe_delete, name="meal_delete"),
    path("in-meal/<int:pk>/restore/", recipe_views.meal_recipe_restore, name="meal_restore"),
]

# Included at /plan/shopping/ under the namespace "shopping".
shopping_patterns = (
    [
        path("", recipe_views.shopping, name="list"),
        path("list.csv", recipe_views.shopping_csv, name="csv"),
        path("tick/", recipe_views.shopping_tick, name="tick"),
    ],
    "shopping",
)
