from django.urls import path

from plans import views

app_name = "plans"

# Dates are taken as text and parsed in the view: a malformed date is a 404 on a page
# and a clear error on a write, rather than an opaque "no such URL".
urlpatterns = [
    path("", views.plan_home, name="home"),
    path("week/<str:on>/", views.week, name="week"),
    path("day/<str:on>/", views.day_page, name="day"),
    path("day/<str:on>/meals/", views.meal_add, name="meal_add"),
    path("day/<str:on>/notes/", views.day_notes, name="day_notes"),
    path("meals/<int:pk>/rename/", views.meal_rename, name="meal_rename"),
    path("meals/<int:pk>/move/", views.meal_move, name="meal_move"),
    path("meals/<int:pk>/delete/", views.meal_delete, name="meal_delete"),
    path("meals/<int:pk>/items/", views.meal_item_add, name="meal_item_add"),
    path("meals/<int:pk>/foods/", views.food_picker, name="food_picker"),
    path("meals/<int:pk>/amount/", views.food_amount_form, name="food_amount_form"),
    path("items/<int:pk>/", views.meal_item_update, name="meal_item_update"),
    path("items/<int:pk>/delete/", views.meal_item_delete, name="meal_item_delete"),
    path("items/<int:pk>/restore/", views.meal_item_restore, name="meal_item_restore"),
]
