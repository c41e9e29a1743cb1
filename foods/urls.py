from django.urls import path

from foods import views

app_name = "foods"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("mine/", views.custom_food_list, name="custom_list"),
    path("mine/new/", views.custom_food_new, name="custom_new"),
    path("mine/<int:pk>/edit/", views.custom_food_edit, name="custom_edit"),
    path("mine/<int:pk>/delete/", views.custom_food_delete_view, name="custom_delete"),
]
