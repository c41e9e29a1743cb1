from django.urls import path

from plans import suggestion_views, views

app_name = "plans"

# Dates are taken as text and parsed in the view: a malformed date is a 404 on a page
# and a clear error on a write, rather than an opaque "no such URL".
urlpatterns = [
    path("", views.plan_home, name="home"),
    path("week/<isodate:on>/", views.week, name="week"),
    path("day/<isodate:on>/", views.day_page, name="day"),
    path("day/<isodate:on>/meals/", views.meal_add, name="meal_add"),
    path("day/<isodate:on>/notes/", views.day_notes, name="day_notes"),
    path("meals/<int:pk>/rename/", views.meal_rename, name="meal_rename"),
    path("meals/<int:pk>/move/", views.meal_move, name="meal_move"),
    path("meals/<int:pk>/delete/", views.meal_delete, name="meal_delete"),
    path("meals/<int:pk>/restore/", views.meal_restore, name="meal_restore"),
    path("meals/<int:pk>/items/", views.meal_item_add, name="meal_item_add"),
    path("meals/<int:pk>/foods/", views.food_picker, name="food_picker"),
    path("meals/<int:pk>/amount/", views.food_amount_form, name="food_amount_form"),
    path("items/<int:pk>/", views.meal_item_update, name="meal_item_update"),
    path("items/<int:pk>/edit/", views.meal_item_edit, name="meal_item_edit"),
    path("items/<int:pk>/delete/", views.meal_item_delete, name="meal_item_delete"),
    path("items/<int:pk>/restore/", views.meal_item_restore, name="meal_item_restore"),
    # Supplements, copying a day or meal, meal templates.
    path("day/<isodate:on>/supplements/", views.supplement_log, name="supplement_log"),
    path(
        "day/<isodate:on>/supplements/<int:pk>/",
        views.supplement_dose_add,
        name="supplement_dose_add",
    ),
    path("doses/<int:pk>/", views.supplement_dose_update, name="supplement_dose_update"),
    path("doses/<int:pk>/edit/", views.supplement_dose_edit, name="supplement_dose_edit"),
    path("doses/<int:pk>/delete/", views.supplement_dose_delete, name="supplement_dose_delete"),
    path("doses/<int:pk>/restore/", views.supplement_dose_restore, name="supplement_dose_restore"),
    path("supplements/", views.supplement_products, name="supplements"),
    path("supplements/convert/", views.supplement_conversion, name="supplement_conversion"),
    path(
        "supplements/<int:pk>/archive/",
        views.supplement_product_archive,
        name="supplement_product_archive",
    ),
    path("day/<isodate:on>/copy/", views.day_copy, name="day_copy"),
    path("meals/<int:pk>/tools/", views.meal_tools, name="meal_tools"),
    path("meals/<int:pk>/copy/", views.meal_copy, name="meal_copy"),
    path("meals/<int:pk>/template/", views.meal_template_save, name="meal_template_save"),
    path("meals/<int:pk>/insert/", views.meal_template_insert, name="meal_template_insert"),
    path("templates/", views.meal_templates, name="templates"),
    path("templates/<int:pk>/delete/", views.meal_template_delete, name="meal_template_delete"),
    # Suggestions (apply in one click, undo) and fill my day: plans/suggestion_views.py.
    path(
        "day/<isodate:on>/suggestions/",
        suggestion_views.day_suggestions,
        name="day_suggestions",
    ),
    path(
        "day/<isodate:on>/suggestions/apply/",
        suggestion_views.suggestion_apply,
        name="suggestion_apply",
    ),
    path(
        "day/<isodate:on>/suggestions/undo/",
        suggestion_views.suggestion_undo,
        name="suggestion_undo",
    ),
    path("day/<isodate:on>/fill/", suggestion_views.fill_page, name="fill"),
    path("day/<isodate:on>/fill/accept/", suggestion_views.fill_accept, name="fill_accept"),
    path("day/<isodate:on>/fill/undo/", suggestion_views.fill_undo, name="fill_undo"),
]
