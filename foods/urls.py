from django.urls import path

from foods import views

app_name = "foods"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
]
